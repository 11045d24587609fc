/**
 * The audit trail and own sign-in sessions through the real gateway: every recorded action done
 * the way a person does it (tRPC with a session cookie, `/s/<token>`, the operator CLI, a real
 * sshd for host keys and moves), each row checked, and the raw table searched for the secrets
 * used; audit.list for admins only, filtered and paged; sign-in sessions listed and revoked,
 * their sockets closed at once, and a token from before sign-in sessions refused.
 */
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encode } from 'next-auth/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../lib/shared/audit';
import { runUsersCli } from '../cli/users-cli';
import type { MigrationEvent } from '../migration/migration-service';
import type { HostTestResult } from '../trpc/routers/hosts';
import { loadOrCreateSecret } from '../secrets';
import { HttpSession } from '../testing/http-session';
import { startSshd, type TestSshd } from '../testing/sshd';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';
import { trpcCall } from '../testing/trpc-call';
import { readSubscription } from '../testing/trpc-subscription';
import { GatewayClient, upgradeStatus } from '../testing/ws-client';

let gw: TestGateway;
let sshd: TestSshd;
let admin: HttpSession;

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };

/** A tRPC call with a browser session's cookie; fails the test on an error. */
async function as<T = unknown>(who: HttpSession, p: string, input?: unknown, mutation = false): Promise<T> {
  const r = await trpcCall<T>(gw.url, p, { cookie: who.cookieHeader, input, mutation });
  if (r.error) throw new Error(`${p}: ${r.error.code} ${r.error.message}`);
  return r.data as T;
}

async function signIn(name: string, password: string): Promise<HttpSession> {
  const b = new HttpSession(gw.url);
  expect(await b.login(name, password)).not.toMatch(/error=/);
  return b;
}

async function cli(args: string[], stdin: string | null = null): Promise<void> {
  const err: string[] = [];
  const code = await runUsersCli(args, { env: { DATA_DIR: gw.dataDir }, readStdin: async () => stdin, out: () => {}, err: (l) => err.push(l) });
  expect(code, err.join('\n')).toBe(0);
}

async function gitWorkspace(name: string) {
  const ws = await gw.tether.workspaces.create(gw.adminId, name);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: ws.root });
  await writeFile(path.join(ws.root, 'a.txt'), 'one\n');
  execFileSync('git', ['add', '.'], { cwd: ws.root, env: GIT_ENV });
  execFileSync('git', ['commit', '-qm', 'first'], { cwd: ws.root, env: GIT_ENV });
  return ws;
}

async function move(workspaceId: string, hostId: string, folder: string): Promise<string> {
  const { id } = await as<{ id: string }>(admin, 'migration.start', { workspaceId, target: { kind: 'ssh', hostId, path: folder } }, true);
  const events = await readSubscription<MigrationEvent>(gw.url, 'migration.progress', {
    cookie: admin.cookieHeader,
    input: { id },
    until: (e) => ['done', 'failed', 'cancelled'].includes(e.step),
  });
  return events.at(-1)!.step;
}

const rows = () => gw.tether.audit.list({ limit: 200 });

beforeAll(async () => {
  sshd = await startSshd();
  gw = await startTestGateway();
  admin = await signIn('admin', gw.password);
}, 60_000);
afterAll(async () => {
  await gw?.dispose();
  await sshd?.close();
});

