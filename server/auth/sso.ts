/**
 * Single sign-on providers for next-auth, built from the environment (config.ts: SsoConfig):
 * a generic OpenID Connect provider (discovery, PKCE + state + nonce, the ID token validated) and
 * GitHub. Each provider's profile becomes one SsoProfile; identities.ts decides the account, and
 * decideSingleSignOn (next-auth's signIn callback) turns a refusal into the login page's reason.
 */
import type { Account, Profile } from 'next-auth';
import GithubModule from 'next-auth/providers/github';
import type { OAuthConfig } from 'next-auth/providers/oauth';
import type { TokenSet } from 'openid-client';
import { SSO_REFUSAL_CODES } from '../../lib/shared/sign-in';
import type { SsoConfig } from '../config';
import type { Logger } from '../log';
import type { IdentityService, SignInRefusal, SsoMethod, SsoProfile } from './identities';

/** See next-auth.ts: next-auth's CommonJS default export under Node's ESM loader. */
function cjsDefault<T>(mod: T): T {
  const inner = (mod as { default?: T }).default;
  return typeof mod === 'function' ? mod : (inner ?? mod);
}
const GithubProvider = cjsDefault(GithubModule);

export const GITHUB_ISSUER = 'https://github.com';

/** How a sign-in happened, as the audit trail says it (`detail.method`). */
export type SignInMethod = 'password' | SsoMethod;
/** Records an `auth.sign-in-failed` event (never a password; `username` is what was typed). */
export type RecordFailure = (method: SignInMethod, reason: string, detail?: Record<string, string>) => void;

export interface SsoDeps {
  identities: IdentityService;
  sso: SsoConfig;
  log: Logger;
}
const GITHUB_API = 'https://api.github.com';

type Claims = Record<string, unknown>;

/** One entry of GitHub's `GET /user/emails`. */
export interface GithubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

/**
 * The email of a GitHub account that counts: its primary address, and only if GitHub verified
 * it. The public profile email is not used (it need not be the primary, and is often unset).
 */
export function verifiedPrimaryEmail(emails: unknown): string | null {
  if (!Array.isArray(emails)) return null;
  const primary = (emails as Partial<GithubEmail>[]).find((e) => e && e.primary === true);
  return primary && primary.verified === true && typeof primary.email === 'string' ? primary.email.toLowerCase() : null;
}

function oidcProvider(oidc: NonNullable<SsoConfig['oidc']>): OAuthConfig<Claims> {
  return {
    id: 'oidc',
    name: oidc.name,
    type: 'oauth',
    issuer: oidc.issuer,
    wellKnown: `${oidc.issuer}/.well-known/openid-configuration`,
    clientId: oidc.clientId,
    clientSecret: oidc.clientSecret,
    authorization: { params: { scope: 'openid email profile' } },
    checks: ['pkce', 'state', 'nonce'],
    // The ID token is validated (signature, issuer, audience, nonce)…
    idToken: true,
    userinfo: {
      // …and its claims completed from the userinfo endpoint: conforming providers put email and
      // profile claims only there for the code flow. openid-client refuses an answer about another
      // `sub`; without one we go on with the (signed) ID token alone. Its claims win where both say.
      async request({ tokens, client }) {
        // next-auth passes the TokenSet of client.callback() (typed more loosely).
        const set = tokens as TokenSet;
        const info = set.access_token ? await client.userinfo(set).catch(() => ({})) : {};
        return { ...info, ...set.claims() };
      },
    },
    profile: (claims) => ({ id: String(claims.sub), name: str(claims.name), email: str(claims.email) }),
  };
}

function githubProvider(github: NonNullable<SsoConfig['github']>) {
  return GithubProvider({
    clientId: github.clientId,
    clientSecret: github.clientSecret,
    userinfo: {
      url: `${GITHUB_API}/user`,
      async request({ client, tokens }) {
        const profile = (await client.userinfo(tokens.access_token!)) as Claims;
        const res = await fetch(`${GITHUB_API}/user/emails`, { headers: { Authorization: `token ${tokens.access_token}`, 'User-Agent': 'Tether' } });
        const email = verifiedPrimaryEmail(res.ok ? await res.json() : null);
        return { ...profile, email: email ?? undefined, email_verified: email !== null };
      },
    },
  });
}

