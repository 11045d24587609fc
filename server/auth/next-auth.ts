/**
 * next-auth v4, mounted by the gateway (not by a Next route) so the Credentials provider checks
 * users in the gateway's own database instance. `/api/auth/*` requests are adapted from Node's
 * IncomingMessage to next-auth's internal request, and its response written back.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthOptions } from 'next-auth';
import NextAuthModule from 'next-auth';
import CredentialsModule from 'next-auth/providers/credentials';
import { getToken } from 'next-auth/jwt';
import { BodyTooLargeError, readBody } from '../http/body';
import { parseCookies } from '../http/cookies';
import { remoteAddress } from '../http/origin';
import type { AuditEvent } from '../audit/audit-log';
import type { SsoConfig } from '../config';
import type { Logger } from '../log';
import type { IdentityService } from './identities';
import type { FailureLimiter } from './rate-limit';
import type { SignInSessions } from './sign-in-sessions';
import { callbackFailureReason, decideSingleSignOn, signedInAs, ssoProviders, type RecordFailure, type SignInMethod } from './sso';
import type { AuthUser, UserService } from './users';

/** next-auth ships CommonJS with `exports.default`; under Node's ESM loader the default import is
 * the whole `module.exports`, under bundlers it is `exports.default`. Accept both. */
function cjsDefault<T>(mod: T): T {
  const inner = (mod as { default?: T }).default;
  return typeof mod === 'function' ? mod : (inner ?? mod);
}
const NextAuth = cjsDefault(NextAuthModule);
const CredentialsProvider = cjsDefault(CredentialsModule);

export const AUTH_BASE_PATH = '/api/auth';
const SESSION_MAX_AGE_S = 7 * 24 * 3600;
const MAX_AUTH_BODY_BYTES = 16 * 1024;
/** Where the `/api/auth/*` request being served comes from, for rate limits, the audit trail and
 * the sign-in session: next-auth's callbacks and events do not see the request. */
const authRequest = new AsyncLocalStorage<{ peer: string; userAgent: string | null }>();
const currentPeer = () => authRequest.getStore()?.peer ?? 'unknown';

const methodOf = (provider: string): SignInMethod => (provider === 'credentials' ? 'password' : (provider as SignInMethod));

export interface AuthDeps {
  users: UserService;
  identities: IdentityService;
  sso: SsoConfig;
  audit: { record(event: AuditEvent): void };
  ipLimiter: FailureLimiter;
  userLimiter: FailureLimiter;
  secret: string;
  secure: boolean;
  log: Logger;
  /** Sign-in sessions: a sign-in starts one, its `sid` goes into the token. */
  signIns?: Pick<SignInSessions, 'start'>;
  /** A session was signed out: its token id, sign-in session id and expiry (ms). */
  onSignOut?(session: { jti: string; sid: string | null; expiresAt: number }): Promise<void> | void;
}