describe('the audit trail', () => {
  it('records every account, token, share, host-key, move and CLI action with its actor and target, and no secret', async () => {
    const secrets = ['carol-first-pass', 'carol-reset-pass', 'carol-own-pass', 'dave-cli-password', 'dave-cli-reset-pass', gw.password];

    // Accounts through users.* (the admin) and account.changePassword (carol herself).
    const carol = await as<{ id: string }>(admin, 'users.create', { name: 'carol', password: 'carol-first-pass', role: 'user' }, true);
    await as(admin, 'users.update', { id: carol.id, displayName: 'Carol C' }, true);
    await as(admin, 'users.setRole', { id: carol.id, role: 'admin' }, true);
    await as(admin, 'users.setRole', { id: carol.id, role: 'user' }, true);
    await as(admin, 'users.setDisabled', { id: carol.id, disabled: true }, true);
    await as(admin, 'users.setDisabled', { id: carol.id, disabled: false }, true);
    await as(admin, 'users.resetPassword', { id: carol.id, password: 'carol-reset-pass' }, true);
    const carolB = await signIn('carol', 'carol-reset-pass');
    await as(carolB, 'account.changePassword', { current: 'carol-reset-pass', next: 'carol-own-pass' }, true);

    // API tokens.
    const token = await as<{ token: string; info: { id: string } }>(carolB, 'tokens.create', { name: 'ci' }, true);
    secrets.push(token.token);
    await as(carolB, 'tokens.revoke', { id: token.info.id }, true);

    // A share link: created, joined at /s/<token>, the guest kicked, the link revoked.
    const ws = await gw.tether.workspaces.create(gw.adminId, 'shared');
    const share = await as<{ id: string; path: string }>(admin, 'shares.create', { workspaceId: ws.id, scope: 'view', label: 'pair' }, true);
    secrets.push(share.path.slice(share.path.lastIndexOf('/') + 1));
    const joined = await fetch(gw.url + share.path, { redirect: 'manual' });
    const guestCookie = joined.headers.get('set-cookie')!.split(';')[0]!.split('=')[1]!;
    const [guestId, guestSecret] = guestCookie.split('.');
    secrets.push(guestSecret!);
    await as(admin, 'shares.kick', { shareId: share.id, guestId }, true);
    await as(admin, 'shares.revoke', { id: share.id }, true);

    // An SSH host: its key trusted, two moves onto it (one fails: the folder is not empty), the key forgotten.
    const host = await as<{ id: string }>(admin, 'hosts.add', { spec: `${sshd.user}@127.0.0.1:${sshd.port}`, name: 'box', auth: 'key', privateKey: sshd.clientKey.toString() }, true);
    const unknown = await as<HostTestResult>(admin, 'hosts.test', { id: host.id }, true);
    expect(unknown).toMatchObject({ ok: false, kind: 'host_key_unknown' });
    if (unknown.ok) throw new Error('unreachable');
    await as(admin, 'hosts.trustKey', { id: host.id, endpoint: unknown.endpoint, fingerprint: unknown.fingerprint }, true);
    const mover = await gitWorkspace('mover');
    expect(await move(mover.id, host.id, await sshd.makeRemoteDir('moved'))).toBe('done');
    const full = await sshd.makeRemoteDir('full');
    await writeFile(path.join(full, 'something.txt'), 'not a clone\n');
    const stays = await gitWorkspace('stays');
    expect(await move(stays.id, host.id, full)).toBe('failed');
    await as(admin, 'hosts.forgetKeys', { id: host.id }, true);

    // The operator's CLI (it opens the database itself), then a deletion by the admin.
    await cli(['user', 'add', 'dave'], 'dave-cli-password\n');
    await cli(['user', 'disable', 'dave']);
    await cli(['user', 'enable', 'dave']);
    await cli(['user', 'reset-password', 'dave'], 'dave-cli-reset-pass\n');
    await cli(['user', 'set-role', 'dave', 'admin']);
    const dave = (await gw.tether.users.list()).find((u) => u.name === 'dave')!;
    await as(admin, 'users.remove', { id: dave.id }, true);

    const all = (await rows()).reverse();
    const seen = all.map((r) => [r.action, r.actorName, r.target]);
    const expected: [string, string | null, string][] = [
      ['user.created', 'admin', 'user:carol'],
      ['user.updated', 'admin', 'user:carol'],
      ['user.role-changed', 'admin', 'user:carol'],
      ['user.role-changed', 'admin', 'user:carol'],
      ['user.disabled', 'admin', 'user:carol'],
      ['user.enabled', 'admin', 'user:carol'],
      ['user.password-reset', 'admin', 'user:carol'],
      ['user.password-changed', 'carol', 'user:carol'],
      ['token.created', 'carol', `token:${token.info.id}`],
      ['token.revoked', 'carol', `token:${token.info.id}`],
      ['share.created', 'admin', `share:${share.id}`],
      ['share.joined', null, `share:${share.id}`],
      ['share.kicked', 'admin', `share:${share.id}`],
      ['share.revoked', 'admin', `share:${share.id}`],
      ['host-key.trusted', 'admin', `host:${host.id}`],
      ['migration.started', 'admin', `workspace:${mover.id}`],
      ['migration.finished', 'admin', `workspace:${mover.id}`],
      ['migration.started', 'admin', `workspace:${stays.id}`],
      ['migration.failed', 'admin', `workspace:${stays.id}`],
      ['host-key.forgotten', 'admin', `host:${host.id}`],
      ['user.created', null, 'user:dave'],
      ['user.disabled', null, 'user:dave'],
      ['user.enabled', null, 'user:dave'],
      ['user.password-reset', null, 'user:dave'],
      ['user.role-changed', null, 'user:dave'],
      ['user.deleted', 'admin', 'user:dave'],
    ];
    // Sign-ins and sign-outs are recorded by next-auth's side; this test checks the rest in order.
    expect(seen.filter(([a]) => !String(a).startsWith('auth.'))).toEqual(expected);

    const by = (action: string, target?: string) => all.find((r) => r.action === action && (!target || r.target === target));
    expect(by('user.role-changed', 'user:carol')?.detail).toEqual({ from: 'member', to: 'admin' });
    expect(by('user.created', 'user:carol')?.actorId).toBe(gw.adminId);
    expect(by('user.created', 'user:carol')?.ip).toMatch(/127\.0\.0\.1/);
    expect(by('share.joined')?.detail).toMatchObject({ guest: 'Guest 1', number: 1, owner: 'admin' });
    expect(by('share.joined')?.ip).toMatch(/127\.0\.0\.1/);
    expect(by('share.kicked')?.detail).toEqual({ guest: 'Guest 1' });
    expect(by('host-key.trusted')?.detail).toMatchObject({ host: 'box', fingerprint: sshd.hostKeyFingerprint() });
    expect(by('migration.finished')?.detail).toMatchObject({ from: 'local', to: 'ssh' });
    expect(by('migration.failed')?.detail).toMatchObject({ from: 'local', to: 'ssh', cancelled: false });
    expect(String(by('migration.failed')?.detail.error)).toContain('not empty');
    expect(by('user.created', 'user:dave')?.detail).toMatchObject({ via: 'cli', role: 'member', operator: expect.any(String) });
    expect(by('user.deleted', 'user:dave')?.detail).toEqual({ workspaces: 0, terminalsEnded: 0 });

    // The raw table, every column of every row, holds none of the secrets used above.
    const raw = JSON.stringify(rawAuditTable());
    expect(raw).toContain('user:carol');
    for (const secret of secrets) expect(raw, `a secret in audit_events`).not.toContain(secret);
  }, 180_000);

  it('audit.list is for admins only, filters by area, action, who and time, and pages by id', async () => {
    await gw.tether.users.create('mia', 'mia-password-1', 'user');
    const mia = await signIn('mia', 'mia-password-1');
    const refused = await trpcCall(gw.url, 'audit.list', { cookie: mia.cookieHeader, input: {} });
    expect(refused.error?.code).toBe('FORBIDDEN');

    type Page = { events: AuditRecord[]; next: number | null };
    const list = (input: unknown) => as<Page>(admin, 'audit.list', input);
    const users = await list({ action: 'user' });
    expect(users.events.length).toBeGreaterThan(5);
    expect(users.events.every((e) => e.action.startsWith('user.'))).toBe(true);
    const resets = await list({ action: 'user.password-reset' });
    expect(resets.events.map((e) => e.target).sort()).toEqual(['user:carol', 'user:dave']);
    expect((await list({ who: 'carol' })).events.every((e) => e.actorName === 'carol')).toBe(true);
    expect((await list({ who: 'user:dave' })).events.map((e) => e.action)).toContain('user.deleted');
    const newest = users.events[0]!;
    expect((await list({ since: newest.at + 60_000 })).events).toEqual([]);
    expect((await list({ until: newest.at - 3600_000 })).events).toEqual([]);

    // Pages of 3 by `before`: newest first, no gaps, no repeats.
    const paged: number[] = [];
    let before: number | undefined;
    for (;;) {
      const page: Page = await list({ action: 'user', limit: 3, before });
      paged.push(...page.events.map((e) => e.id));
      if (page.next === null) break;
      before = page.next;
    }
    const whole = (await list({ action: 'user', limit: 200 })).events.map((e) => e.id);
    expect(paged).toEqual(whole);

    // Bounded input: a clear error, nothing else.
    expect((await trpcCall(gw.url, 'audit.list', { cookie: admin.cookieHeader, input: { limit: 5000 } })).error?.code).toBe('BAD_REQUEST');
    expect((await trpcCall(gw.url, 'audit.list', { cookie: admin.cookieHeader, input: { action: 'drop table' } })).error?.code).toBe('BAD_REQUEST');
    expect((await trpcCall(gw.url, 'audit.list', { cookie: admin.cookieHeader, input: { who: 'x'.repeat(500) } })).error?.code).toBe('BAD_REQUEST');
  });
});

