/**
 * What to tell someone about their agents: given the previous and the next list from
 * `agents.watch`, the sessions that just started waiting for them or just exited. Pure logic;
 * the agents view shows the results as toasts and (with permission) system notifications.
 *
 * - Nothing for the first list: whatever is already waiting or exited when the page opens is on
 *   the screen, not news.
 * - Each transition once: a transition is (session, status, since), so the same one seen again —
 *   the watch stream reconnected and sent the whole list anew — is not repeated, while waiting →
 *   working → waiting again is a new one.
 */

/** The fields of an `AgentRow` (server/agents/agents-service.ts) this needs. */
export interface AgentLike {
  sessionId: string;
  name: string;
  command: string;
  title: string;
  status: 'working' | 'waiting' | 'idle' | 'exited';
  since: number;
  exit: { code: number | null; signal: string | null } | null;
  attention: { kind: 'bell' | 'notify'; title?: string; body?: string } | null;
  lines: string[];
}

export interface AgentNotification {
  /** Unique per transition: also the system notification's tag. */
  key: string;
  sessionId: string;
  kind: 'waiting' | 'exited';
  title: string;
  body: string;
  /** Where tapping it leads. */
  url: string;
}

const MAX_BODY_CHARS = 200;

/** What a person calls the session: its given name, else the program's title, else the command. */
export function agentLabel(a: Pick<AgentLike, 'name' | 'title' | 'command'>): string {
  return a.name.trim() || a.title.trim() || a.command.trim() || 'Terminal';
}

/** "code 1", "signal SIGTERM", or "" when the end is unknown. */
export function exitText(exit: AgentLike['exit']): string {
  if (!exit) return '';
  if (exit.signal) return `signal ${exit.signal}`;
  if (exit.code !== null) return `code ${exit.code}`;
  return '';
}

export function agentUrl(sessionId: string): string {
  return `/agents?s=${encodeURIComponent(sessionId)}`;
}

function lastLine(a: AgentLike): string {
  for (let i = a.lines.length - 1; i >= 0; i--) {
    const l = a.lines[i]!.trim();
    if (l) return l;
  }
  return '';
}

function clip(s: string): string {
  return s.length > MAX_BODY_CHARS ? `${s.slice(0, MAX_BODY_CHARS - 1)}…` : s;
}

function transitionKey(a: AgentLike): string {
  return `${a.status}:${a.since}:${a.sessionId}`;
}

function notificationFor(a: AgentLike): AgentNotification | null {
  const name = agentLabel(a);
  const base = { key: transitionKey(a), sessionId: a.sessionId, url: agentUrl(a.sessionId) };
  if (a.status === 'waiting') {
    const said = a.attention?.body?.trim() || a.attention?.title?.trim() || lastLine(a);
    return { ...base, kind: 'waiting', title: `${name} is waiting for you`, body: clip(said) };
  }
  if (a.status === 'exited') {
    const how = exitText(a.exit);
    return { ...base, kind: 'exited', title: how ? `${name} exited (${how})` : `${name} exited`, body: clip(lastLine(a)) };
  }
  return null;
}

/**
 * The notifications for going from `prev` to `next`: sessions whose status became `waiting` or
 * `exited` (including sessions new in `next` that already are), none when `prev` is null (the
 * first list), and none whose key is in `seen` (which is updated).
 */
export function agentNotifications(prev: readonly AgentLike[] | null, next: readonly AgentLike[], seen: Set<string> = new Set()): AgentNotification[] {
  const out: AgentNotification[] = [];
  const before = new Map((prev ?? []).map((a) => [a.sessionId, a]));
  for (const a of next) {
    if (a.status !== 'waiting' && a.status !== 'exited') continue;
    const key = transitionKey(a);
    if (prev === null) {
      seen.add(key); // on screen from the start: never news later either
      continue;
    }
    const old = before.get(a.sessionId);
    if ((old && old.status === a.status) || seen.has(key)) {
      seen.add(key);
      continue;
    }
    const n = notificationFor(a);
    seen.add(key);
    if (n) out.push(n);
  }
  return out;
}

/** Stateful wrapper for one page: feed it every list the watch stream sends. */
export class AgentNotifier {
  private prev: readonly AgentLike[] | null = null;
  private readonly seen = new Set<string>();

  update(next: readonly AgentLike[]): AgentNotification[] {
    const out = agentNotifications(this.prev, next, this.seen);
    this.prev = next;
    // Forget transitions of sessions that are gone, so `seen` does not grow without bound.
    const live = new Set(next.map((a) => a.sessionId));
    for (const key of this.seen) {
      if (!live.has(key.split(':').slice(2).join(':'))) this.seen.delete(key);
    }
    return out;
  }
}

/** What the person is looking at when a notification comes in. */
export interface ViewState {
  /** The session whose terminal is open full screen (`/agents?s=…`), or null for the list. */
  openSessionId: string | null;
  /** `document.visibilityState === 'visible'`. */
  visible: boolean;
  /** `document.hasFocus()`. */
  focused: boolean;
}

/**
 * Whether to show the in-app toast for `n`: not for the terminal the person is already looking at
 * (open, and the page visible and focused) — the question is right there, and a toast would cover
 * it. Every other terminal's toast shows; so does this one's when the page is in the background.
 */
export function showsToast(n: Pick<AgentNotification, 'sessionId'>, view: ViewState): boolean {
  return !(view.openSessionId === n.sessionId && view.visible && view.focused);
}
