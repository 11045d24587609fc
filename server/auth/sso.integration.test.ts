/**
 * Single sign-on against a real OpenID provider (oidc-provider on loopback): the whole
 * authorization-code flow over HTTP with a cookie jar, the checks that refuse a tampered or stale
 * answer, the linking and signup rules, and what the audit trail keeps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_SSO, type SsoConfig } from '../config';
import { createLogger, silentLogger } from '../log';
import { HttpSession } from '../testing/http-session';
import { startTestIdp, type TestIdp } from '../testing/oidc-provider';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';
import { trpcCall } from '../testing/trpc-call';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

let idp: TestIdp;
const gateways: TestGateway[] = [];
/** What the first gateway logged (at debug level). */
const logLines: string[] = [];

const trustHostBefore = process.env.AUTH_TRUST_HOST;
beforeAll(async () => {
  // As server/main.ts does when NEXTAUTH_URL is unset: next-auth builds its callback URL from Host.
  process.env.AUTH_TRUST_HOST = '1';
  idp = await startTestIdp();
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.dispose()));
  await idp?.close();
  if (trustHostBefore === undefined) delete process.env.AUTH_TRUST_HOST;
  else process.env.AUTH_TRUST_HOST = trustHostBefore;
});

async function gatewayWith(sso: Partial<SsoConfig>): Promise<TestGateway> {
  const gw = await startTestGateway({
    log: gateways.length === 0 ? createLogger({ level: 'debug', write: (l) => logLines.push(l) }) : silentLogger,
    sso: { ...NO_SSO, oidc: { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, name: 'Corp SSO' }, ...sso },
  });
  gateways.push(gw);
  idp.allowRedirect(`${gw.url}/api/auth/callback/oidc`);
  return gw;
}

/** Up to the provider's redirect back to the gateway: start, sign in at the provider's form. */
async function toCallback(b: HttpSession, login: string): Promise<URL> {
  const { csrfToken } = (await (await b.fetch('/api/auth/csrf')).json()) as { csrfToken: string };
  const start = await b.fetch('/api/auth/signin/oidc', { method: 'POST', headers: FORM, body: new URLSearchParams({ csrfToken, callbackUrl: `${b.base}/`, json: 'true' }).toString() });
  let url = new URL(((await start.json()) as { url: string }).url);
  expect(url.origin).toBe(idp.issuer);
  expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  expect(url.searchParams.get('nonce')).toBeTruthy();
  expect(url.searchParams.get('state')).toBeTruthy();
  let res = await b.fetch(url.href);
  for (let hops = 0; ; hops++) {
    expect(hops).toBeLessThan(10);
    const location = res.headers.get('location');
    if (location) {
      url = new URL(location, url);
      if (url.origin !== idp.issuer) return url;
      res = await b.fetch(url.href);
      continue;
    }
    // The provider's development login form: any login, any password.
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    expect(action, html.slice(0, 500)).toBeTruthy();
    url = new URL(action!, url);
    res = await b.fetch(url.href, { method: 'POST', headers: FORM, body: new URLSearchParams({ prompt: 'login', login, password: 'any' }).toString() });
  }
}

/** Deliver the provider's answer to the gateway; follows its redirects to where the browser lands. */
async function land(b: HttpSession, callback: URL): Promise<URL> {
  let url = callback;
  for (let hops = 0; hops < 5; hops++) {
    const res = await b.fetch(url.href);
    const location = res.headers.get('location');
    if (!location) return url;
    url = new URL(location, url);
    if (!url.pathname.startsWith('/api/auth/')) return url;
  }
  throw new Error('too many redirects');
}

async function signIn(gw: TestGateway, login: string): Promise<{ b: HttpSession; landed: URL }> {
  const b = new HttpSession(gw.url);
  const landed = await land(b, await toCallback(b, login));
  return { b, landed };
}

const me = (gw: TestGateway, b: HttpSession) => trpcCall<{ id: string; name: string; role: string }>(gw.url, 'me', { cookie: b.cookieHeader });

