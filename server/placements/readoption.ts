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

/** Adopts every terminal still running; resolves to how many. A workspace that fails is logged and
 * skipped. `only` narrows it to some workspaces (several gateways: terminals another gateway
 * opened, caught up on when a browser asks for one — cluster/terminal-catch-up.ts). */
export async function readoptTerminals(workspaces: WorkspaceService, placements: Placements, runtimes: RuntimeRegistry, sessions: SessionRegistry, log: Logger, only?: (userId: string, workspaceId: string) => boolean): Promise<number> {
  let n = 0;
  const candidates: { userId: string; workspace: Workspace }[] = [];
  for (const p of placements.all()) {
    for (const c of await workspaces.listOfKind(p.kind)) {
      if ((!only || only(c.userId, c.workspace.id)) && (await p.mayHaveTerminals(c.workspace))) candidates.push(c);
    }
  }
  const adoptIn = async ({ userId, workspace }: (typeof candidates)[number]) => {
    try {
      const rt = await runtimes.forWorkspace(workspace);
      if (!rt.runningTerminals || !rt.attachPty) return;
      // All of a workspace's terminals at once: each is one OPEN on the agent link, and a
      // gateway taking over from a dead one has hundreds of browsers waiting for theirs.
      const attached = await Promise.allSettled(
        (await rt.runningTerminals()).map(async (t) => {
          if (sessions.has(t.id)) return false;
          const proc = await rt.attachPty!(t);
          // Adopted meanwhile by another pass (start-up re-adoption and a catch-up): keep that one.
          if (sessions.has(t.id)) {
            proc.detach?.();
            return false;
          }
          sessions.adopt({ userId, workspaceId: workspace.id, proc, cols: t.cols, rows: t.rows, createdAt: t.createdAt, id: t.id });
          return true;
        }),
      );
      for (const r of attached) {
        if (r.status === 'fulfilled') n += r.value ? 1 : 0;
        else log.warn('a terminal of a workspace not re-attached', { workspace: workspace.id, kind: workspace.kind, error: (r.reason as Error).message });
      }
    } catch (err) {
      log.warn('terminals of a workspace not re-attached', { workspace: workspace.id, kind: workspace.kind, error: (err as Error).message });
    }
  };
  // After a restart one workspace after another (it may connect to every SSH host that had a
  // runner up); a catch-up (one user's workspaces, browsers waiting) all at once.
  if (only) await Promise.all(candidates.map(adoptIn));
  else for (const c of candidates) await adoptIn(c);
  if (n && !only) log.info('re-attached terminals of the pty host, cloud workers and SSH runners', { terminals: n });
  return n;
}
