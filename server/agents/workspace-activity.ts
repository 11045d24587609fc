/**
 * What each of a user's workspaces is doing, for the home page: how many terminals run there, how
 * many of them wait for someone (the agents view's `waiting`, status.ts), and when it was last
 * active. Everything comes from what the gateway already holds in memory — the session registry
 * and the agents' cached screens — so a poll costs no call to an SSH host or a cloud worker.
 *
 * "Last activity" is the latest of: a terminal's last output (typing echoes, so input counts
 * too), a terminal starting or ending, and a file saved through the editor (`touch`). It is kept
 * per workspace for as long as the gateway runs, also after the terminals are forgotten; a
 * workspace with no activity since the gateway started has none (null).
 */
import type { AgentsService } from './agents-service';

export interface WorkspaceActivitySummary {
  /** Terminals whose process runs. */
  terminalsRunning: number;
  /** Of those, the ones waiting for input (asked a question, rang the bell, notified). */
  agentsWaiting: number;
  /** Epoch ms of the last activity seen by this gateway, or null. */
  lastActivityAt: number | null;
}

export class WorkspaceActivity {
  /** The latest activity seen per workspace id (outlives the sessions it came from). */
  private readonly last = new Map<string, number>();

  constructor(private readonly agents: Pick<AgentsService, 'list'>) {}

  /** Something happened in a workspace outside its terminals (a file was saved). */
  touch(workspaceId: string, at = Date.now()): void {
    if (at > (this.last.get(workspaceId) ?? 0)) this.last.set(workspaceId, at);
  }

  /** Forget a workspace that was removed. */
  forget(workspaceId: string): void {
    this.last.delete(workspaceId);
  }

  /** A summary for each of `workspaceIds` (the user's own), keyed by id. */
  async summarize(userId: string, workspaceIds: readonly string[]): Promise<Map<string, WorkspaceActivitySummary>> {
    const out = new Map<string, WorkspaceActivitySummary>(
      workspaceIds.map((id) => [id, { terminalsRunning: 0, agentsWaiting: 0, lastActivityAt: null }]),
    );
    for (const row of await this.agents.list(userId)) {
      const s = out.get(row.workspaceId);
      if (!s) continue;
      if (row.status !== 'exited') s.terminalsRunning++;
      if (row.status === 'waiting') s.agentsWaiting++;
      this.touch(row.workspaceId, Math.max(row.lastOutputAt, row.createdAt, row.exitedAt ?? 0));
    }
    for (const [id, s] of out) s.lastActivityAt = this.last.get(id) ?? null;
    return out;
  }
}