export function buildAuthOptions(deps: AuthDeps): AuthOptions {
  const failed: RecordFailure = (method, reason, detail = {}) =>
    deps.audit.record({ action: 'auth.sign-in-failed', detail: { method, reason, ...detail }, ip: currentPeer() });
  return {
    secret: deps.secret,
    session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_S },
    pages: { signIn: '/login', error: '/login' },
    useSecureCookies: deps.secure,
    logger: {
      error: (code, meta) => {
        const message = errorMessage(meta);
        deps.log.warn('next-auth error', { code, error: message });
        // A provider's answer that failed its checks (state, PKCE, nonce, ID token) or was refused
        // at the token endpoint (an expired or replayed code). Only inside a request: next-auth's
        // logger is process-wide.
        const provider = (meta as { providerId?: unknown } | undefined)?.providerId;
        if (code === 'OAUTH_CALLBACK_ERROR' && authRequest.getStore() && typeof provider === 'string') failed(methodOf(provider), callbackFailureReason(message ?? ''));
      },
      warn: (code) => deps.log.warn('next-auth warning', { code }),
      debug: () => {},
    },
    providers: [
      ...(deps.sso.passwordLogin ? [passwordProvider(deps, failed)] : []),
      ...ssoProviders(deps.sso),
    ],
    events: {
      async signOut({ token }) {
        const jti = typeof token?.jti === 'string' ? token.jti : null;
        const sid = typeof token?.sid === 'string' ? token.sid : null;
        if (jti) await deps.onSignOut?.({ jti, sid, expiresAt: typeof token.exp === 'number' ? token.exp * 1000 : Date.now() + SESSION_MAX_AGE_S * 1000 });
        const actor = typeof token?.sub === 'string' ? { id: token.sub, name: typeof token.name === 'string' ? token.name : token.sub } : null;
        deps.audit.record({ action: 'auth.sign-out', actor, detail: sid ? { session: sid } : {}, ip: currentPeer() });
      },
    },
    callbacks: {
      // Password sign-ins were decided by authorize(); a single sign-on is decided here: linked,
      // created or refused (back to /login with the reason).
      async signIn({ account, profile }) {
        if (account?.type !== 'oauth') return true;
        return decideSingleSignOn(deps, account, profile, failed);
      },
      // When the sign-in happened, carried in the token across its re-issues: disabling or a
      // password reset ends every session that started before it (UserService.activeSession).
      // A sign-in also starts a sign-in session (auth/sign-in-sessions.ts) whose id rides along.
      async jwt({ token, user, account }) {
        if (user && account) {
          const who = await signedInAs(deps, user, account);
          token.sub = who.id;
          token.name = who.name;
          delete token.email;
          delete token.picture;
          token.signedInAt = Date.now();
          const method = methodOf(account.provider);
          const from = authRequest.getStore();
          if (deps.signIns) token.sid = await deps.signIns.start(who.id, method, Date.now() + SESSION_MAX_AGE_S * 1000, { ip: from?.peer ?? null, userAgent: from?.userAgent ?? null });
          deps.audit.record({ action: 'auth.sign-in', actor: who, detail: { method, ...(typeof token.sid === 'string' ? { session: token.sid } : {}) }, ip: currentPeer() });
        }
        return token;
      },
      async session({ session, token }) {
        if (session.user && token.sub) (session.user as { id?: string }).id = token.sub;
        return session;
      },
    },
  };
}

/** Username and password against the accounts here, rate-limited by peer and by peer+username. */
function passwordProvider(deps: AuthDeps, failed: RecordFailure) {
  return CredentialsProvider({
    name: 'Tether',
    credentials: {
      username: { label: 'Username', type: 'text' },
      password: { label: 'Password', type: 'password' },
    },
    async authorize(credentials) {
      const username = String(credentials?.username ?? '').slice(0, 128);
      const password = String(credentials?.password ?? '').slice(0, 1024);
      const peer = currentPeer();
      const userKey = `${peer}\n${username.toLowerCase()}`;
      if (deps.ipLimiter.retryAfterMs(peer) > 0 || deps.userLimiter.retryAfterMs(userKey) > 0) {
        deps.log.warn('login rate-limited', { peer, username });
        failed('password', 'rate-limited', { username });
        throw new Error('TooManyAttempts');
      }
      const user = await deps.users.verify(username, password);
      if (!user) {
        deps.ipLimiter.fail(peer);
        deps.userLimiter.fail(userKey);
        deps.log.info('login failed', { peer, username });
        failed('password', 'wrong-credentials', { username });
        return null;
      }
      deps.userLimiter.succeed(userKey);
      deps.log.info('login', { peer, userId: user.id });
      return { id: user.id, name: user.name };
    },
  });
}

function errorMessage(meta: unknown): string | undefined {
  if (meta instanceof Error) return meta.message;
  const m = meta as { message?: unknown; error?: { message?: unknown } } | undefined;
  if (typeof m?.message === 'string') return m.message;
  return typeof m?.error?.message === 'string' ? m.error.message : undefined;
}

