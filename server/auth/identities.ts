/**
 * Single sign-on identities and the accounts they sign in as. An identity is a subject at an
 * issuer; its first sign-in decides its account, later ones follow the link:
 *
 * 1. Linked before → that account (refused while it is disabled).
 * 2. Otherwise only a verified email counts: none → refused ("unverified").
 * 3. An account has that email → linked to it (refused while it is disabled).
 * 4. No account has it → created when the signup rule allows (`open`, or `domain` with the email's
 *    domain listed), as a member without a password; otherwise refused.
 */
import { and, eq } from 'drizzle-orm';
import type { SignupRule } from '../config';
import type { DatabaseHandle } from '../db/database';
import { USERNAME_PATTERN, type AuthUser, type UserService } from './users';

export type SsoMethod = 'oidc' | 'github';

/** What a provider told us about the person signing in, normalised by server/auth/sso.ts. */
export interface SsoProfile {
  method: SsoMethod;
  issuer: string;
  subject: string;
  /** Lower-cased. */
  email: string | null;
  /** Only true when the provider vouches for the email (OIDC `email_verified`, GitHub's verified primary). */
  emailVerified: boolean;
  /** preferred_username (OIDC) or login (GitHub). */
  username: string | null;
  displayName: string | null;
}

export type SignInRefusal = 'disabled' | 'unverified' | 'no-account' | 'domain-not-allowed';

export type SignInOutcome =
  | { ok: true; user: AuthUser; how: 'identity' | 'email' | 'created' }
  | { ok: false; reason: SignInRefusal };

const MAX_NAME_TRIES = 50;
const USERNAME_MAX = 64;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * A valid, free username for a new account: the first candidate (preferred_username / login /
 * the email's local part) cleaned to letters, digits, ".", "_" and "-", with -2, -3… when taken.
 */
export function deriveUsername(candidates: ReadonlyArray<string | null | undefined>, taken: (name: string) => boolean): string {
  const base =
    candidates
      .map((c) => (c ?? '').normalize('NFKD').replace(/[^a-zA-Z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, USERNAME_MAX - 4))
      .find((c) => c.length > 0) ?? 'user';
  for (let i = 1; i <= MAX_NAME_TRIES; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    if (USERNAME_PATTERN.test(name) && !taken(name)) return name;
  }
  return `${base.slice(0, USERNAME_MAX - 9)}-${Math.random().toString(36).slice(2, 10)}`;
}

export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

export class IdentityService {
  constructor(
    private readonly dbh: DatabaseHandle,
    private readonly users: UserService,
    private readonly rule: { signup: SignupRule; domains: readonly string[] },
  ) {}

  /** Decide (and record) which account a sign-in with this identity is. */
  async signIn(p: SsoProfile): Promise<SignInOutcome> {
    const { ssoIdentities } = this.dbh.t;
    const now = Date.now();
    const linked = await this.linkOf(p.issuer, p.subject);
    if (linked) {
      const info = await this.users.info(linked.userId);
      if (!info || info.disabledAt !== null) return { ok: false, reason: 'disabled' };
      await this.dbh.db
        .update(ssoIdentities)
        .set({ lastUsedAt: now, ...(p.emailVerified && p.email ? { email: p.email } : {}) })
        .where(and(eq(ssoIdentities.issuer, p.issuer), eq(ssoIdentities.subject, p.subject)));
      return { ok: true, user: { id: info.id, name: info.name, role: info.role }, how: 'identity' };
    }
    if (!p.email || !p.emailVerified) return { ok: false, reason: 'unverified' };
    const existing = await this.users.byEmail(p.email);
    if (existing) {
      if (existing.disabledAt !== null) return { ok: false, reason: 'disabled' };
      await this.link(p, existing.id, now);
      return { ok: true, user: { id: existing.id, name: existing.name, role: existing.role }, how: 'email' };
    }
    if (this.rule.signup === 'existing') return { ok: false, reason: 'no-account' };
    if (this.rule.signup === 'domain' && !this.rule.domains.includes(emailDomain(p.email))) return { ok: false, reason: 'domain-not-allowed' };
    const taken = await this.users.names();
    const name = deriveUsername([p.username, p.email.slice(0, p.email.indexOf('@'))], (n) => taken.has(n));
    const displayName = p.displayName?.replace(CONTROL, '').trim().slice(0, 100) || null;
    const user = await this.users.createWithoutPassword(name, 'user', { displayName, email: p.email });
    await this.link(p, user.id, now);
    return { ok: true, user, how: 'created' };
  }

  /** The account an identity is linked to, if it may act now. */
  async userOf(issuer: string, subject: string): Promise<AuthUser | null> {
    const linked = await this.linkOf(issuer, subject);
    return linked ? this.users.active(linked.userId) : null;
  }

  private async linkOf(issuer: string, subject: string) {
    const { ssoIdentities } = this.dbh.t;
    const [row] = await this.dbh.db
      .select()
      .from(ssoIdentities)
      .where(and(eq(ssoIdentities.issuer, issuer), eq(ssoIdentities.subject, subject)));
    return row;
  }

  private async link(p: SsoProfile, userId: string, now: number): Promise<void> {
    const { ssoIdentities } = this.dbh.t;
    await this.dbh.db
      .insert(ssoIdentities)
      .values({ issuer: p.issuer, subject: p.subject, provider: p.method, userId, email: p.email, createdAt: now, lastUsedAt: now });
  }
}
