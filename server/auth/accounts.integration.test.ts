/**
 * Accounts against the real gateway: admins create, disable, re-enable, reset and delete users;
 * disabling cuts the account off everywhere at once (cookie and token sockets 4401, tRPC, sign-in,
 * share links) while its terminals keep running; the last admin stays; members are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log';
import { HttpSession as Browser } from '../testing/http-session';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';
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

type Info = { id: string; name: string; role: string; displayName: string | null; email: string | null; disabledAt: number | null };
const asAdmin = <T>(path: string, input?: unknown, mutation = true) => trpcCall<T>(gw.url, path, { token: gw.token, input, mutation });

async function createMember(name: string, password: string, extra: Record<string, unknown> = {}): Promise<Info> {
  const r = await asAdmin<Info>('users.create', { name, password, role: 'user', ...extra });
  expect(r.error).toBeUndefined();
  return r.data!;
}

describe('admins manage accounts', () => {
  it('creates a member who can sign in; names, emails and passwords are validated; duplicates refused', async () => {
    const m = await createMember('mira', 'mira-password-1', { displayName: ' Mira K. ', email: 'Mira@Example.org' });
    expect(m).toMatchObject({ name: 'mira', role: 'user', displayName: 'Mira K.', email: 'mira@example.org', disabledAt: null });
    const b = new Browser(gw.url);
    expect(await b.login('mira', 'mira-password-1')).not.toMatch(/error=/);
    expect((await trpcCall(gw.url, 'me', { cookie: b.cookieHeader })).data).toMatchObject({ name: 'mira', role: 'user' });

    const bad = [
      { name: '../x', password: 'long-enough-1', role: 'user' },
      { name: 'ok-name', password: 'short', role: 'user' },
      { name: 'ok-name', password: 'long-enough-1', role: 'root' },
      { name: 'ok-name', password: 'long-enough-1', role: 'user', email: 'not-an-email' },
      { name: 'ok-name', password: 'long-enough-1', role: 'user', displayName: 'bell\u0007' },
      { name: 'ok-name', password: 'long-enough-1', role: 'user', extra: 1 },
    ];
    for (const input of bad) expect((await asAdmin('users.create', input)).error?.code, JSON.stringify(input)).toBe('BAD_REQUEST');
    expect((await asAdmin('users.create', { name: 'mira', password: 'long-enough-1', role: 'user' })).error?.code).toBe('CONFLICT');
    expect((await asAdmin('users.create', { name: 'mira2', password: 'long-enough-1', role: 'user', email: 'MIRA@example.org' })).error?.code).toBe('CONFLICT');
    const list = await asAdmin<Info[]>('users.list', undefined, false);
    expect(list.data!.map((u) => u.name)).toEqual(expect.arrayContaining(['admin', 'mira']));
    expect(JSON.stringify(list.data)).not.toMatch(/password/i);
  });

  it('refuses members every account procedure, with the same answer whether or not the user exists', async () => {
    const m = await createMember('nils', 'nils-password-1');
    const { token } = await gw.tether.tokens.create(m.id, 't');
    const call = (path: string, input?: unknown, mutation = true) => trpcCall(gw.url, path, { token, input, mutation });
    expect((await call('users.list', undefined, false)).error?.code).toBe('FORBIDDEN');
    for (const id of [gw.adminId, 'no-such-user']) {
      expect((await call('users.setDisabled', { id, disabled: true })).error?.code).toBe('FORBIDDEN');
      expect((await call('users.resetPassword', { id, password: 'taken-over-1' })).error?.code).toBe('FORBIDDEN');
      expect((await call('users.setRole', { id: m.id, role: 'admin' })).error?.code).toBe('FORBIDDEN');
      expect((await call('users.remove', { id })).error?.code).toBe('FORBIDDEN');
    }
    expect((await call('users.create', { name: 'sneaky', password: 'long-enough-1', role: 'admin' })).error?.code).toBe('FORBIDDEN');
    expect((await gw.tether.users.info(m.id))?.role).toBe('user');
  });

  it('disabling closes the account’s cookie and token sockets at once, refuses its credentials and ends its links; its terminals keep running and re-enabling lets it back', async () => {
    const m = await createMember('dora', 'dora-password-1');
    const { token } = await gw.tether.tokens.create(m.id, 'cli');
    const b = new Browser(gw.url);
    await b.login('dora', 'dora-password-1');
    const ws = (await trpcCall<{ id: string }>(gw.url, 'workspaces.create', { token, mutation: true, input: { name: 'dora-ws' } })).data!;
    const byCookie = await GatewayClient.connect(gw.url, { cookie: b.cookieHeader });
    const byToken = await GatewayClient.connect(gw.url, { token });
    const { session } = await byToken.open(1, { workspace: ws.id, cols: 80, rows: 24, command: 'sleep 300' });
    const share = (await trpcCall<{ path: string; id: string }>(gw.url, 'shares.create', { token, mutation: true, input: { workspaceId: ws.id, scope: 'view' } })).data!;
    const joined = await fetch(gw.url + share.path, { redirect: 'manual' });
    expect(joined.status).toBe(303);
    const guestCookie = joined.headers.get('set-cookie')!.split(';')[0]!;
    const guest = await GatewayClient.connect(gw.url, { cookie: guestCookie, path: `/shared/${share.id}/ws` });

    const t0 = performance.now();
    const r = await asAdmin<Info>('users.setDisabled', { id: m.id, disabled: true });
    expect(r.data?.disabledAt).toEqual(expect.any(Number));
    await byCookie.until(() => byCookie.closeInfo !== null, 1000, 'cookie socket closed');
    await byToken.until(() => byToken.closeInfo !== null, 1000, 'token socket closed');
    await guest.until(() => guest.closeInfo !== null, 1000, 'guest socket closed');
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(byCookie.closeInfo).toEqual({ code: 4401, reason: 'account disabled' });
    expect(byToken.closeInfo).toEqual({ code: 4401, reason: 'account disabled' });
    expect(guest.closeInfo?.code).toBe(4403);

    expect((await trpcCall(gw.url, 'me', { cookie: b.cookieHeader })).error?.code).toBe('UNAUTHORIZED');
    expect((await trpcCall(gw.url, 'me', { token })).error?.code).toBe('UNAUTHORIZED');
    expect(await upgradeStatus(gw.url, { cookie: b.cookieHeader })).toBe(401);
    expect(await upgradeStatus(gw.url, { token })).toBe(401);
    expect(await new Browser(gw.url).login('dora', 'dora-password-1')).toMatch(/error=CredentialsSignin/);
    expect((await fetch(gw.url + share.path, { redirect: 'manual' })).status).not.toBe(303);
    // Nothing the account was running is lost.
    expect(gw.tether.sessions.getForUser(session, m.id)?.running).toBe(true);

    await asAdmin('users.setDisabled', { id: m.id, disabled: false });
    // Sign-ins from before the disable stay ended; a new one works.
    expect((await trpcCall(gw.url, 'me', { cookie: b.cookieHeader })).error?.code).toBe('UNAUTHORIZED');
    const again = new Browser(gw.url);
    expect(await again.login('dora', 'dora-password-1')).not.toMatch(/error=/);
    expect((await trpcCall(gw.url, 'me', { token })).data).toMatchObject({ name: 'dora' });
    const back = await GatewayClient.connect(gw.url, { token });
    expect((await back.open(1, { session, cols: 80, rows: 24 })).session).toBe(session);
    await back.close();
  });

  it('resets a password: the old one stops working, sessions signed in with it end, the new one signs in', async () => {
    const m = await createMember('rolf', 'rolf-password-1');
    const before = new Browser(gw.url);
    await before.login('rolf', 'rolf-password-1');
    expect((await trpcCall(gw.url, 'me', { cookie: before.cookieHeader })).data).toMatchObject({ name: 'rolf' });
    expect((await asAdmin('users.resetPassword', { id: m.id, password: 'short' })).error?.code).toBe('BAD_REQUEST');
    expect((await asAdmin('users.resetPassword', { id: m.id, password: 'rolf-password-2' })).error).toBeUndefined();
    expect(await new Browser(gw.url).login('rolf', 'rolf-password-1')).toMatch(/error=CredentialsSignin/);
    const after = new Browser(gw.url);
    expect(await after.login('rolf', 'rolf-password-2')).not.toMatch(/error=/);
    expect((await trpcCall(gw.url, 'me', { cookie: before.cookieHeader })).error?.code).toBe('UNAUTHORIZED');
    expect((await trpcCall(gw.url, 'me', { cookie: after.cookieHeader })).data).toMatchObject({ name: 'rolf' });
    expect((await asAdmin('users.resetPassword', { id: 'no-such-user', password: 'whatever-123' })).error?.code).toBe('NOT_FOUND');
  });

  it('keeps the last admin: it cannot be disabled, demoted or deleted until another admin exists', async () => {
    expect((await asAdmin('users.setDisabled', { id: gw.adminId, disabled: true })).error?.code).toBe('CONFLICT');
    expect((await asAdmin('users.setRole', { id: gw.adminId, role: 'user' })).error?.code).toBe('CONFLICT');
    expect((await asAdmin('users.remove', { id: gw.adminId })).error?.code).toBe('CONFLICT');
    expect((await gw.tether.users.active(gw.adminId))?.role).toBe('admin');
    const second = await createMember('ada', 'ada-password-1');
    expect((await asAdmin<Info>('users.setRole', { id: second.id, role: 'admin' })).data?.role).toBe('admin');
    // Now the second admin can be demoted again (the first remains).
    expect((await asAdmin<Info>('users.setRole', { id: second.id, role: 'user' })).data?.role).toBe('user');
  });

  it('deleting an account ends its terminals, removes its workspaces and tokens, and frees its name', async () => {
    const m = await createMember('gone', 'gone-password-1');
    const { token } = await gw.tether.tokens.create(m.id, 't');
    const ws = (await trpcCall<{ id: string }>(gw.url, 'workspaces.create', { token, mutation: true, input: { name: 'gone-ws' } })).data!;
    const c = await GatewayClient.connect(gw.url, { token });
    const { session } = await c.open(1, { workspace: ws.id, cols: 80, rows: 24, command: 'sleep 300' });
    const r = await asAdmin<{ workspaces: number; terminalsEnded: number }>('users.remove', { id: m.id });
    expect(r.data).toEqual({ workspaces: 1, terminalsEnded: 1 });
    await c.until(() => c.closeInfo !== null, 1000, 'socket closed');
    expect(c.closeInfo?.code).toBe(4401);
    expect(gw.tether.sessions.has(session)).toBe(false);
    expect(await gw.tether.workspaces.list(m.id)).toEqual([]);
    expect(await gw.tether.tokens.verify(token)).toBeNull();
    expect(await gw.tether.users.info(m.id)).toBeNull();
    expect((await asAdmin('users.remove', { id: m.id })).error?.code).toBe('NOT_FOUND');
    await createMember('gone', 'gone-password-2');
  });
});

describe('everyone manages their own account', () => {
  it('changes their password only with the current one', async () => {
    const m = await createMember('pia', 'pia-password-1');
    const b = new Browser(gw.url);
    await b.login('pia', 'pia-password-1');
    const call = (input: unknown) => trpcCall(gw.url, 'account.changePassword', { cookie: b.cookieHeader, mutation: true, input });
    expect((await call({ current: 'wrong-password', next: 'pia-password-2' })).error?.code).toBe('FORBIDDEN');
    expect((await call({ current: 'pia-password-1', next: 'short' })).error?.code).toBe('BAD_REQUEST');
    expect((await call({ current: 'pia-password-1', next: 'pia-password-2' })).error).toBeUndefined();
    // Changing your own password keeps you signed in.
    expect((await trpcCall(gw.url, 'me', { cookie: b.cookieHeader })).data).toMatchObject({ name: 'pia' });
    expect(await new Browser(gw.url).login('pia', 'pia-password-1')).toMatch(/error=CredentialsSignin/);
    expect(await new Browser(gw.url).login('pia', 'pia-password-2')).not.toMatch(/error=/);
    expect((await trpcCall<Info>(gw.url, 'account.get', { cookie: b.cookieHeader })).data).toMatchObject({ id: m.id, name: 'pia' });
  });

  it('never logs a password', () => {
    const all = logLines.join('\n');
    expect(all).toContain('account disabled');
    for (const secret of ['mira-password-1', 'dora-password-1', 'rolf-password-2', 'pia-password-2', 'gone-password-1']) expect(all).not.toContain(secret);
  });
});
