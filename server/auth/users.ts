import { and, eq, isNull, ne } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { randomId } from '../../lib/shared/ids';
import type { DatabaseHandle, Tables } from '../db/database';
import { TetherError } from '../errors';
import { DUMMY_HASH, hashPassword, verifyPassword } from './password';

export type Role = 'admin' | 'user';

/** Who a request or socket acts as. */
export interface AuthUser {
  id: string;
  name: string;
  role: Role;
}

/** An account as admins see it. `role: 'user'` is shown as "member". */
export interface UserInfo extends AuthUser {
  displayName: string | null;
  email: string | null;
  createdAt: number;
  /** When the account was disabled; null while it may sign in. */
  disabledAt: number | null;
}

export interface UserFields {
  displayName?: string | null;
  email?: string | null;
}

export const USERNAME_PATTERN = /^[a-zA-Z0-9._-]{1,64}$/;
export const MIN_PASSWORD_LENGTH = 8;
const MAX_PASSWORD_LENGTH = 1024;
/** Stored instead of a hash for accounts without a password: not a scrypt hash, so nothing verifies. */
const NO_PASSWORD = '!no-password';
const EMAIL_PATTERN = /^[^\s@<>()",;:\\[\]]+@[^\s@<>()",;:\\[\]]+\.[^\s@<>()",;:\\[\]]+$/;
// Control characters, including DEL and the C1 range.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A refused account change, with what to tell the person who asked. */
export class UserError extends TetherError {
  constructor(code: 'bad_request' | 'not_found' | 'conflict' | 'forbidden', message: string) {
    super(code, message);
  }
}

export function checkUsername(name: string): void {
  if (!USERNAME_PATTERN.test(name)) throw new UserError('bad_request', 'user names use letters, digits, ".", "_" or "-" (1–64)');
}

export function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw new UserError('bad_request', `passwords need at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH) throw new UserError('bad_request', `passwords have at most ${MAX_PASSWORD_LENGTH} characters`);
}

/** Trimmed display name and lower-cased email, or a clear error. */
export function normalizeFields(fields: UserFields): { displayName?: string | null; email?: string | null } {
  const out: { displayName?: string | null; email?: string | null } = {};
  if (fields.displayName !== undefined) {
    const d = fields.displayName?.trim() ?? '';
    if (d.length > 100 || CONTROL.test(d)) throw new UserError('bad_request', 'display names have at most 100 characters and no control characters');
    out.displayName = d || null;
  }
  if (fields.email !== undefined) {
    const e = fields.email?.trim().toLowerCase() ?? '';
    if (e && (e.length > 254 || !EMAIL_PATTERN.test(e))) throw new UserError('bad_request', `${e.slice(0, 80)} is not an email address`);
    out.email = e || null;
  }
  return out;
}

type Row = Tables['users']['$inferSelect'];
const toAuth = (row: Row): AuthUser => ({ id: row.id, name: row.name, role: row.role });
const toInfo = (row: Row): UserInfo => ({
  ...toAuth(row),
  displayName: row.displayName,
  email: row.email,
  createdAt: row.createdAt,
  disabledAt: row.disabledAt,
});

export class UserService {
  constructor(private readonly dbh: DatabaseHandle) {}

  private get users() {
    return this.dbh.t.users;
  }

  /** Any account, disabled or not (names in lists and audit). */
  async get(id: string): Promise<AuthUser | null> {
    const row = await this.row(id);
    return row ? toAuth(row) : null;
  }

  /** An account that may act now: not disabled. Every authentication goes through this. */
  async active(id: string): Promise<AuthUser | null> {
    const row = await this.row(id);
    return row && row.disabledAt === null ? toAuth(row) : null;
  }

  /**
   * The account of a sign-in session started at `signedInAt` (ms): active, and signed in after
   * its last disable or password reset — re-enabling does not bring old sessions back.
   */
  async activeSession(id: string, signedInAt: number): Promise<AuthUser | null> {
    const row = await this.row(id);
    if (!row || row.disabledAt !== null) return null;
    return row.sessionsNotBefore !== null && signedInAt < row.sessionsNotBefore ? null : toAuth(row);
  }

  async info(id: string): Promise<UserInfo | null> {
    const row = await this.row(id);
    return row ? toInfo(row) : null;
  }

  async list(): Promise<UserInfo[]> {
    return (await this.dbh.db.select().from(this.users).orderBy(this.users.name)).map(toInfo);
  }

  async count(): Promise<number> {
    return this.dbh.db.$count(this.users);
  }

  async create(name: string, password: string, role: Role, fields: UserFields = {}): Promise<AuthUser> {
    checkUsername(name);
    checkPassword(password);
    return this.insert(name, await hashPassword(password), role, fields);
  }

  /**
   * An account made by a first single sign-on: it has no password (none verifies) until an admin
   * resets one, so it signs in through its provider only.
   */
  async createWithoutPassword(name: string, role: Role, fields: UserFields = {}): Promise<AuthUser> {
    return this.insert(name, NO_PASSWORD, role, fields);
  }

  /** The account with this email (compared lower-cased), if any. */
  async byEmail(email: string): Promise<UserInfo | null> {
    const [row] = await this.dbh.db.select().from(this.users).where(eq(this.users.email, email.trim().toLowerCase()));
    return row ? toInfo(row) : null;
  }

  async nameTaken(name: string): Promise<boolean> {
    const rows = await this.dbh.db.select({ id: this.users.id }).from(this.users).where(eq(this.users.name, name));
    return rows.length > 0;
  }

  /** Every account name (to pick a free one). */
  async names(): Promise<Set<string>> {
    return new Set((await this.dbh.db.select({ name: this.users.name }).from(this.users)).map((r) => r.name));
  }

  private async insert(name: string, passwordHash: string, role: Role, fields: UserFields): Promise<AuthUser> {
    checkUsername(name);
    const extra = normalizeFields(fields);
    if (await this.nameTaken(name)) throw new UserError('conflict', `there is already a user named ${name}`);
    if (extra.email) await this.checkEmailFree(extra.email, null);
    const user = { id: randomId(), name, role };
    await this.dbh.db.insert(this.users).values({ ...user, ...extra, passwordHash, createdAt: Date.now() });
    return user;
  }

  /** Checks a password in constant-ish time whether or not the user exists; disabled users fail. */
  async verify(name: string, password: string): Promise<AuthUser | null> {
    const [row] = await this.dbh.db.select().from(this.users).where(eq(this.users.name, name));
    const ok = await verifyPassword(password, row?.passwordHash ?? DUMMY_HASH);
    return ok && row && row.disabledAt === null ? toAuth(row) : null;
  }

  async update(id: string, fields: UserFields): Promise<UserInfo> {
    await this.need(id);
    const extra = normalizeFields(fields);
    if (extra.email) await this.checkEmailFree(extra.email, id);
    if (Object.keys(extra).length > 0) await this.dbh.db.update(this.users).set(extra).where(eq(this.users.id, id));
    return (await this.info(id))!;
  }

  async setRole(id: string, role: Role): Promise<void> {
    const row = await this.need(id);
    if (row.role === 'admin' && role !== 'admin') await this.keepAnAdmin(id);
    await this.dbh.db.update(this.users).set({ role }).where(eq(this.users.id, id));
  }

  /** Disable (true) or re-enable. Returns whether anything changed. */
  async setDisabled(id: string, disabled: boolean): Promise<boolean> {
    const row = await this.need(id);
    if ((row.disabledAt !== null) === disabled) return false;
    if (disabled && row.role === 'admin') await this.keepAnAdmin(id);
    const now = Date.now();
    await this.dbh.db
      .update(this.users)
      .set(disabled ? { disabledAt: now, sessionsNotBefore: now } : { disabledAt: null })
      .where(eq(this.users.id, id));
    return true;
  }

  /** Delete the account and (by cascade) everything it owns in the database. */
  async remove(id: string): Promise<void> {
    const row = await this.need(id);
    if (row.role === 'admin') await this.keepAnAdmin(id);
    await this.dbh.db.delete(this.users).where(eq(this.users.id, id));
  }

  /** An admin (or the operator) sets a new password: every sign-in session of the account ends. */
  async resetPassword(id: string, password: string): Promise<void> {
    await this.setPassword(id, password, true);
  }

  /** A user changing their own password: the current one is asked for first; they stay signed in. */
  async changePassword(id: string, current: string, next: string): Promise<void> {
    const row = await this.need(id);
    if (row.passwordHash === NO_PASSWORD) throw new UserError('forbidden', 'this account signs in with single sign-on and has no password: an admin can set one');
    if (!(await verifyPassword(current, row.passwordHash))) throw new UserError('forbidden', 'the current password is not right');
    await this.setPassword(id, next, false);
  }

  private async setPassword(id: string, password: string, endSessions: boolean): Promise<void> {
    await this.need(id);
    checkPassword(password);
    const passwordHash = await hashPassword(password);
    await this.dbh.db
      .update(this.users)
      .set(endSessions ? { passwordHash, sessionsNotBefore: Date.now() } : { passwordHash })
      .where(eq(this.users.id, id));
  }

  /**
   * First run: create the admin when there are no users. Returns the generated password when
   * none was configured, so the caller can print it once; it is never stored in clear.
   */
  async ensureAdmin(name: string, password: string | undefined): Promise<{ created: boolean; generatedPassword?: string }> {
    if ((await this.count()) > 0) return { created: false };
    const generated = password ? undefined : randomBytes(15).toString('base64url');
    try {
      await this.create(name, password ?? generated!, 'admin');
    } catch (err) {
      // Another gateway on the same database created the first account meanwhile.
      if ((await this.count()) > 0) return { created: false };
      throw err;
    }
    return { created: true, generatedPassword: generated };
  }

  private async row(id: string): Promise<Row | undefined> {
    const [row] = await this.dbh.db.select().from(this.users).where(eq(this.users.id, id));
    return row;
  }

  private async need(id: string): Promise<Row> {
    const row = await this.row(id);
    if (!row) throw new UserError('not_found', 'no such user');
    return row;
  }

  /** Refuse a change that would leave no enabled admin besides `id`. */
  private async keepAnAdmin(id: string): Promise<void> {
    const others = await this.dbh.db
      .select({ id: this.users.id })
      .from(this.users)
      .where(and(eq(this.users.role, 'admin'), isNull(this.users.disabledAt), ne(this.users.id, id)));
    if (others.length === 0) throw new UserError('conflict', 'this is the last admin: make another user an admin first');
  }

  private async checkEmailFree(email: string, exceptId: string | null): Promise<void> {
    const [row] = await this.dbh.db.select({ id: this.users.id }).from(this.users).where(eq(this.users.email, email));
    if (row && row.id !== exceptId) throw new UserError('conflict', `${email} is already another user's email`);
  }
}
