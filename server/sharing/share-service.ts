/**
 * Share links: a token that lets someone without an account watch (`view`) or drive (`drive`) one
 * terminal session or a whole workspace of the owner, until it expires or is revoked.
 *
 * - The raw token (`tsh_` + 32 random bytes) is shown once; only its sha256 is stored.
 * - Opening `/s/<token>` makes a guest ("Guest N") whose cookie holds `guestId.secret`, the secret
 *   stored as sha256 too. Every later request authenticates by that cookie, never by the token.
 * - Everything live that a guest holds (sockets, SSE streams, requests) is registered here, so a
 *   revocation, an expiry or a kick closes it at once rather than at its next use.
 */
import { and, count, desc, eq, isNull, lte, or, gt, sql, type SQL } from 'drizzle-orm';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { randomId } from '../../lib/shared/ids';
import type { AuditEvent } from '../audit/audit-log';
import type { DatabaseHandle } from '../db/database';
import { LiveHandles } from './live-handles';
import type { Logger } from '../log';
import { sha256Hex } from '../secrets';
import { TetherError } from '../errors';
import { COOKIE_PATTERN, DENIAL_MESSAGES, guestName, MAX_ACTIVE_SHARES_PER_USER, MAX_GUESTS_PER_SHARE, SHARE_ID_PATTERN, TOKEN_PATTERN, TOKEN_PREFIX, toShare, type Guest, type GuestPrincipal, type Resolution, type Share, type ShareEvent, type ShareScope, type ShareState, type ShareSummary } from './share-model';

export * from './share-model';

const UNTIL_REVOKED_COOKIE_SECONDS = 30 * 24 * 3600;
const EXPIRY_SWEEP_MS = 30_000;
/** setTimeout's limit; longer expiries are re-armed when they come closer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Thrown inside join's transaction to roll the count back when the link is full. */
class ShareFull extends Error {}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

export class ShareService {
  /** Share id → what its guests hold live (a guest's id is the holder). */
  readonly live: LiveHandles;
  private readonly expiryTimers = new Map<string, NodeJS.Timeout>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly now: () => number;
  private readonly trail: (event: AuditEvent) => void;
  private readonly userName: (id: string) => Promise<string | null>;

  /** `audit` gets the security trail's records (share_events stay the owner's own history). */
  constructor(
    private readonly dbh: DatabaseHandle,
    private readonly log: Logger,
    opts: { now?: () => number; audit?: { record(event: AuditEvent): void }; userName?: (id: string) => Promise<string | null> } = {},
  ) {
    this.now = opts.now ?? Date.now;
    // A share with nothing live needs no expiry timer: the next attach arms it again.
    this.live = new LiveHandles(log, 'share', (shareId) => {
      clearTimeout(this.expiryTimers.get(shareId));
      this.expiryTimers.delete(shareId);
    });
    this.trail = (event) => opts.audit?.record(event);
    this.userName = opts.userName ?? (async () => null);
    this.sweeper = setInterval(() => void this.sweepExpired().catch((err: Error) => this.log.warn('share expiry sweep failed', { error: err.message })), EXPIRY_SWEEP_MS);
    this.sweeper.unref();
  }

  // ---- owner side ----

  async create(
    ownerId: string,
    params: { workspaceId: string; sessionId: string | null; scope: ShareScope; label: string; expiresInMs: number | null },
    ip: string | null,
  ): Promise<{ share: Share; token: string }> {
    const { shares, shareEvents } = this.dbh.t;
    const now = this.now();
    const active = await this.dbh.db.$count(shares, and(eq(shares.ownerId, ownerId), isNull(shares.revokedAt), or(isNull(shares.expiresAt), gt(shares.expiresAt, now))));
    if (active >= MAX_ACTIVE_SHARES_PER_USER) {
      throw new TetherError('limit', `you have ${active} working share links, the limit is ${MAX_ACTIVE_SHARES_PER_USER}; revoke one first`);
    }
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const share: Share = {
      id: randomId(),
      ownerId,
      workspaceId: params.workspaceId,
      sessionId: params.sessionId,
      scope: params.scope,
      label: params.label,
      createdAt: now,
      expiresAt: params.expiresInMs === null ? null : now + params.expiresInMs,
      revokedAt: null,
    };
    await this.dbh.transaction(async (tx) => {
      await tx.insert(shares).values({ ...share, tokenHash: sha256Hex(token), expiryLogged: 0, guests: 0 });
      await tx.insert(shareEvents).values({ ownerId, shareId: share.id, at: now, kind: 'created', ip });
    });
    this.log.info('share created', { share: share.id, workspace: share.workspaceId, session: share.sessionId, scope: share.scope });
    this.trail({
      action: 'share.created',
      actor: await this.owner(ownerId),
      target: `share:${share.id}`,
      detail: { workspace: share.workspaceId, terminal: share.sessionId, scope: share.scope, expiresAt: share.expiresAt },
      ip,
    });
    return { share, token };
  }

