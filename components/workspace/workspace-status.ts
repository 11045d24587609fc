/**
 * Words for a workspace's status on the home page (pure; see workspace-status.test.ts). The shape
 * is a structural copy of what `workspaces.overview` answers for one workspace.
 */
import { relativeTime } from '../agents/agent-format';

export interface WorkspaceActivityLike {
  terminalsRunning: number;
  agentsWaiting: number;
  lastActivityAt: number | null;
  createdAt: number;
}

/** "No terminals running", "1 terminal running", "3 terminals running". */
export function terminalsText(n: number): string {
  if (n === 0) return 'No terminals running';
  return `${n} ${n === 1 ? 'terminal' : 'terminals'} running`;
}

/** "1 waiting" (for input), or null when none waits. */
export function waitingText(n: number): string | null {
  return n > 0 ? `${n} waiting` : null;
}

/** "active 5 min ago"; without activity seen since the server started, "created 2 d ago". The
 * moment it refers to, for a tooltip and a `<time>` element. */
export function activityText(w: WorkspaceActivityLike, now: number): { text: string; at: number } {
  if (w.lastActivityAt === null) return { text: `created ${relativeTime(w.createdAt, now)}`, at: w.createdAt };
  return { text: `active ${relativeTime(w.lastActivityAt, now)}`, at: w.lastActivityAt };
}
