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
import type { Logger } from '../log';
import type { FailureLimiter } from './rate-limit';
import type { SeenFrom, SignInSessions } from './sign-in-sessions';
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
/** Header we set ourselves (client copies are dropped) so authorize() can rate-limit by peer. */
const PEER_HEADER = 'x-tether-peer';
const MAX_AUTH_BODY_BYTES = 16 * 1024;
/** Where the `/api/auth/*` request being served comes from (the jwt callback gets no request). */
const authPeer = new AsyncLocalStorage<SeenFrom>();

export interface AuthDeps {
  users: UserService;
  ipLimiter: FailureLimiter;
  userLimiter: FailureLimiter;
  secret: string;
  secure: boolean;
  log: Logger;
  /** Sign-in sessions: a sign-in starts one, its `sid` goes into the token. */
  signIns?: Pick<SignInSessions, 'start'>;
  /** A session was signed out: its token id, sign-in session id and expiry (ms). */
  onSignOut?(session: { jti: string; sid: string | null; expiresAt: number }): void;
}

export function buildAuthOptions(deps: AuthDeps): AuthOptions {
  return {
    secret: deps.secret,
    session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_S },
    pages: { signIn: '/login', error: '/login' },
    useSecureCookies: deps.secure,
    logger: {
      error: (code, meta) => deps.log.warn('next-auth error', { code, error: meta instanceof Error ? meta.message : undefined }),
      warn: (code) => deps.log.warn('next-auth warning', { code }),
      debug: () => {},
    },
    providers: [
      CredentialsProvider({
        name: 'Tether',
        credentials: {
          username: { label: 'Username', type: 'text' },
          password: { label: 'Password', type: 'password' },
        },
        async authorize(credentials, req) {
          const username = String(credentials?.username ?? '').slice(0, 128);
          const password = String(credentials?.password ?? '').slice(0, 1024);
          const peer = String((req.headers as Record<string, unknown> | undefined)?.[PEER_HEADER] ?? 'unknown');
          const userKey = `${peer}\n${username.toLowerCase()}`;
          if (deps.ipLimiter.retryAfterMs(peer) > 0 || deps.userLimiter.retryAfterMs(userKey) > 0) {
            deps.log.warn('login rate-limited', { peer, username });
            throw new Error('TooManyAttempts');
          }
          const user = await deps.users.verify(username, password);
          if (!user) {
            deps.ipLimiter.fail(peer);
            deps.userLimiter.fail(userKey);
            deps.log.info('login failed', { peer, username });
            return null;
          }
          deps.userLimiter.succeed(userKey);
          deps.log.info('login', { peer, userId: user.id });
          return { id: user.id, name: user.name };
        },
      }),
    ],
    events: {
      signOut({ token }) {
        const jti = typeof token?.jti === 'string' ? token.jti : null;
        const sid = typeof token?.sid === 'string' ? token.sid : null;
        if (jti) deps.onSignOut?.({ jti, sid, expiresAt: typeof token.exp === 'number' ? token.exp * 1000 : Date.now() + SESSION_MAX_AGE_S * 1000 });
      },
    },
    callbacks: {
      // When the sign-in happened, carried in the token across its re-issues: disabling or a
      // password reset ends every session that started before it (UserService.activeSession).
      // A sign-in also starts a sign-in session (auth/sign-in-sessions.ts) whose id rides along.
      async jwt({ token, user, account }) {
        if (user) {
          token.signedInAt = Date.now();
          const method = !account || account.provider === 'credentials' ? 'password' : account.provider;
          if (deps.signIns) token.sid = deps.signIns.start(user.id, method, Date.now() + SESSION_MAX_AGE_S * 1000, authPeer.getStore() ?? {});
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
  headers[PEER_HEADER] = remoteAddress(req);
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
  const from: SeenFrom = { ip: headers[PEER_HEADER] as string, userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null };
  await authPeer.run(from, () => (NextAuth as unknown as (req: unknown, res: unknown, options: AuthOptions) => Promise<void>)(apiReq, apiRes, options));
}

/** The user of a next-auth session cookie on a raw request (page, tRPC or WebSocket upgrade), with
 * its sign-in session's id; null for no cookie, a bad one, or a session that was signed out or
 * revoked. A token without a sid (minted before sign-in sessions existed) is refused too. */
export async function userFromSessionCookie(
  req: IncomingMessage,
  secret: string,
  secure: boolean,
  users: UserService,
  signedOut?: { has(jti: string): boolean },
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
  if (jti && signedOut?.has(jti)) return null;
  const user = users.activeSession(token.sub, typeof token.signedInAt === 'number' ? token.signedInAt : 0);
  if (!user || !signIns) return user && jti ? { ...user, session: jti } : user;
  const sid = typeof token.sid === 'string' ? token.sid : null;
  const from = { ip: remoteAddress(req), userAgent: req.headers['user-agent'] ?? null };
  return sid && signIns.use(user.id, sid, from) ? { ...user, session: sid } : null;
}
