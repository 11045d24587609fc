/** Login through next-auth over HTTP, sessions and API tokens on tRPC and /ws, rate limiting. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';
import { HttpSession as Browser } from '../testing/http-session';
import { trpcCall } from '../testing/trpc-call';
import { GatewayClient, upgradeStatus } from '../testing/ws-client';

let gw: TestGateway;
const logLines: string[] = [];

beforeAll(async () => {
  gw = await startTestGateway({ log: createLogger({ level: 'debug', write: (l) => logLines.push(l) }) });
});
afterAll(async () => {
  await gw?.dispose();
});

const trpc = (path: string, opts: Parameters<typeof trpcCall>[2] = {}) => trpcCall(gw.url, path, opts);

describe('login', () => {
  it('signs in with username and password and the session cookie works on tRPC and /ws', async () => {
    const b = new Browser(gw.url);
    const url = await b.login('admin', gw.password);
    expect(url).not.toMatch(/error=/);
    expect([...b.cookies.keys()]).toContain('next-auth.session-token');
    const me = await trpc('me', { cookie: b.cookieHeader });
    expect(me.data).toMatchObject({ name: 'admin', role: 'admin' });
    expect(await upgradeStatus(gw.url, { cookie: b.cookieHeader })).toBe(101);
    expect(await upgradeStatus(gw.url, { cookie: b.cookieHeader, origin: 'https://evil.example' })).toBe(403);
  });

  it('signing out closes that session’s sockets (4401) and refuses a copy of its cookie; other sessions go on', async () => {
    const a = new Browser(gw.url);
    const b = new Browser(gw.url);
    await a.login('admin', gw.password);
    await b.login('admin', gw.password);
    const copied = a.cookieHeader;
    const sockA = await GatewayClient.connect(gw.url, { cookie: copied });
    const sockB = await GatewayClient.connect(gw.url, { cookie: b.cookieHeader });
    const { csrfToken } = (await (await a.fetch('/api/auth/csrf')).json()) as { csrfToken: string };
    const t0 = performance.now();
    const out = await a.fetch('/api/auth/signout', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrfToken, json: 'true' }).toString(),
    });
    expect(out.status).toBe(200);
    await sockA.until(() => sockA.closeInfo !== null, 1000, 'close on sign-out');
    expect(sockA.closeInfo).toEqual({ code: 4401, reason: 'signed out' });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(await upgradeStatus(gw.url, { cookie: copied })).toBe(401);
    expect((await trpc('me', { cookie: copied })).error?.code).toBe('UNAUTHORIZED');
    // The other session is untouched.
    expect(sockB.closeInfo).toBeNull();
    expect((await trpc('me', { cookie: b.cookieHeader })).data).toMatchObject({ name: 'admin' });
    await sockB.close();
  });

  it('refuses a wrong password without revealing whether the user exists', async () => {
    const b = new Browser(gw.url);
    expect(await b.login('admin', 'wrong-password')).toMatch(/error=CredentialsSignin/);
    expect(await b.login('nobody', 'wrong-password')).toMatch(/error=CredentialsSignin/);
    expect(b.cookies.has('next-auth.session-token')).toBe(false);
  });

  it('rate-limits repeated failures for a user, even with the right password afterwards', async () => {
    await gw.tether.users.create('victim', 'victim-password', 'user');
    const b = new Browser(gw.url);
    for (let i = 0; i < 5; i++) expect(await b.login('victim', `guess-${i}`)).toMatch(/error=CredentialsSignin/);
    expect(await b.login('victim', 'victim-password')).toMatch(/error=TooManyAttempts/);
  });

  it('never writes passwords or tokens into the logs', () => {
    const all = logLines.join('\n');
    expect(all).toContain('login failed');
    expect(all).not.toContain(gw.password);
    expect(all).not.toContain('victim-password');
    expect(all).not.toContain(gw.token);
  });
});

describe('tRPC', () => {
  it('answers UNAUTHORIZED without credentials', async () => {
    const r = await trpc('workspaces.list');
    expect(r.status).toBe(401);
    expect(r.error?.code).toBe('UNAUTHORIZED');
  });

  it('creates, lists and gets workspaces with an API token; names are validated and unique', async () => {
    const created = await trpc('workspaces.create', { token: gw.token, mutation: true, input: { name: 'proj-1' } });
    expect(created.status).toBe(200);
    const ws = created.data! as { id: string; name: string; root: string };
    expect(ws.name).toBe('proj-1');
    expect(ws.root.startsWith(gw.dataDir)).toBe(true);
    const dup = await trpc('workspaces.create', { token: gw.token, mutation: true, input: { name: 'proj-1' } });
    expect(dup.error?.code).toBe('CONFLICT');
    for (const name of ['../x', 'a/b', '', '..']) {
      const bad = await trpc('workspaces.create', { token: gw.token, mutation: true, input: { name } });
      expect(bad.error?.code).toBe('BAD_REQUEST');
    }
    const list = await trpc('workspaces.list', { token: gw.token });
    expect((list.data! as { name: string }[]).map((w) => w.name)).toContain('proj-1');
    expect((await trpc('workspaces.get', { token: gw.token, input: { id: ws.id } })).data).toMatchObject({ id: ws.id });
    expect((await trpc('terminals.list', { token: gw.token, input: { workspaceId: ws.id } })).data).toEqual([]);
  });

  it("does not show one user's workspaces to another", async () => {
    const other = await gw.tether.users.create('other-user', 'other-password', 'user');
    const { token } = await gw.tether.tokens.create(other.id, 't');
    const mine = (await gw.tether.workspaces.list(gw.adminId))[0]!;
    expect((await trpc('workspaces.get', { token, input: { id: mine.id } })).error?.code).toBe('NOT_FOUND');
    expect((await trpc('terminals.list', { token, input: { workspaceId: mine.id } })).error?.code).toBe('NOT_FOUND');
    const custom = await trpc('workspaces.create', { token, mutation: true, input: { name: 'x', root: '/etc' } });
    expect(custom.error?.code).toBe('FORBIDDEN');
  });

  it('refuses cross-origin tRPC calls', async () => {
    const r = await trpc('workspaces.create', { token: gw.token, mutation: true, input: { name: 'csrf' }, origin: 'http://evil.example' });
    expect(r.status).toBe(403);
    expect((await gw.tether.workspaces.list(gw.adminId)).map((w) => w.name)).not.toContain('csrf');
  });

  it('shows an API token once and stores only its hash', async () => {
    const created = await trpc('tokens.create', { token: gw.token, mutation: true, input: { name: 'ci' } });
    const { token } = created.data! as { token: string };
    expect(token).toMatch(/^tth_/);
    const list = await trpc('tokens.list', { token: gw.token });
    expect(JSON.stringify(list.data)).not.toContain(token);
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(`${gw.dataDir}/tether.db`, { readonly: true });
    const rows = db.prepare('SELECT token_hash FROM api_tokens').all() as { token_hash: string }[];
    db.close();
    expect(rows.some((r) => r.token_hash === token)).toBe(false);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.token_hash))).toBe(true);
  });
});
