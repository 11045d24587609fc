/**
 * Re-adoption after a restart: terminals in the pty host, on cloud workers and in SSH runners
 * outlived the previous gateway; give them sessions again, with their ids and offsets. SSH hosts
 * are asked only when their runner was up last time (no connecting to every host at startup).
 */
import type { SessionRegistry } from './core/session-registry';
import type { Logger } from './log';
import type { PtyHosts } from './runtimes/local/pty-host';
import type { RuntimeRegistry } from './placements/runtime-registry';
import type { SshHostService } from './hosts/host-service';
import type { WorkspaceService } from './workspaces/workspace-service';

/** Adopts every terminal still running; resolves to how many. A workspace that fails is logged and skipped. */
export async function readoptTerminals(
  workspaces: WorkspaceService,
  hosts: SshHostService,
  runtimes: RuntimeRegistry,
  sessions: SessionRegistry,
  ptyHosts: PtyHosts | null,
  log: Logger,
): Promise<number> {
  let n = 0;
  const ssh = workspaces.listOfKind('ssh').filter(({ workspace }) => {
    const h = workspace.hostId ? hosts.byId(workspace.hostId) : null;
    return h?.runner.mode !== 'never' && h?.runner.status?.state === 'runner';
  });
  const local = ptyHosts ? workspaces.listOfKind('local') : [];
  for (const { userId, workspace } of [...local, ...workspaces.listOfKind('cloud'), ...ssh]) {
    try {
      const rt = runtimes.forWorkspace(workspace);
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