/** Every row of audit_events as stored, read through a second connection to the file. */
function rawAuditTable(): unknown[] {
  const db = new Database(path.join(gw.dataDir, 'tether.db'), { readonly: true });
  try {
    return db.prepare('SELECT * FROM audit_events').all();
  } finally {
    db.close();
  }
}

describe('own sign-in sessions', () => {
  type Session = { id: string; method: string; current: boolean; ip: string | null; userAgent: string | null };

  it('lists both sign-ins of a user, this one marked; revoking the other refuses its cookie and closes its socket (4401) at once', async () => {
    await gw.tether.users.create('erin', 'erin-password-1', 'user');
    const a = await signIn('erin', 'erin-password-1');
    const b = await signIn('erin', 'erin-password-1');
    const fromA = await as<Session[]>(a, 'account.sessions');
    expect(fromA).toHaveLength(2);
    expect(fromA.filter((s) => s.current)).toHaveLength(1);
    expect(fromA.every((s) => s.method === 'password' && s.ip !== null)).toBe(true);
    const fromB = await as<Session[]>(b, 'account.sessions');
    const bId = fromB.find((s) => s.current)!.id;
    expect(fromA.find((s) => s.current)!.id).not.toBe(bId);

    // Someone else cannot end erin's session: the same answer as for no such session.
    const mallory = await signIn('admin', gw.password);
    expect((await trpcCall(gw.url, 'account.revokeSession', { cookie: mallory.cookieHeader, input: { id: bId }, mutation: true })).error?.code).toBe('NOT_FOUND');
    expect((await trpcCall(gw.url, 'account.revokeSession', { cookie: a.cookieHeader, input: { id: 'no-such-session' }, mutation: true })).error?.code).toBe('NOT_FOUND');

    const sockB = await GatewayClient.connect(gw.url, { cookie: b.cookieHeader });
    const sockA = await GatewayClient.connect(gw.url, { cookie: a.cookieHeader });
    expect(await as(a, 'account.revokeSession', { id: bId }, true)).toEqual({ revoked: 1 });
    await sockB.until(() => sockB.closeInfo !== null, 5000, 'close on revoke');
    expect(sockB.closeInfo).toEqual({ code: 4401, reason: 'session revoked' });
    expect((await trpcCall(gw.url, 'me', { cookie: b.cookieHeader })).error?.code).toBe('UNAUTHORIZED');
    expect(await upgradeStatus(gw.url, { cookie: b.cookieHeader })).toBe(401);
    // This session goes on.
    expect(sockA.closeInfo).toBeNull();
    expect((await as<Session[]>(a, 'account.sessions')).map((s) => s.id)).not.toContain(bId);
    await sockA.close();
    const revoked = (await gw.tether.audit.list({ action: 'auth.session-revoked' }))[0]!;
    expect(revoked).toMatchObject({ actorName: 'erin', target: 'user:erin', detail: { session: bId, current: false } });

    // "Sign out everywhere else", then signing out ends this one too.
    const c = await signIn('erin', 'erin-password-1');
    expect(await as(a, 'account.revokeSession', { others: true }, true)).toEqual({ revoked: 1 });
    expect((await trpcCall(gw.url, 'me', { cookie: c.cookieHeader })).error?.code).toBe('UNAUTHORIZED');
    const d = await signIn('erin', 'erin-password-1');
    const { csrfToken } = (await (await a.fetch('/api/auth/csrf')).json()) as { csrfToken: string };
    await a.fetch('/api/auth/signout', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrfToken, json: 'true' }).toString() });
    expect((await as<Session[]>(d, 'account.sessions')).map((s) => s.current)).toEqual([true]);

    // An admin sees erin's sessions and signs her out everywhere; a member may not.
    const erin = (await gw.tether.users.list()).find((u) => u.name === 'erin')!;
    expect((await as<Session[]>(admin, 'users.sessions', { id: erin.id })).length).toBe(1);
    await gw.tether.users.create('nia', 'nia-password-1', 'user');
    const member = await signIn('nia', 'nia-password-1');
    expect((await trpcCall(gw.url, 'users.revokeSessions', { cookie: member.cookieHeader, input: { id: erin.id }, mutation: true })).error?.code).toBe('FORBIDDEN');
    const sockD = await GatewayClient.connect(gw.url, { cookie: d.cookieHeader });
    expect(await as(admin, 'users.revokeSessions', { id: erin.id }, true)).toEqual({ revoked: 1 });
    await sockD.until(() => sockD.closeInfo !== null, 5000, 'close on an admin revoke');
    expect(sockD.closeInfo?.code).toBe(4401);
    expect((await trpcCall(gw.url, 'me', { cookie: d.cookieHeader })).error?.code).toBe('UNAUTHORIZED');
    expect((await gw.tether.audit.list({ action: 'auth.session-revoked', limit: 1 }))[0]).toMatchObject({ actorName: 'admin', target: 'user:erin' });
  });

  it('refuses a session token minted before sign-in sessions (no sid), and one with an unknown sid', async () => {
    const secret = await loadOrCreateSecret(gw.dataDir, 'nextauth-secret');
    const mint = async (extra: Record<string, unknown>) =>
      `next-auth.session-token=${await encode({ token: { sub: gw.adminId, name: 'admin', signedInAt: Date.now(), ...extra }, secret })}`;
    const old = await mint({});
    expect((await trpcCall(gw.url, 'me', { cookie: old })).error?.code).toBe('UNAUTHORIZED');
    expect(await upgradeStatus(gw.url, { cookie: old })).toBe(401);
    const forged = await mint({ sid: 'made-up-session-id' });
    expect((await trpcCall(gw.url, 'me', { cookie: forged })).error?.code).toBe('UNAUTHORIZED');
    // The same cookie shape with a real sid works: the refusal is the sid's.
    const sid = (await as<Session[]>(admin, 'account.sessions')).find((s) => s.current)!.id;
    expect((await trpcCall(gw.url, 'me', { cookie: await mint({ sid }) })).data).toMatchObject({ name: 'admin' });
  });
});
