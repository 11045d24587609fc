/**
 * API tokens for scripts and other clients: `tth_` + 32 random bytes (base64url). Only the sha256
 * is stored; the raw token is returned once at creation.
 */
import { and, desc, eq } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { randomId } from '../../lib/shared/ids';
import type { Db } from '../db/database';
import { apiTokens } from '../db/schema';
import { sha256Hex } from '../secrets';
import type { AuthUser, UserService } from './users';

export const TOKEN_PREFIX = 'tth_';
const TOKEN_PATTERN = /^tth_[A-Za-z0-9_-]{43}$/;

export interface TokenInfo {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export class TokenService {
  constructor(
    private readonly db: Db,
    private readonly users: UserService,
  ) {}

  create(userId: string, name: string): { token: string; info: TokenInfo } {
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const info: TokenInfo = { id: randomId(), name, createdAt: Date.now(), lastUsedAt: null };
    this.db.insert(apiTokens).values({ ...info, userId, tokenHash: sha256Hex(token) }).run();
    return { token, info };
  }

  list(userId: string): TokenInfo[] {
    return this.db
      .select({ id: apiTokens.id, name: apiTokens.name, createdAt: apiTokens.createdAt, lastUsedAt: apiTokens.lastUsedAt })
      .from(apiTokens)
      .where(eq(apiTokens.userId, userId))
      .orderBy(desc(apiTokens.createdAt))
      .all();
  }

  revoke(userId: string, id: string): boolean {
    return this.db.delete(apiTokens).where(and(eq(apiTokens.id, id), eq(apiTokens.userId, userId))).run().changes > 0;
  }

  /** The token's user, or null. Malformed tokens are refused before touching the database. */
  verify(raw: string): AuthUser | null {
    if (!TOKEN_PATTERN.test(raw)) return null;
    const row = this.db.select().from(apiTokens).where(eq(apiTokens.tokenHash, sha256Hex(raw))).get();
    if (!row) return null;
    this.db.update(apiTokens).set({ lastUsedAt: Date.now() }).where(eq(apiTokens.id, row.id)).run();
    return this.users.active(row.userId);
  }
}