describe('sign-in with the default rule (existing accounts only)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await gatewayWith({});
  });

  it('runs the authorization-code flow to a session that me accepts, linked by verified email, and audits it', async () => {
    const carol = await gw.tether.users.create('carol', 'carol-password', 'user', { email: 'Carol@Corp.test' });
    const { b, landed } = await signIn(gw, 'carol@corp.test');
    expect(landed.href).toBe(`${gw.url}/`);
    expect(b.cookies.has('next-auth.session-token')).toBe(true);
    expect((await me(gw, b)).data).toEqual({ id: carol.id, name: 'carol', role: 'user' });
    const [row] = await gw.tether.audit.list({ action: 'auth.sign-in' });
    expect(row).toMatchObject({ actorId: carol.id, actorName: 'carol', detail: { method: 'oidc' }, ip: '127.0.0.1' });
  });

  it('later sign-ins follow the identity link, even after the account’s email changes', async () => {
    const dan = await gw.tether.users.create('dan', 'dan-password', 'user', { email: 'dan@corp.test' });
    expect((await me(gw, (await signIn(gw, 'dan@corp.test')).b)).data?.id).toBe(dan.id);
    await gw.tether.users.update(dan.id, { email: 'daniel@corp.test' });
    const again = await signIn(gw, 'dan@corp.test');
    expect(again.landed.pathname).toBe('/');
    expect((await me(gw, again.b)).data?.id).toBe(dan.id);
  });

  it('refuses an answer whose state does not match this browser', async () => {
    await gw.tether.users.create('erin', 'erin-password', 'user', { email: 'erin@corp.test' });
    const b = new HttpSession(gw.url);
    const callback = await toCallback(b, 'erin@corp.test');
    callback.searchParams.set('state', 'forged-state');
    const landed = await land(b, callback);
    expect(landed.pathname).toBe('/login');
    expect(landed.searchParams.get('error')).toBe('OAuthCallback');
    expect(b.cookies.has('next-auth.session-token')).toBe(false);
    expect((await gw.tether.audit.list({ action: 'auth.sign-in-failed' }))[0]?.detail).toEqual({ method: 'oidc', reason: 'state-mismatch' });
  });

  it('refuses an expired authorization code', async () => {
    // The provider issues already-expired codes to logins starting with "expired".
    await gw.tether.users.create('expired-fay', 'fay-password-1', 'user', { email: 'expired-fay@corp.test' });
    const { b, landed } = await signIn(gw, 'expired-fay@corp.test');
    expect(landed.pathname).toBe('/login');
    expect(landed.searchParams.get('error')).toBe('OAuthCallback');
    expect(b.cookies.has('next-auth.session-token')).toBe(false);
    expect((await gw.tether.audit.list({ action: 'auth.sign-in-failed' }))[0]?.detail).toEqual({ method: 'oidc', reason: 'invalid-code' });
  });

  it('refuses a code redeemed a second time, even with the first attempt’s cookies', async () => {
    await gw.tether.users.create('gus', 'gus-password', 'user', { email: 'gus@corp.test' });
    const b = new HttpSession(gw.url);
    const callback = await toCallback(b, 'gus@corp.test');
    const checkCookies = new Map(b.cookies);
    expect((await land(b, callback)).pathname).toBe('/');
    const replay = new HttpSession(gw.url);
    for (const [k, v] of checkCookies) replay.cookies.set(k, v);
    const landed = await land(replay, callback);
    expect(landed.searchParams.get('error')).toBe('OAuthCallback');
    expect(replay.cookies.has('next-auth.session-token')).toBe(false);
    // Refused by the provider's token endpoint, not by a check of ours.
    expect((await gw.tether.audit.list({ action: 'auth.sign-in-failed' }))[0]?.detail).toEqual({ method: 'oidc', reason: 'invalid-code' });
  });

  it('refuses an unverified email and links nothing', async () => {
    const hal = await gw.tether.users.create('hal', 'hal-password', 'user', { email: 'unverified-hal@corp.test' });
    const { b, landed } = await signIn(gw, 'unverified-hal@corp.test');
    expect(landed.pathname).toBe('/login');
    expect(Object.fromEntries(landed.searchParams)).toEqual({ error: 'EmailUnverified', provider: 'oidc' });
    expect(b.cookies.has('next-auth.session-token')).toBe(false);
    expect((await gw.tether.audit.list({ action: 'auth.sign-in-failed' }))[0]?.detail).toEqual({ method: 'oidc', reason: 'unverified', email: 'unverified-hal@corp.test' });
    expect(await gw.tether.audit.list({ who: hal.id })).toEqual([]);
  });

  it('refuses a disabled account, matched by email or through its link', async () => {
    const ida = await gw.tether.users.create('ida', 'ida-password', 'user', { email: 'ida@corp.test' });
    await gw.tether.users.setDisabled(ida.id, true);
    const first = await signIn(gw, 'ida@corp.test');
    expect(first.landed.searchParams.get('error')).toBe('AccountDisabled');
    expect(first.b.cookies.has('next-auth.session-token')).toBe(false);

    const jo = await gw.tether.users.create('jo', 'jo-password', 'user', { email: 'jo@corp.test' });
    expect((await signIn(gw, 'jo@corp.test')).landed.pathname).toBe('/');
    await gw.tether.users.setDisabled(jo.id, true);
    const linked = await signIn(gw, 'jo@corp.test');
    expect(linked.landed.searchParams.get('error')).toBe('AccountDisabled');
    expect(linked.b.cookies.has('next-auth.session-token')).toBe(false);
    expect((await gw.tether.audit.list({ action: 'auth.sign-in-failed' }))[0]?.detail).toMatchObject({ method: 'oidc', reason: 'disabled' });
  });

  it('creates no account for an unknown email: the login page says who to ask', async () => {
    const before = await gw.tether.users.count();
    const { landed } = await signIn(gw, 'stranger@else.test');
    expect(Object.fromEntries(landed.searchParams)).toEqual({ error: 'NoAccount', provider: 'oidc', email: 'stranger@else.test' });
    expect(await gw.tether.users.count()).toBe(before);
  });

  it('keeps passwords working and audits failures with the username typed, never the password', async () => {
    const b = new HttpSession(gw.url);
    expect(await b.login('admin', 'not-the-password')).toMatch(/error=CredentialsSignin/);
    expect((await gw.tether.audit.list({ action: 'auth.sign-in-failed' }))[0]).toMatchObject({ detail: { method: 'password', reason: 'wrong-credentials', username: 'admin' }, ip: '127.0.0.1' });
    expect(await b.login('admin', gw.password)).not.toMatch(/error=/);
    expect((await gw.tether.audit.list({ action: 'auth.sign-in' }))[0]).toMatchObject({ actorName: 'admin', detail: { method: 'password' } });
  });

  it('audits sign-out, and no audit row or log line carries a secret', async () => {
    const { b } = await signIn(gw, 'carol@corp.test');
    const { csrfToken } = (await (await b.fetch('/api/auth/csrf')).json()) as { csrfToken: string };
    await b.fetch('/api/auth/signout', { method: 'POST', headers: FORM, body: new URLSearchParams({ csrfToken, json: 'true' }).toString() });
    expect((await gw.tether.audit.list({ action: 'auth.sign-out' }))[0]).toMatchObject({ actorName: 'carol' });
    const all = JSON.stringify(await gw.tether.audit.list({ limit: 200 }));
    for (const secret of [idp.clientSecret, gw.password, 'not-the-password', 'carol-password', 'forged-state']) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/"(code|state|nonce|id_token|access_token)"/);
    const logs = logLines.join('\n');
    expect(logs).toContain('single sign-on linked');
    expect(logs).toContain('OAUTH_CALLBACK_ERROR');
    for (const secret of [idp.clientSecret, gw.password, 'not-the-password', 'carol-password']) expect(logs).not.toContain(secret);
  });

  it('lists the provider by name for the login page, without secrets', async () => {
    const res = await fetch(`${gw.url}/api/auth/providers`);
    const body = await res.text();
    expect(Object.keys(JSON.parse(body) as object)).toEqual(['credentials', 'oidc']);
    expect(JSON.parse(body).oidc).toMatchObject({ id: 'oidc', name: 'Corp SSO', type: 'oauth', callbackUrl: `${gw.url}/api/auth/callback/oidc` });
    expect(body).not.toContain(idp.clientSecret);
  });
});

