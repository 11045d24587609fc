/**
 * Sharing, as a decorator around the terminal core. A browser's connection (the owner's tabs, or
 * a share guest's) gets its sessions wrapped with who is behind it:
 *  - a `view` guest's (or a viewer member's) input, resize and kill are refused (an ERROR on the channel, nothing sent);
 *  - a guest or workspace member watches passively: never drives, and its size yields to the owner's;
 *  - everyone's joining, leaving and typing feed the presence board (who watches, who types).
 * The core (server/core) knows nothing of any of it; a worker agent's connections use it bare.
 */
import { ErrorCode } from '../../lib/protocol';
import type { SessionSource } from '../core/connection';
import { GatewayError } from '../core/errors';
import type { SessionHandle, SessionViewer, TerminalSession } from '../core/session';

/** Who is behind a viewer: the session's owner (any of their tabs), a guest of a share link, or a
 * workspace member (another account the owner added, sharing/members.ts). */
export interface Participant {
  /** Stable per person: `owner:<userId>`, `guest:<guestId>` or `member:<userId>`. */
  id: string;
  name: string;
  role: 'owner' | 'guest' | 'member';
  /** What a guest or member may do; owners may do everything. */
  scope: 'owner' | 'view' | 'drive';
  /** For guests: their share and guest id (what the owner kicks). */
  shareId?: string;
  guestId?: string;
}

export interface PresenceEntry extends Participant {
  /** Typed within the last TYPING_MS. */
  typing: boolean;
}

/** Someone counts as typing for this long after their last input. */
export const TYPING_MS = 1500;

export function ownerParticipant(user: { id: string; name: string }): Participant {
  return { id: `owner:${user.id}`, name: user.name, role: 'owner', scope: 'owner' };
}

interface SessionPresence {
  id: string;
  viewers: Map<SessionViewer, Participant>;
  /** Participant id → the timer that ends their "typing". */
  typing: Map<string, NodeJS.Timeout>;
  listeners: Set<() => void>;
}

/** Who is attached to each terminal, and who is typing. */
/** Several gateways: another gateway's people count this long after it last said so. */
export const REMOTE_PRESENCE_TTL_MS = 60_000;

export class PresenceBoard {
  private readonly sessions = new Map<string, SessionPresence>();
  /** Several gateways: who is attached through the others, per session and gateway. */
  private readonly remote = new Map<string, Map<string, { entries: PresenceEntry[]; at: number }>>();
  private relay: ((sessionId: string, entries: PresenceEntry[]) => void) | null = null;

  /** Tell other gateways of every change here (server/cluster/wiring.ts). */
  relayTo(relay: (sessionId: string, entries: PresenceEntry[]) => void): void {
    this.relay = relay;
  }

  /** Another gateway's people on a session, in full (empty: nobody there any more). */
  remoteChanged(sessionId: string, gateway: string, entries: PresenceEntry[]): void {
    let byGateway = this.remote.get(sessionId);
    if (!byGateway) this.remote.set(sessionId, (byGateway = new Map()));
    if (entries.length > 0) byGateway.set(gateway, { entries, at: Date.now() });
    else byGateway.delete(gateway);
    if (byGateway.size === 0) this.remote.delete(sessionId);
    const e = this.sessions.get(sessionId);
    if (e) for (const fn of e.listeners) fn();
  }

  /** Say again who is here (other gateways forget what is not repeated within the TTL). */
  republish(): void {
    for (const e of this.sessions.values()) if (e.viewers.size > 0) this.relay?.(e.id, this.local(e));
  }

  private entry(session: TerminalSession): SessionPresence {
    let e = this.sessions.get(session.id);
    if (!e) {
      const created: SessionPresence = { id: session.id, viewers: new Map(), typing: new Map(), listeners: new Set() };
      this.sessions.set(session.id, (e = created));
      // Forgotten: everyone is gone; listeners hear it once more, then the record goes.
      session.onClose(() => {
        for (const t of created.typing.values()) clearTimeout(t);
        created.viewers.clear();
        created.typing.clear();
        this.changed(created);
        created.listeners.clear();
        this.sessions.delete(session.id);
      });
    }
    return e;
  }

  private changed(e: SessionPresence): void {
    for (const fn of e.listeners) fn();
    this.relay?.(e.id, this.local(e));
  }

  /** The people attached through this gateway, once each, with who is typing. */
  private local(e: SessionPresence): PresenceEntry[] {
    const byId = new Map<string, PresenceEntry>();
    for (const p of e.viewers.values()) if (!byId.has(p.id)) byId.set(p.id, { ...p, typing: e.typing.has(p.id) });
    return [...byId.values()];
  }

