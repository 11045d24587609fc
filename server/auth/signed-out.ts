/**
 * Sessions are stateless JWTs, so signing out only clears the browser's cookie. To make it mean
 * "this session is over" everywhere — a copied cookie, an open WebSocket — the token's id is kept
 * here until the token would have expired, and the authenticator refuses it.
 */
import { eq, lt } from 'drizzle-orm';
import type { Db } from '../db/database';
import { signedOutSessions } from '../db/schema';

export class SignedOutSessions {
  constructor(private readonly db: Db) {}

  add(jti: string, expiresAt: number): void {
    this.db.delete(signedOutSessions).where(lt(signedOutSessions.expiresAt, Date.now())).run();
    this.db.insert(signedOutSessions).values({ jti, expiresAt }).onConflictDoNothing().run();
  }

  has(jti: string): boolean {
    return this.db.select({ jti: signedOutSessions.jti }).from(signedOutSessions).where(eq(signedOutSessions.jti, jti)).get() !== undefined;
  }
}