  async get(ownerId: string, id: string): Promise<Share | null> {
    const row = await this.row(id);
    return row && row.ownerId === ownerId ? row : null;
  }

  async list(ownerId: string, filter: { workspaceId?: string } = {}): Promise<ShareSummary[]> {
    const { shares } = this.dbh.t;
    const rows = await this.dbh.db
      .select()
      .from(shares)
      .where(filter.workspaceId ? and(eq(shares.ownerId, ownerId), eq(shares.workspaceId, filter.workspaceId)) : eq(shares.ownerId, ownerId))
      .orderBy(desc(shares.createdAt));
    return rows.map((r) => {
      const share = toShare(r);
      return { ...share, state: this.state(share), online: this.onlineGuests(share.id), joined: r.guests };
    });
  }

  /** Revoke a link: every socket and stream using it closes now. False when not the owner's.
   * `reason` names what revoked it when the owner did not (their account was disabled…). */
  async revoke(ownerId: string, id: string, reason?: string): Promise<boolean> {
    const { shares, shareEvents } = this.dbh.t;
    const share = await this.get(ownerId, id);
    if (!share) return false;
    if (share.revokedAt === null) {
      const now = this.now();
      await this.dbh.transaction(async (tx) => {
        await tx.update(shares).set({ revokedAt: now }).where(eq(shares.id, id));
        await tx.insert(shareEvents).values({ ownerId, shareId: id, at: now, kind: 'revoked' });
      });
      this.log.info('share revoked', { share: id });
      this.trail({ action: 'share.revoked', actor: reason ? null : await this.owner(ownerId), target: `share:${id}`, detail: reason ? { owner: await this.userName(ownerId), reason } : {} });
    }
    this.live.close(id, DENIAL_MESSAGES.revoked);
    return true;
  }

  /** The workspace is going away: its links stop working. */
  async revokeWorkspace(ownerId: string, workspaceId: string): Promise<number> {
    return this.revokeLive(ownerId, 'workspace removed', eq(this.dbh.t.shares.workspaceId, workspaceId));
  }

  /** The owner's account was disabled or deleted: every link of theirs stops working, for good. */
  async revokeAllOf(ownerId: string): Promise<number> {
    return this.revokeLive(ownerId, 'account disabled');
  }

  /** Revoke the owner's links not revoked yet (those matching `which`, if given); how many. */
  private async revokeLive(ownerId: string, reason: string, which?: SQL): Promise<number> {
    const { shares } = this.dbh.t;
    const ids = await this.dbh.db
      .select({ id: shares.id })
      .from(shares)
      .where(and(eq(shares.ownerId, ownerId), isNull(shares.revokedAt), which));
    for (const { id } of ids) await this.revoke(ownerId, id, reason);
    return ids.length;
  }

  /** Remove one guest: their sockets close and their cookie stops working (the link itself stays). */
  async kick(ownerId: string, shareId: string, guestId: string): Promise<boolean> {
    const { shareGuests, shareEvents } = this.dbh.t;
    const share = await this.get(ownerId, shareId);
    if (!share) return false;
    const [guest] = await this.dbh.db.select().from(shareGuests).where(and(eq(shareGuests.id, guestId), eq(shareGuests.shareId, shareId)));
    if (!guest) return false;
    if (guest.kickedAt === null) {
      const now = this.now();
      await this.dbh.transaction(async (tx) => {
        await tx.update(shareGuests).set({ kickedAt: now }).where(eq(shareGuests.id, guestId));
        await tx.insert(shareEvents).values({ ownerId, shareId, at: now, kind: 'kicked', guest: guestName(guest.number) });
      });
      this.trail({ action: 'share.kicked', actor: await this.owner(ownerId), target: `share:${shareId}`, detail: { guest: guestName(guest.number) } });
    }
    this.live.close(shareId, DENIAL_MESSAGES.kicked, guestId);
    return true;
  }

