/**
 * API tokens for scripts and other clients: `tth_` + 32 random bytes (base64url). Only the sha256
 * is stored; the raw token is returned once at creation.
 */
import { and, desc, eq } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { randomId } from '../../lib/shared/ids';
import type { DatabaseHandle } from '../db/database';
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
    private readonly dbh: DatabaseHandle,
    private readonly users: UserService,
  ) {}

  async create(userId: string, name: string): Promise<{ token: string; info: TokenInfo }> {
    const { apiTokens } = this.dbh.t;
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const info: TokenInfo = { id: randomId(), name, createdAt: Date.now(), lastUsedAt: null };
    await this.dbh.db.insert(apiTokens).values({ ...info, userId, tokenHash: sha256Hex(token) });
    return { token, info };
  }

  async list(userId: string): Promise<TokenInfo[]> {
    const { apiTokens } = this.dbh.t;
    return this.dbh.db
      .select({ id: apiTokens.id, name: apiTokens.name, createdAt: apiTokens.createdAt, lastUsedAt: apiTokens.lastUsedAt })
      .from(apiTokens)
      .where(eq(apiTokens.userId, userId))
      .orderBy(desc(apiTokens.createdAt));
  }

  async revoke(userId: string, id: string): Promise<boolean> {
    const { apiTokens } = this.dbh.t;
    const gone = await this.dbh.db.delete(apiTokens).where(and(eq(apiTokens.id, id), eq(apiTokens.userId, userId))).returning({ id: apiTokens.id });
    return gone.length > 0;
  }

  /** The token's user, or null. Malformed tokens are refused before touching the database. */
  async verify(raw: string): Promise<AuthUser | null> {
    if (!TOKEN_PATTERN.test(raw)) return null;
    const { apiTokens } = this.dbh.t;
    const [row] = await this.dbh.db.select().from(apiTokens).where(eq(apiTokens.tokenHash, sha256Hex(raw)));
    if (!row) return null;
    await this.dbh.db.update(apiTokens).set({ lastUsedAt: Date.now() }).where(eq(apiTokens.id, row.id));
    return this.users.active(row.userId);
  }
}
