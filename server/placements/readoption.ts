/**
 * Re-adoption after a restart: terminals in the pty host, on cloud workers and in SSH runners
 * outlived the previous gateway; give them sessions again, with their ids and offsets. Each
 * placement says which of its workspaces may have such terminals (SSH: only hosts whose runner
 * was up last time, so starting does not connect to every host).
 */
import type { SessionRegistry } from '../core/session-registry';
import type { Logger } from '../log';
import type { Workspace, WorkspaceService } from '../workspaces/workspace-service';
import type { Placements } from './index';
import type { RuntimeRegistry } from './runtime-registry';

/** Adopts every terminal still running; resolves to how many. A workspace that fails is logged and skipped. */
export async function readoptTerminals(workspaces: WorkspaceService, placements: Placements, runtimes: RuntimeRegistry, sessions: SessionRegistry, log: Logger): Promise<number> {
  let n = 0;
  const candidates: { userId: string; workspace: Workspace }[] = [];
  for (const p of placements.all()) {
    for (const c of await workspaces.listOfKind(p.kind)) if (await p.mayHaveTerminals(c.workspace)) candidates.push(c);
  }
  for (const { userId, workspace } of candidates) {
    try {
      const rt = await runtimes.forWorkspace(workspace);
      if (!rt.runningTerminals || !rt.attachPty) continue;
      for (const t of await rt.runningTerminals()) {
        if (sessions.has(t.id)) continue;
        sessions.adopt({ userId, workspaceId: workspace.id, proc: await rt.attachPty(t), cols: t.cols, rows: t.rows, createdAt: t.createdAt, id: t.id });
        n++;
      }
    } catch (err) {
      log.warn('terminals of a workspace not re-attached', { workspace: workspace.id, kind: workspace.kind, error: (err as Error).message });
    }
  }
  if (n) log.info('re-attached terminals of the pty host, cloud workers and SSH runners', { terminals: n });
  return n;
}