  async audit(ownerId: string, filter: { shareId?: string; limit?: number } = {}): Promise<ShareEvent[]> {
    const { shares, shareEvents } = this.dbh.t;
    await this.sweepExpired();
    return this.dbh.db
      .select({
        id: shareEvents.id,
        shareId: shareEvents.shareId,
        label: sql<string>`coalesce(${shares.label}, '')`,
        at: shareEvents.at,
        kind: shareEvents.kind,
        guest: shareEvents.guest,
        ip: shareEvents.ip,
      })
      .from(shareEvents)
      .leftJoin(shares, eq(shares.id, shareEvents.shareId))
      .where(filter.shareId ? and(eq(shareEvents.ownerId, ownerId), eq(shareEvents.shareId, filter.shareId)) : eq(shareEvents.ownerId, ownerId))
      .orderBy(desc(shareEvents.at), desc(shareEvents.id))
      .limit(filter.limit ?? 200);
  }

  private async owner(ownerId: string): Promise<{ id: string; name: string }> {
    return { id: ownerId, name: (await this.userName(ownerId)) ?? ownerId };
  }

  // ---- guest side ----

  /** Exchange a raw token for a new guest (the `/s/<token>` visit). */
  async join(token: string, ip: string | null): Promise<Resolution<{ principal: GuestPrincipal; cookie: string; maxAgeSeconds: number }>> {
    const { shares, shareGuests, shareEvents } = this.dbh.t;
    const found = await this.byToken(token);
    if (!found.ok) return found;
    const share = found.value;
    const secret = randomBytes(32).toString('base64url');
    const now = this.now();
    const guest = await this.dbh.transaction(async (tx) => {
      // The increment comes first: it locks the share's row (Postgres), so joins through one link
      // — on any gateway — take their turn, and the limit is checked on the count it returns.
      const [counted] = await tx
        .update(shares)
        .set({ guests: sql`${shares.guests} + 1` })
        .where(eq(shares.id, share.id))
        .returning({ guests: shares.guests });
      if (!counted || counted.guests > MAX_GUESTS_PER_SHARE) throw new ShareFull();
      // Numbered across all of the owner's links, so two guests in one presence list never share a
      // name. A no-op write to the owner's row takes its lock on Postgres: joins through any of
      // their links, on any gateway, count one after another (SQLite's gate already does that).
      const { users } = this.dbh.t;
      await tx.update(users).set({ name: sql`${users.name}` }).where(eq(users.id, share.ownerId));
      const [{ n } = { n: 0 }] = await tx
        .select({ n: count() })
        .from(shareGuests)
        .innerJoin(shares, eq(shares.id, shareGuests.shareId))
        .where(eq(shares.ownerId, share.ownerId));
      const number = n + 1;
      const g: Guest = { id: randomId(), shareId: share.id, number, name: guestName(number) };
      await tx.insert(shareGuests).values({ id: g.id, shareId: share.id, number, secretHash: sha256Hex(secret), ip, joinedAt: now });
      await tx.insert(shareEvents).values({ ownerId: share.ownerId, shareId: share.id, at: now, kind: 'joined', guest: g.name, ip });
      return g;
    }).catch((err: unknown) => {
      if (err instanceof ShareFull) return null;
      throw err;
    });
    if (!guest) return { ok: false, denial: 'full' };
    this.log.info('share joined', { share: share.id, guest: guest.name, peer: ip });
    this.trail({ action: 'share.joined', actor: null, target: `share:${share.id}`, detail: { guest: guest.name, number: guest.number, owner: await this.userName(share.ownerId) }, ip });
    const maxAgeSeconds = share.expiresAt === null ? UNTIL_REVOKED_COOKIE_SECONDS : Math.max(1, Math.ceil((share.expiresAt - now) / 1000));
    return { ok: true, value: { principal: { share, guest }, cookie: `${guest.id}.${secret}`, maxAgeSeconds } };
  }

  /** What a token would open, without joining (e.g. to explain why it does not). */
  async byToken(token: string): Promise<Resolution<Share>> {
    if (!TOKEN_PATTERN.test(token)) return { ok: false, denial: 'not_found' };
    const { shares } = this.dbh.t;
    const [row] = await this.dbh.db.select().from(shares).where(eq(shares.tokenHash, sha256Hex(token)));
    if (!row) return { ok: false, denial: 'not_found' };
    return this.usable(toShare(row));
  }

