/** Words and order for the agents list (pure; see agent-format.test.ts). */
import { exitText, type AgentLike } from '@/lib/client/notifications';

/** "just now", "42 s ago", "3 min ago", "2 h ago", "5 d ago". */
export function relativeTime(then: number, now: number): string {
  const s = Math.max(0, Math.round((now - then) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}

/** How long something has been going on: "12 s", "3 min", "2 h". */
export function duration(then: number, now: number): string {
  const s = Math.max(0, Math.round((now - then) / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

export type Tone = 'working' | 'waiting' | 'idle' | 'ok' | 'failed';

/** The status pill's text and colour: "working", "waiting", "idle", "exit 1 · 3 min ago". */
export function statusPill(a: Pick<AgentLike, 'status' | 'since' | 'exit'>, now: number): { text: string; tone: Tone } {
  if (a.status !== 'exited') return { text: a.status, tone: a.status };
  const ok = a.exit !== null && a.exit.signal === null && a.exit.code === 0;
  const how = a.exit?.signal ? a.exit.signal : a.exit?.code !== null && a.exit?.code !== undefined ? `exit ${a.exit.code}` : 'exited';
  return { text: `${how} · ${relativeTime(a.since, now)}`, tone: ok ? 'ok' : 'failed' };
}

/** The line under the name: "waiting for 2 min", "working for 12 s", "idle since 3 min ago". */
export function sinceText(a: Pick<AgentLike, 'status' | 'since' | 'exit'>, now: number): string {
  switch (a.status) {
    case 'working':
    case 'waiting':
      return `${a.status} for ${duration(a.since, now)}`;
    case 'idle':
      return `idle since ${relativeTime(a.since, now)}`;
    case 'exited': {
      const how = exitText(a.exit);
      return `exited ${relativeTime(a.since, now)}${how ? ` (${how})` : ''}`;
    }
  }
}

/** When the session last did anything: output, or a change of status (an exit). */
export function lastActivity(a: { since: number; lastOutputAt: number; createdAt: number }): number {
  return Math.max(a.since, a.lastOutputAt, a.createdAt);
}

/** Newest activity first; ties by creation, newest first, then id (a stable order). */
export function byActivity<T extends { sessionId: string; since: number; lastOutputAt: number; createdAt: number }>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => lastActivity(b) - lastActivity(a) || b.createdAt - a.createdAt || a.sessionId.localeCompare(b.sessionId));
}