  joined(session: TerminalSession, viewer: SessionViewer, who: Participant): void {
    const e = this.entry(session);
    e.viewers.set(viewer, who);
    this.changed(e);
  }

  left(session: TerminalSession, viewer: SessionViewer): void {
    const e = this.sessions.get(session.id);
    if (e?.viewers.delete(viewer)) this.changed(e);
  }

  typed(session: TerminalSession, who: Participant): void {
    const e = this.entry(session);
    const was = e.typing.get(who.id);
    clearTimeout(was);
    const timer = setTimeout(() => {
      e.typing.delete(who.id);
      this.changed(e);
    }, TYPING_MS);
    timer.unref();
    e.typing.set(who.id, timer);
    if (!was) this.changed(e);
  }

  /** Everyone attached, once per person (owner first), with who is typing. */
  of(session: TerminalSession): PresenceEntry[] {
    const e = this.sessions.get(session.id);
    const byId = new Map<string, PresenceEntry>((e ? this.local(e) : []).map((p) => [p.id, p]));
    const fresh = Date.now() - REMOTE_PRESENCE_TTL_MS;
    for (const { entries, at } of this.remote.get(session.id)?.values() ?? []) {
      if (at < fresh) continue;
      for (const p of entries) {
        const had = byId.get(p.id);
        byId.set(p.id, had ? { ...had, typing: had.typing || p.typing } : p);
      }
    }
    return [...byId.values()].sort((a, b) => (a.role === b.role ? 0 : a.role === 'owner' ? -1 : 1));
  }

  /** Call `fn` whenever someone joins, leaves, starts or stops typing. */
  onChange(session: TerminalSession, fn: () => void): () => void {
    const e = this.entry(session);
    e.listeners.add(fn);
    return () => e.listeners.delete(fn);
  }
}

/** A session as one participant's connection sees it. */
export class SharedSession implements SessionHandle {
  private readonly passive: boolean;
  private readonly readOnly: () => boolean;

  /** `readOnly`: asked at each operation (a member's role may change while attached); by default
   * fixed by the participant's scope. */
  constructor(
    readonly inner: TerminalSession,
    private readonly who: Participant,
    private readonly board: PresenceBoard,
    readOnly?: () => boolean,
  ) {
    // Guests and members watch without driving: the owner's size wins.
    this.passive = who.role !== 'owner';
    const fixed = who.scope === 'view';
    this.readOnly = readOnly ?? (() => fixed);
  }

  get id() {
    return this.inner.id;
  }
  get ring() {
    return this.inner.ring;
  }
  get cols() {
    return this.inner.cols;
  }
  get rows() {
    return this.inner.rows;
  }
  get title() {
    return this.inner.title;
  }
  get pid() {
    return this.inner.pid;
  }
  get knownEnd() {
    return this.inner.knownEnd;
  }
  get running() {
    return this.inner.running;
  }
  get exit() {
    return this.inner.exit;
  }
  get lost() {
    return this.inner.lost;
  }

  private refuseIfViewOnly(what: string): void {
    if (!this.readOnly()) return;
    const why = this.who.role === 'member' ? 'you are a viewer of this workspace' : 'this share link is view-only';
    throw new GatewayError(ErrorCode.FORBIDDEN, `${why}; ${what}`);
  }

  attach(viewer: SessionViewer): void {
    this.inner.attach(viewer, { passive: this.passive });
    this.board.joined(this.inner, viewer, this.who);
  }
  detach(viewer: SessionViewer): void {
    this.inner.detach(viewer);
    this.board.left(this.inner, viewer);
  }
  updateFlow(): void {
    this.inner.updateFlow();
  }
  write(data: Uint8Array, viewer?: SessionViewer): void {
    this.refuseIfViewOnly('your input was not sent');
    this.inner.write(data, viewer);
    this.board.typed(this.inner, this.who);
  }
  answer(data: Uint8Array, viewer: SessionViewer): boolean {
    return this.inner.answer(data, viewer);
  }
  resize(cols: number, rows: number, from?: SessionViewer): void {
    this.refuseIfViewOnly('it cannot resize the terminal');
    this.inner.resize(cols, rows, from, this.passive);
  }
  kill(): void {
    this.refuseIfViewOnly('it cannot end the terminal');
    this.inner.kill();
  }
}

/** `source`'s sessions as `who` sees them. */
export function sharedSessions(source: SessionSource<TerminalSession>, who: Participant, board: PresenceBoard): SessionSource<SharedSession> {
  const wrap = (s: TerminalSession | null) => (s ? new SharedSession(s, who, board) : null);
  return {
    create: async (user, req) => new SharedSession(await source.create(user, req), who, board),
    find: async (user, id) => wrap(await source.find(user, id)),
    forget: (session) => source.forget(session),
  };
}