describe('signup rules', () => {
  it('domain: creates a member for a verified email of a listed domain, with a free username; refuses other domains', async () => {
    const gw = await gatewayWith({ signup: 'domain', domains: ['corp.test'] });
    await gw.tether.users.create('kim', 'kim-password', 'user');
    const { b, landed } = await signIn(gw, 'kim@corp.test');
    expect(landed.pathname).toBe('/');
    const created = (await me(gw, b)).data!;
    expect(created).toMatchObject({ name: 'kim-2', role: 'user' });
    expect(await gw.tether.users.info(created.id)).toMatchObject({ email: 'kim@corp.test', displayName: 'Test kim' });
    // No password signs in to an account made by single sign-on, and there is none to change.
    expect(await gw.tether.users.verify('kim-2', '')).toBeNull();
    await expect(gw.tether.users.changePassword(created.id, '', 'a-new-password')).rejects.toThrow(/signs in with single sign-on/);

    const other = await signIn(gw, 'lee@other.test');
    expect(Object.fromEntries(other.landed.searchParams)).toEqual({ error: 'DomainNotAllowed', provider: 'oidc', email: 'lee@other.test' });
    expect((await gw.tether.users.list()).map((u) => u.name)).not.toContain('lee');
    // An unverified email never creates an account, whatever its domain.
    expect((await signIn(gw, 'unverified-max@corp.test')).landed.searchParams.get('error')).toBe('EmailUnverified');
    expect((await gw.tether.users.list()).map((u) => u.name)).not.toContain('unverified-max');
  });

  it('open: creates an account for any verified email', async () => {
    const gw = await gatewayWith({ signup: 'open' });
    const { b } = await signIn(gw, 'nia@anywhere.test');
    expect((await me(gw, b)).data).toMatchObject({ name: 'nia', role: 'user' });
  });
});

