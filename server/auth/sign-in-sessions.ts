/**
 * Sign-in sessions. A next-auth JWT is stateless, so each sign-in also gets a row here, named by
 * the `sid` the jwt callback puts into the token. The row is what a person sees on /account
 * (method, where from, last seen) and what they end: a session whose sid is unknown, ended
 * (signed out or revoked) or past its expiry is refused by userFromSessionCookie, and its sockets
 * are closed by that sid (WsGateway.closeSession).
 *
 * Forward-only states: live → ended ('signed-out' | 'revoked'); an ended session never comes back.
 */
import { and, desc, eq, gt, gte, isNull, lt, sql, type SQL } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import type { DatabaseHandle } from '../db/database';

/** Last-seen, address and browser are written at most this often per session. */
export const SESSION_TOUCH_MS = 60_000;
/** Ended and expired rows are kept this long (the list shows recent ones), then dropped. */
const KEEP_ENDED_MS = 30 * 24 * 3600_000;
const MAX_USER_AGENT = 200;

export interface SignInSession {
  id: string;
  method: string;
  createdAt: number;
  lastSeenAt: number;
  ip: string | null;
  /** Truncated to 200 characters. */
  userAgent: string | null;
  expiresAt: number;
  endedAt: number | null;
  endReason: 'signed-out' | 'revoked' | null;
}

export interface SeenFrom {
  ip?: string | null;
  userAgent?: string | null;
}

const clip = (ua: string | null | undefined) => (ua ? ua.slice(0, MAX_USER_AGENT) : null);

export class SignInSessions {
  constructor(
    private readonly dbh: DatabaseHandle,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new sign-in: its sid (goes into the JWT). */
  async start(userId: string, method: string, expiresAt: number, from: SeenFrom): Promise<string> {
    const { signInSessions } = this.dbh.t;
    const now = this.now();
    await this.dbh.db.delete(signInSessions).where(lt(signInSessions.expiresAt, now - KEEP_ENDED_MS));
    const id = randomBytes(16).toString('base64url');
    await this.dbh.db
      .insert(signInSessions)
      .values({ id, userId, method: method.slice(0, 40), createdAt: now, lastSeenAt: now, ip: from.ip ?? null, userAgent: clip(from.userAgent), expiresAt });
    return id;
  }

  /**
   * Whether `sid` is a live session of `userId`; when it is, its last-seen (and where from) is
   * updated, at most once a SESSION_TOUCH_MS.
   */
  async use(userId: string, sid: string, from: SeenFrom): Promise<boolean> {
    const { signInSessions } = this.dbh.t;
    const [row] = await this.dbh.db.select().from(signInSessions).where(eq(signInSessions.id, sid));
    const now = this.now();
    if (!row || row.userId !== userId || row.endedAt !== null || row.expiresAt <= now) return false;
    if (now - row.lastSeenAt >= SESSION_TOUCH_MS) {
      await this.dbh.db
        .update(signInSessions)
        .set({ lastSeenAt: now, ip: from.ip ?? row.ip, userAgent: clip(from.userAgent) ?? row.userAgent })
        .where(eq(signInSessions.id, sid));
    }
    return true;
  }

  /** Signed out: ended for good. */
  async signOut(sid: string): Promise<void> {
    await this.end(eq(this.dbh.t.signInSessions.id, sid), 'signed-out');
  }

  /** End one of the user's live sessions; false when it is not theirs or already over. */
  async revoke(userId: string, sid: string): Promise<boolean> {
    const { signInSessions } = this.dbh.t;
    return (await this.end(and(eq(signInSessions.id, sid), eq(signInSessions.userId, userId))!, 'revoked')) > 0;
  }

  /** End every live session of the user but `keep`; the ids ended. */
  async revokeOthers(userId: string, keep: string | undefined): Promise<string[]> {
    const ids = (await this.live(userId)).map((s) => s.id).filter((id) => id !== keep);
    for (const id of ids) await this.revoke(userId, id);
    return ids;
  }

  /** The user's sessions that may still be used, newest first. Sessions from before the
   * account's last disable or password reset are not (UserService.activeSession refuses them). */
  async live(userId: string): Promise<SignInSession[]> {
    const { signInSessions, users } = this.dbh.t;
    const rows = await this.dbh.db
      .select({ s: signInSessions })
      .from(signInSessions)
      .innerJoin(users, eq(users.id, signInSessions.userId))
      .where(
        and(
          eq(signInSessions.userId, userId),
          isNull(signInSessions.endedAt),
          gt(signInSessions.expiresAt, this.now()),
          gte(signInSessions.createdAt, sql`coalesce(${users.sessionsNotBefore}, 0)`),
        ),
      )
      .orderBy(desc(signInSessions.createdAt));
    return rows.map(({ s: { userId: _u, ...s } }) => s);
  }

  /** Whose session this is (for closing and for the audit target). */
  async owner(sid: string): Promise<string | null> {
    const { signInSessions } = this.dbh.t;
    const [row] = await this.dbh.db.select({ userId: signInSessions.userId }).from(signInSessions).where(eq(signInSessions.id, sid));
    return row?.userId ?? null;
  }

  private async end(which: SQL, reason: 'signed-out' | 'revoked'): Promise<number> {
    const { signInSessions } = this.dbh.t;
    const ended = await this.dbh.db
      .update(signInSessions)
      .set({ endedAt: this.now(), endReason: reason })
      .where(and(which, isNull(signInSessions.endedAt)))
      .returning({ id: signInSessions.id });
    return ended.length;
  }
}
