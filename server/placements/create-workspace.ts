/**
 * A new workspace, wherever it goes: check the name, make the place ready (its
 * placement's `provision`), record the workspace, clone into it if asked. Any failure gives back
 * what was prepared (a cloud worker is released) and records nothing.
 */
import { cloneInto } from '../workspaces/clone';
import type { Workspace, WorkspaceService } from '../workspaces/workspace-service';
import type { PlacementTarget, Placements } from './index';
import type { RuntimeRegistry } from './runtime-registry';

export interface CreateWorkspaceDeps {
  workspaces: WorkspaceService;
  placements: Placements;
  runtimes: RuntimeRegistry;
}

export async function createWorkspace(
  deps: CreateWorkspaceDeps,
  user: { id: string; role: string },
  name: string,
  target: PlacementTarget,
  opts: { clone?: string } = {},
): Promise<Workspace> {
  const { workspaces, placements, runtimes } = deps;
  workspaces.checkName(user.id, name);
  // The placement checks the target (the host exists…) as it provisions.
  const prepared = await placements.provision({ user, name, target });
  try {
    const ws = workspaces.record(user.id, name, prepared.place);
    const clone = opts.clone?.trim();
    if (clone) {
      await cloneInto(runtimes.forWorkspace(ws), clone, { allowLocalPath: user.role === 'admin' }).catch(async (err) => {
        await runtimes.drop(ws.id);
        workspaces.remove(user.id, ws.id);
        throw err;
      });
    }
    return ws;
  } catch (err) {
    await prepared.cleanup().catch(() => {});
    throw err;
  }
}