function parseBody(raw: Buffer, contentType: string | undefined): Record<string, unknown> | undefined {
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  if (contentType?.includes('application/json')) {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  }
  return Object.fromEntries(new URLSearchParams(text));
}

/** Serve one `/api/auth/*` request. */
export async function handleAuthRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: AuthOptions,
  secure: boolean,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://gateway');
  const segments = url.pathname.slice(AUTH_BASE_PATH.length).split('/').filter(Boolean);
  let body: Record<string, unknown> | undefined;
  if (req.method === 'POST') {
    try {
      body = parseBody(await readBody(req, MAX_AUTH_BODY_BYTES), req.headers['content-type']);
    } catch (err) {
      res.writeHead(err instanceof BodyTooLargeError ? 413 : 400, { 'content-type': 'text/plain' });
      res.end(err instanceof BodyTooLargeError ? 'Request body too large' : 'Malformed request body');
      return;
    }
  }
  const headers: Record<string, string | string[] | undefined> = { ...req.headers };
  // We are the edge: client-supplied forwarding headers would let anyone steer redirects.
  delete headers['x-forwarded-host'];
  headers['x-forwarded-proto'] = secure ? 'https' : 'http';
  res.setHeader('cache-control', 'no-store');
  // next-auth's package exports only its Next API-route entry, so we hand it a request and a
  // response shaped like Next's pages API (query.nextauth, parsed body/cookies; status/json/send).
  const apiReq = {
    method: req.method,
    headers,
    cookies: parseCookies(req.headers.cookie),
    query: { ...Object.fromEntries(url.searchParams), nextauth: segments },
    body,
  };
  const apiRes = Object.assign(res, {
    status(code: number) {
      res.statusCode = code;
      return apiRes;
    },
    json(value: unknown) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(value));
    },
    send(value: unknown) {
      if (typeof value === 'string' || value instanceof Uint8Array) res.end(value);
      else apiRes.json(value ?? null);
    },
  });
  const userAgent = typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null;
  await authRequest.run({ peer: remoteAddress(req), userAgent }, () =>
    (NextAuth as unknown as (req: unknown, res: unknown, options: AuthOptions) => Promise<void>)(apiReq, apiRes, options),
  );
}

/** The user of a next-auth session cookie on a raw request (page, tRPC or WebSocket upgrade), with
 * its sign-in session's id; null for no cookie, a bad one, or a session that was signed out or
 * revoked. A token without a sid (minted before sign-in sessions existed) is refused too. */
export async function userFromSessionCookie(
  req: IncomingMessage,
  secret: string,
  secure: boolean,
  users: UserService,
  signedOut?: { has(jti: string): Promise<boolean> },
  signIns?: Pick<SignInSessions, 'use'>,
): Promise<(AuthUser & { session?: string }) | null> {
  const cookies = parseCookies(req.headers.cookie);
  // Only the cookie counts here; bearer tokens are API tokens, checked elsewhere.
  const token = await getToken({
    req: { headers: { cookie: req.headers.cookie ?? '' }, cookies } as unknown as Parameters<typeof getToken>[0]['req'],
    secret,
    secureCookie: secure,
  }).catch(() => null);
  if (!token?.sub) return null;
  const jti = typeof token.jti === 'string' ? token.jti : undefined;
  // Both questions at once: one round trip's wait on Postgres, not two.
  const [out, user] = await Promise.all([
    jti && signedOut ? signedOut.has(jti) : false,
    users.activeSession(token.sub, typeof token.signedInAt === 'number' ? token.signedInAt : 0),
  ]);
  if (out) return null;
  if (!user || !signIns) return user && jti ? { ...user, session: jti } : user;
  const sid = typeof token.sid === 'string' ? token.sid : null;
  const from = { ip: remoteAddress(req), userAgent: req.headers['user-agent'] ?? null };
  return sid && (await signIns.use(user.id, sid, from)) ? { ...user, session: sid } : null;
}
