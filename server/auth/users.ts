import { eq } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { randomId } from '../../lib/shared/ids';
import type { Db } from '../db/database';
import { users } from '../db/schema';
import { DUMMY_HASH, hashPassword, verifyPassword } from './password';

export interface AuthUser {
  id: string;
  name: string;
  role: 'admin' | 'user';
}

export const USERNAME_PATTERN = /^[a-zA-Z0-9._-]{1,64}$/;

export class UserService {
  constructor(private readonly db: Db) {}

  get(id: string): AuthUser | null {
    const row = this.db.select().from(users).where(eq(users.id, id)).get();
    return row ? { id: row.id, name: row.name, role: row.role } : null;
  }

  count(): number {
    return this.db.select({ id: users.id }).from(users).all().length;
  }

  async create(name: string, password: string, role: AuthUser['role']): Promise<AuthUser> {
    if (!USERNAME_PATTERN.test(name)) throw new Error('user names use letters, digits, ".", "_" or "-" (1–64)');
    if (password.length < 8) throw new Error('passwords need at least 8 characters');
    const user = { id: randomId(), name, role };
    this.db
      .insert(users)
      .values({ ...user, passwordHash: await hashPassword(password), createdAt: Date.now() })
      .run();
    return user;
  }

  /** Checks a password in constant-ish time whether or not the user exists. */
  async verify(name: string, password: string): Promise<AuthUser | null> {
    const row = this.db.select().from(users).where(eq(users.name, name)).get();
    const ok = await verifyPassword(password, row?.passwordHash ?? DUMMY_HASH);
    return ok && row ? { id: row.id, name: row.name, role: row.role } : null;
  }

  /**
   * First run: create the admin when there are no users. Returns the generated password when
   * none was configured, so the caller can print it once; it is never stored in clear.
   */
  async ensureAdmin(name: string, password: string | undefined): Promise<{ created: boolean; generatedPassword?: string }> {
    if (this.count() > 0) return { created: false };
    const generated = password ? undefined : randomBytes(15).toString('base64url');
    await this.create(name, password ?? generated!, 'admin');
    return { created: true, generatedPassword: generated };
  }
}
