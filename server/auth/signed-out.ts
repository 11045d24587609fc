/**
 * Sessions are stateless JWTs, so signing out only clears the browser's cookie. To make it mean
 * "this session is over" everywhere — a copied cookie, an open WebSocket — the token's id is kept
 * here until the token would have expired, and the authenticator refuses it.
 */
import { eq, lt } from 'drizzle-orm';
import type { DatabaseHandle } from '../db/database';

export class SignedOutSessions {
  constructor(private readonly dbh: DatabaseHandle) {}

  async add(jti: string, expiresAt: number): Promise<void> {
    const { signedOutSessions } = this.dbh.t;
    await this.dbh.db.delete(signedOutSessions).where(lt(signedOutSessions.expiresAt, Date.now()));
    await this.dbh.db.insert(signedOutSessions).values({ jti, expiresAt }).onConflictDoNothing();
  }

  async has(jti: string): Promise<boolean> {
    const { signedOutSessions } = this.dbh.t;
    const rows = await this.dbh.db.select({ jti: signedOutSessions.jti }).from(signedOutSessions).where(eq(signedOutSessions.jti, jti));
    return rows.length > 0;
  }
}