describe('password login off', () => {
  it('does not register the password provider: the credentials callback is refused', async () => {
    const gw = await gatewayWith({ passwordLogin: false });
    const providers = (await (await fetch(`${gw.url}/api/auth/providers`)).json()) as Record<string, unknown>;
    expect(Object.keys(providers)).toEqual(['oidc']);
    const b = new HttpSession(gw.url);
    const { csrfToken } = (await (await b.fetch('/api/auth/csrf')).json()) as { csrfToken: string };
    const res = await b.fetch('/api/auth/callback/credentials', {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({ csrfToken, username: 'admin', password: gw.password, json: 'true' }).toString(),
    });
    expect(res.status).toBe(400);
    expect(b.cookies.has('next-auth.session-token')).toBe(false);
    await gw.tether.users.create('otto', 'otto-password', 'user', { email: 'otto@corp.test' });
    const sso = await signIn(gw, 'otto@corp.test');
    expect((await me(gw, sso.b)).data?.name).toBe('otto');
  });
});

describe('GitHub (github.com is out of reach here: registration and the authorization request only)', () => {
  it('is listed only when configured, and sends the browser to github.com with state and our callback', async () => {
    const secret = 'github-secret-value-0123456789';
    const gw = await gatewayWith({ github: { clientId: 'Iv1.test-client', clientSecret: secret } });
    const providers = (await (await fetch(`${gw.url}/api/auth/providers`)).json()) as Record<string, { name: string }>;
    expect(Object.keys(providers)).toEqual(['credentials', 'oidc', 'github']);
    expect(providers.github?.name).toBe('GitHub');
    const b = new HttpSession(gw.url);
    const { csrfToken } = (await (await b.fetch('/api/auth/csrf')).json()) as { csrfToken: string };
    const start = await b.fetch('/api/auth/signin/github', { method: 'POST', headers: FORM, body: new URLSearchParams({ csrfToken, callbackUrl: `${gw.url}/`, json: 'true' }).toString() });
    const url = new URL(((await start.json()) as { url: string }).url);
    expect(`${url.origin}${url.pathname}`).toBe('https://github.com/login/oauth/authorize');
    expect(url.searchParams.get('client_id')).toBe('Iv1.test-client');
    expect(url.searchParams.get('redirect_uri')).toBe(`${gw.url}/api/auth/callback/github`);
    expect(url.searchParams.get('scope')).toBe('read:user user:email');
    expect(url.searchParams.get('state')).toBeTruthy();
    expect(url.href).not.toContain(secret);
    // The default gateway above has no GitHub.
    const plain = (await (await fetch(`${gateways[0]!.url}/api/auth/providers`)).json()) as Record<string, unknown>;
    expect(Object.keys(plain)).not.toContain('github');
  });
});