  /** The guest behind a cookie value for share `shareId`. A missing or forged cookie is `not_found`,
   * exactly like a share that does not exist. */
  async authenticate(shareId: string, cookie: string | undefined): Promise<Resolution<GuestPrincipal>> {
    const m = cookie ? COOKIE_PATTERN.exec(cookie) : null;
    if (!m || !SHARE_ID_PATTERN.test(shareId)) return { ok: false, denial: 'not_found' };
    const { shares, shareGuests } = this.dbh.t;
    // One round trip: the guest and its share together.
    const [found] = await this.dbh.db
      .select({ guest: shareGuests, share: shares })
      .from(shareGuests)
      .innerJoin(shares, eq(shares.id, shareGuests.shareId))
      .where(eq(shareGuests.id, m[1]!));
    const row = found?.guest;
    if (!row || row.shareId !== shareId || !sameHash(row.secretHash, sha256Hex(m[2]!))) return { ok: false, denial: 'not_found' };
    const usable = await this.usable(toShare(found.share));
    if (!usable.ok) return usable;
    if (row.kickedAt !== null) return { ok: false, denial: 'kicked' };
    return { ok: true, value: { share: usable.value, guest: { id: row.id, shareId, number: row.number, name: guestName(row.number) } } };
  }

  /**
   * Register something live a guest holds; `close` runs (once) when the share is revoked or
   * expires, or the guest is kicked. Returns the unregister function.
   */
  attach(principal: GuestPrincipal, close: (reason: string) => void): () => void {
    const { share, guest } = principal;
    const unregister = this.live.add(share.id, guest.id, close);
    if (share.expiresAt !== null && !this.expiryTimers.has(share.id)) this.armExpiry(share.id, share.expiresAt);
    return unregister;
  }

  dispose(): void {
    clearInterval(this.sweeper);
    for (const t of this.expiryTimers.values()) clearTimeout(t);
    this.expiryTimers.clear();
  }

  // ---- internals ----

  private async row(id: string): Promise<Share | null> {
    if (!SHARE_ID_PATTERN.test(id)) return null;
    const { shares } = this.dbh.t;
    const [row] = await this.dbh.db.select().from(shares).where(eq(shares.id, id));
    return row ? toShare(row) : null;
  }

  private state(share: Share): ShareState {
    if (share.revokedAt !== null) return 'revoked';
    if (share.expiresAt !== null && share.expiresAt <= this.now()) return 'expired';
    return 'active';
  }

  private async usable(share: Share): Promise<Resolution<Share>> {
    const state = this.state(share);
    if (state === 'active') return { ok: true, value: share };
    if (state === 'expired') await this.markExpired(share);
    return { ok: false, denial: state };
  }

  /** Guests with something live, across all shares. */
  guestsOnline(): number {
    // A guest belongs to one share, so the shares' counts add up.
    let n = 0;
    for (const shareId of this.live.keys()) n += this.onlineGuests(shareId);
    return n;
  }

  private onlineGuests(shareId: string): number {
    return this.live.holders(shareId);
  }

  private armExpiry(shareId: string, expiresAt: number): void {
    const wait = Math.max(0, expiresAt - this.now());
    const timer = setTimeout(
      () => {
        this.expiryTimers.delete(shareId);
        if (expiresAt - this.now() > 0) return this.armExpiry(shareId, expiresAt);
        // Close first (the clock decides, not the database), then log the expiry.
        this.live.close(shareId, DENIAL_MESSAGES.expired);
        void this.row(shareId)
          .then((share) => share && this.markExpired(share))
          .catch((err: Error) => this.log.warn('share expiry not logged', { share: shareId, error: err.message }));
      },
      Math.min(wait, MAX_TIMER_MS),
    );
    timer.unref();
    this.expiryTimers.set(shareId, timer);
  }

  /** Write the 'expired' audit event once per share. */
  private async markExpired(share: Share): Promise<void> {
    if (share.revokedAt !== null) return;
    const { shares, shareEvents } = this.dbh.t;
    await this.dbh.transaction(async (tx) => {
      const changed = await tx
        .update(shares)
        .set({ expiryLogged: 1 })
        .where(and(eq(shares.id, share.id), eq(shares.expiryLogged, 0)))
        .returning({ id: shares.id });
      if (changed.length > 0) await tx.insert(shareEvents).values({ ownerId: share.ownerId, shareId: share.id, at: share.expiresAt ?? this.now(), kind: 'expired' });
    });
  }

  private async sweepExpired(): Promise<void> {
    const { shares } = this.dbh.t;
    const due = await this.dbh.db
      .select()
      .from(shares)
      .where(and(isNull(shares.revokedAt), eq(shares.expiryLogged, 0), lte(shares.expiresAt, this.now())));
    for (const r of due) await this.markExpired(toShare(r));
  }


}