/** The configured single sign-on providers, in the order the login page shows them. */
export function ssoProviders(sso: SsoConfig) {
  return [...(sso.oidc ? [oidcProvider(sso.oidc)] : []), ...(sso.github ? [githubProvider(sso.github)] : [])];
}

/** The issuer an identity of this provider belongs to; null for a provider that is not SSO. */
export function issuerOf(sso: SsoConfig, provider: string): string | null {
  if (provider === 'oidc') return sso.oidc?.issuer ?? null;
  if (provider === 'github') return sso.github ? GITHUB_ISSUER : null;
  return null;
}

/** The provider's answer (raw claims for OIDC, the userinfo above for GitHub) as an SsoProfile. */
export function ssoProfileOf(sso: SsoConfig, account: Account, raw: Profile | undefined): SsoProfile | null {
  const issuer = issuerOf(sso, account.provider);
  if (!issuer || !raw) return null;
  const claims = raw as Claims;
  const method = account.provider as SsoMethod;
  const email = str(claims.email)?.trim().toLowerCase() ?? null;
  return {
    method,
    issuer,
    subject: account.providerAccountId,
    email,
    emailVerified: !!email && (claims.email_verified === true || claims.email_verified === 'true'),
    username: str(method === 'github' ? claims.login : claims.preferred_username),
    displayName: str(claims.name),
  };
}

/** Where a refused single sign-on lands: the login page, with the reason and what it needs to say. */
export function refusalPath(reason: SignInRefusal, profile: SsoProfile): string {
  const q = new URLSearchParams({ error: SSO_REFUSAL_CODES[reason], provider: profile.method });
  if ((reason === 'no-account' || reason === 'domain-not-allowed') && profile.email) q.set('email', profile.email);
  return `/login?${q}`;
}

/** A short reason for a failed provider callback (the raw message may carry state values). */
export function callbackFailureReason(message: string): string {
  if (/state/i.test(message)) return 'state-mismatch';
  if (/nonce/i.test(message)) return 'nonce-mismatch';
  if (/code_verifier|pkce/i.test(message)) return 'pkce-mismatch';
  if (/invalid_grant/i.test(message)) return 'invalid-code';
  if (/access_denied/i.test(message)) return 'denied-at-provider';
  return 'provider-error';
}

/** Decide a single sign-on: true to go on, or the login page with the reason it was refused. */
export async function decideSingleSignOn(deps: SsoDeps, account: Account, raw: Profile | undefined, failed: RecordFailure): Promise<true | string> {
  const method = account.provider as SsoMethod;
  const profile = ssoProfileOf(deps.sso, account, raw);
  if (!profile) {
    failed(method, 'no-profile');
    return '/login?error=Callback';
  }
  let outcome;
  try {
    outcome = await deps.identities.signIn(profile);
  } catch (err) {
    // A new account the profile cannot make (e.g. an email Tether does not accept).
    deps.log.warn('single sign-on could not create an account', { method, error: err instanceof Error ? err.message : String(err) });
    failed(method, 'signup-failed', profile.email ? { email: profile.email } : {});
    return `/login?error=SignupFailed&provider=${method}`;
  }
  if (outcome.ok) {
    if (outcome.how !== 'identity') deps.log.info('single sign-on linked', { method, userId: outcome.user.id, how: outcome.how });
    return true;
  }
  failed(method, outcome.reason, profile.email ? { email: profile.email } : {});
  return refusalPath(outcome.reason, profile);
}

/** The account a completed sign-in is: authorize()'s user, or the one the identity is linked to. */
export async function signedInAs(deps: SsoDeps, user: { id: string; name?: string | null }, account: Account): Promise<{ id: string; name: string }> {
  if (account.type !== 'oauth') return { id: user.id, name: user.name ?? user.id };
  const issuer = issuerOf(deps.sso, account.provider);
  const linked = issuer ? await deps.identities.userOf(issuer, account.providerAccountId) : null;
  // signIn() linked it a moment ago; only an account disabled or deleted since gets here.
  if (!linked) throw new Error('AccountDisabled');
  return { id: linked.id, name: linked.name };
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}
