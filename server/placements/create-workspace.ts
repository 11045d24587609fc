/**
 * A new workspace, wherever it goes: check the name, make the place ready (its
 * placement's `provision`), record the workspace, clone into it if asked. Any failure gives back
 * what was prepared (a cloud worker is released) and records nothing.
 */
import path from 'node:path';
import { TetherError } from '../errors';
import { cloneInto, isCloneUrl } from '../workspaces/clone';
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
  await workspaces.checkName(user.id, name);
  // The server's disk is the operator's: refused (403, like every admin-only thing) before a
  // worker is started for nothing.
  const clone = opts.clone?.trim();
  if (clone && !isCloneUrl(clone) && path.isAbsolute(clone) && user.role !== 'admin') throw new TetherError('forbidden', 'only an admin can clone a repository from this server’s disk');
  // The placement checks the target (the host exists…) as it provisions.
  const prepared = await placements.provision({ user, name, target });
  try {
    const ws = await workspaces.record(user.id, name, prepared.place);
    if (clone) {
      await cloneInto(await runtimes.forWorkspace(ws), clone, { allowLocalPath: user.role === 'admin' }).catch(async (err) => {
        await runtimes.drop(ws.id);
        await workspaces.remove(user.id, ws.id);
        throw err;
      });
    }
    return ws;
  } catch (err) {
    await prepared.cleanup().catch(() => {});
    throw err;
  }
}
