/**
 * The data layer's contract, run on both dialects in one process: each service's real queries
 * against a real SQLite file and a real Postgres (server/testing/postgres.ts). Whatever passes
 * here reads and writes the same on both.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/audit-log';
import { SignInSessions } from '../auth/sign-in-sessions';
import { SignedOutSessions } from '../auth/signed-out';
import { TokenService } from '../auth/tokens';
import { UserService } from '../auth/users';
import { WorkerTable } from '../cloud/worker-table';
import { SshHostService } from '../hosts/host-service';
import { silentLogger } from '../log';
import { SettingsService } from '../settings/settings-service';
import { MemberService } from '../sharing/members';
import { ShareService } from '../sharing/share-service';
import { startPostgres, type TestPostgres } from '../testing/postgres';
import { WorkspaceService } from '../workspaces/workspace-service';
import { openDatabase, type DatabaseHandle, type Dialect } from './database';
import { MIGRATIONS } from './migrations';

let pgServer: TestPostgres;
let dir: string;
/** A throwaway private key for a `key` host (never used to reach anything). */
let testKey: string;

beforeAll(async () => {
  pgServer = await startPostgres();
  dir = await mkdtemp(path.join(os.tmpdir(), 'tether-contract-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'key')]);
  testKey = await readFile(path.join(dir, 'key'), 'utf8');
}, 60_000);

afterAll(async () => {
  await pgServer?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

let n = 0;
/** A fresh, migrated database of the dialect. */
async function fresh(dialect: Dialect): Promise<DatabaseHandle> {
  return openDatabase(dialect === 'postgres' ? await pgServer.database() : path.join(dir, `c${++n}.db`));
}

describe.each(['sqlite', 'postgres'] as const)('data layer on %s', (dialect) => {
  let dbh: DatabaseHandle;
  let users: UserService;
  let now = 1_000_000;

  beforeEach(async () => {
    dbh = await fresh(dialect);
    users = new UserService(dbh);
    now = 1_000_000;
  });
  afterEach(async () => {
    await dbh.close();
  });

  it('opens the dialect it was asked for, with every migration recorded once', async () => {
    expect(dbh.dialect).toBe(dialect);
    const rows = await dbh.query('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('keeps accounts: roles, disable, the last admin, emails unique, passwords verified', async () => {
    await users.ensureAdmin('root', 'root-password-1');
    expect((await users.ensureAdmin('root', 'x')).created).toBe(false);
    const root = (await users.verify('root', 'root-password-1'))!;
    expect(root).toMatchObject({ name: 'root', role: 'admin' });
    expect(await users.verify('root', 'wrong-password')).toBeNull();
    const ann = await users.create('ann', 'ann-password-1', 'user', { email: 'Ann@Example.com', displayName: ' Ann ' });
    expect(await users.byEmail('ann@example.com')).toMatchObject({ id: ann.id, displayName: 'Ann' });
    await expect(users.create('bob', 'bob-password-1', 'user', { email: 'ann@example.com' })).rejects.toThrow(/already another user's email/);
    await expect(users.create('ann', 'ann-password-2', 'user')).rejects.toThrow(/already a user named ann/);
    await expect(users.setDisabled(root.id, true)).rejects.toThrow(/last admin/);
    expect(await users.setDisabled(ann.id, true)).toBe(true);
    expect(await users.active(ann.id)).toBeNull();
    expect(await users.verify('ann', 'ann-password-1')).toBeNull();
    expect((await users.info(ann.id))!.disabledAt).toBeTypeOf('number');
    // A sign-in from before the disable stays refused after re-enabling.
    expect(await users.setDisabled(ann.id, false)).toBe(true);
    expect(await users.activeSession(ann.id, 0)).toBeNull();
    expect(await users.activeSession(ann.id, Date.now() + 1000)).toMatchObject({ id: ann.id });
    await users.setRole(ann.id, 'admin');
    await users.setRole(root.id, 'user');
    expect((await users.list()).map((u) => [u.name, u.role])).toEqual([
      ['ann', 'admin'],
      ['root', 'user'],
    ]);
    expect(await users.count()).toBe(2);
    await users.remove(root.id);
    expect(await users.get(root.id)).toBeNull();
  });

  it('stores API tokens hashed and finds their user', async () => {
    const u = await users.create('tok', 'tok-password-1', 'user');
    const tokens = new TokenService(dbh, users);
    const { token, info } = await tokens.create(u.id, 'ci');
    const stored = await dbh.query('SELECT token_hash FROM api_tokens');
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(await tokens.verify(token)).toMatchObject({ id: u.id });
    expect((await tokens.list(u.id))[0]).toMatchObject({ id: info.id, name: 'ci' });
    expect((await tokens.list(u.id))[0]!.lastUsedAt).toBeTypeOf('number');
    expect(await tokens.revoke(u.id, info.id)).toBe(true);
    expect(await tokens.revoke(u.id, info.id)).toBe(false);
    expect(await tokens.verify(token)).toBeNull();
  });

  it('keeps sign-in sessions and signed-out tokens', async () => {
    const u = await users.create('sid', 'sid-password-1', 'user');
    const sessions = new SignInSessions(dbh, () => now);
    const sid = await sessions.start(u.id, 'password', now + 60_000, { ip: '10.0.0.1', userAgent: 'test' });
    expect(await sessions.use(u.id, sid, {})).toBe(true);
    expect(await sessions.use('someone-else', sid, {})).toBe(false);
    expect((await sessions.live(u.id)).map((s) => s.id)).toEqual([sid]);
    expect(await sessions.owner(sid)).toBe(u.id);
    expect(await sessions.revoke(u.id, sid)).toBe(true);
    expect(await sessions.revoke(u.id, sid)).toBe(false);
    expect(await sessions.use(u.id, sid, {})).toBe(false);
    const out = new SignedOutSessions(dbh);
    await out.add('jti-1', Date.now() + 60_000);
    await out.add('jti-1', Date.now() + 60_000);
    expect(await out.has('jti-1')).toBe(true);
    expect(await out.has('jti-2')).toBe(false);
  });

  it('keeps workspaces, hosts and members; a member sees the workspace only while both may act', async () => {
    const owner = await users.create('own', 'own-password-1', 'user');
    const guest = await users.create('mem', 'mem-password-1', 'user', { email: 'mem@example.com' });
    const workspaces = new WorkspaceService(dbh, path.join(dir, `ws-${dialect}`), dir);
    const a = await workspaces.create(owner.id, 'alpha');
    const b = await workspaces.record(owner.id, 'beta', { kind: 'cloud', root: 'cloud:w1', hostId: null, workerId: 'w1' });
    await expect(workspaces.create(owner.id, 'alpha')).rejects.toThrow(/already have a workspace named "alpha"/);
    expect((await workspaces.list(owner.id)).map((w) => w.name)).toEqual(['alpha', 'beta']);
    expect(await workspaces.get(guest.id, a.id)).toBeNull();
    expect(await workspaces.ownerOf(b.id)).toBe(owner.id);
    expect((await workspaces.listOfKind('cloud')).map((x) => x.workspace.id)).toEqual([b.id]);

    const hosts = new SshHostService({ dbh, sealingKey: Buffer.alloc(32, 1), sshDir: path.join(dir, 'no-ssh'), defaultUser: 'me' });
    const host = await hosts.add({ id: owner.id, role: 'user' }, { spec: 'me@box.example:2222', auth: 'key', privateKey: testKey });
    expect(host.target).toMatchObject({ host: 'box.example', port: 2222, username: 'me' });
    const onHost = await workspaces.record(owner.id, 'remote', { kind: 'ssh', root: '/home/me/r', hostId: host.id, workerId: null });
    expect(await workspaces.countOnHost(host.id)).toBe(1);
    await expect(hosts.remove(owner.id, host.id)).rejects.toThrow();
    await workspaces.remove(owner.id, onHost.id);
    expect((await hosts.setRunner(owner.id, host.id, 'never', { memoryMb: 512 })).runner).toMatchObject({ mode: 'never', limits: { memoryMb: 512 } });
    await hosts.remove(owner.id, host.id);
    expect(await hosts.list(owner.id)).toEqual([]);

    const members = new MemberService(dbh, silentLogger);
    await members.add(owner.id, a.id, 'MEM@example.com', 'viewer');
    await expect(members.add(owner.id, a.id, 'mem', 'editor')).rejects.toThrow(/already a member/);
    expect((await members.access(guest.id, a.id))?.role).toBe('viewer');
    expect((await members.setRole(a.id, guest.id, 'editor')).from).toBe('viewer');
    expect((await members.of(guest.id)).map((m) => [m.workspace.name, m.role])).toEqual([['alpha', 'editor']]);
    await users.setDisabled(owner.id, true);
    expect(await members.access(guest.id, a.id)).toBeNull();
    expect(await members.of(guest.id)).toEqual([]);
    await users.setDisabled(owner.id, false);
    await members.remove(a.id, guest.id);
    expect(await members.list(a.id)).toEqual([]);
    // Removing the workspace removes its memberships (ON DELETE CASCADE on both).
    await members.add(owner.id, a.id, 'mem', 'viewer');
    await workspaces.remove(owner.id, a.id);
    expect(await members.of(guest.id)).toEqual([]);
  });

  it('keeps share links: guests by cookie, expiry logged once, revoke, the audit of the owner', async () => {
    const owner = await users.create('sharer', 'sharer-password-1', 'user');
    const shares = new ShareService(dbh, silentLogger, { now: () => now });
    try {
      const { share, token } = await shares.create(owner.id, { workspaceId: 'w1', sessionId: null, scope: 'view', label: 'demo', expiresInMs: 60_000 }, '10.0.0.1');
      const joined = await shares.join(token, '10.0.0.2');
      if (!joined.ok) throw new Error(joined.denial);
      expect(joined.value.principal.guest.name).toBe('Guest 1');
      const auth = await shares.authenticate(share.id, joined.value.cookie);
      expect(auth.ok && auth.value.share.id).toBe(share.id);
      expect((await shares.authenticate(share.id, joined.value.cookie.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')))).ok).toBe(false);
      expect((await shares.list(owner.id))[0]).toMatchObject({ state: 'active', joined: 1 });
      now += 61_000;
      expect(await shares.authenticate(share.id, joined.value.cookie)).toEqual({ ok: false, denial: 'expired' });
      expect(await shares.authenticate(share.id, joined.value.cookie)).toEqual({ ok: false, denial: 'expired' });
      const second = await shares.create(owner.id, { workspaceId: 'w1', sessionId: 's1', scope: 'drive', label: '', expiresInMs: null }, null);
      expect(await shares.revoke(owner.id, second.share.id)).toBe(true);
      expect((await shares.byToken(second.token)).ok).toBe(false);
      const kinds = (await shares.audit(owner.id)).map((e) => e.kind);
      expect(kinds.filter((k) => k === 'expired')).toHaveLength(1);
      expect([...kinds].sort()).toEqual(['created', 'created', 'expired', 'joined', 'revoked']);
      // The expired link is not revoked yet: disabling the owner revokes it too.
      expect(await shares.revokeAllOf(owner.id)).toBe(1);
    } finally {
      shares.dispose();
    }
  });

  it('numbers guests who join at once through several links of one owner without a repeat', async () => {
    const owner = await users.create('busy', 'busy-password-1', 'user');
    const shares = new ShareService(dbh, silentLogger);
    try {
      const link = () => shares.create(owner.id, { workspaceId: 'w1', sessionId: null, scope: 'view', label: '', expiresInMs: null }, null);
      const [a, b] = [await link(), await link()];
      const joined = await Promise.all(Array.from({ length: 6 }, (_, i) => shares.join((i % 2 ? a : b).token, null)));
      const numbers = joined.map((j) => (j.ok ? j.value.principal.guest.number : -1)).sort((x, y) => x - y);
      expect(numbers).toEqual([1, 2, 3, 4, 5, 6]);
    } finally {
      shares.dispose();
    }
  });

  it('keeps settings, the audit trail (filtered, paged) and the worker table', async () => {
    const u = await users.create('set', 'set-password-1', 'user');
    const settings = new SettingsService(dbh);
    await Promise.all([settings.update(u.id, { terminalFontSize: 15 }), settings.update(u.id, { theme: 'light' })]);
    expect(await settings.get(u.id)).toMatchObject({ terminalFontSize: 15, theme: 'light' });

    const audit = new AuditLog(dbh, silentLogger);
    audit.record({ action: 'auth.sign-in', actor: { id: u.id, name: 'set' }, ip: '10.0.0.9' });
    audit.record({ action: 'user.created', actor: null, target: 'user:x' });
    audit.record({ action: 'auth.sign-out', actor: { id: u.id, name: 'set' } });
    expect((await audit.list()).map((e) => e.action)).toEqual(['auth.sign-out', 'user.created', 'auth.sign-in']);
    expect((await audit.list({ action: 'AUTH' })).map((e) => e.action)).toEqual(['auth.sign-out', 'auth.sign-in']);
    expect((await audit.list({ who: 'user:x' })).map((e) => e.action)).toEqual(['user.created']);
    const [newest] = await audit.list({ limit: 1 });
    expect((await audit.list({ before: newest!.id })).map((e) => e.action)).toEqual(['user.created', 'auth.sign-in']);

    const table = new WorkerTable(dbh);
    await table.insertStarting('w1', null, 'small');
    await table.insertStarting('w2', null, 'small');
    expect(await table.markStarted('w1', null, { url: 'ws://127.0.0.1:1/', secret: 's' })).toBe('ready');
    expect(await table.markStarted('w2', null, { url: 'ws://127.0.0.1:2/', secret: 's' })).toBe('ready');
    expect(await table.warmCount('small')).toBe(2);
    // Two claims at once take two different workers.
    const [x, y, z] = await Promise.all([table.claimWarm('ua', 'small'), table.claimWarm('ub', 'small'), table.claimWarm('uc', 'small')]);
    expect(new Set([x?.id, y?.id, z?.id].filter(Boolean)).size).toBe(2);
    expect((await table.countByState()).assigned).toBe(2);
    expect(await table.markGone('w1')).toBe(true);
    expect(await table.markGone('w1')).toBe(false);
    expect((await table.rows()).map((r) => r.id)).toEqual(['w2']);
  });

  it('rolls a failed transaction back, and runs transactions one at a time', async () => {
    await users.create('tx', 'tx-password-1', 'user');
    const { users: t } = dbh.t;
    await expect(
      dbh.transaction(async (tx) => {
        await tx.update(t).set({ displayName: 'changed' });
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect((await dbh.db.select({ d: t.displayName }).from(t))[0]!.d).toBeNull();
    const order: string[] = [];
    await Promise.all(
      ['a', 'b'].map((k) =>
        dbh.transaction(async (tx) => {
          order.push(`${k}+`);
          await tx.select().from(t);
          await new Promise((r) => setTimeout(r, 20));
          await tx.update(t).set({ displayName: k });
          order.push(`${k}-`);
        }),
      ),
    );
    if (dialect === 'sqlite') expect(order).toEqual(['a+', 'a-', 'b+', 'b-']);
    expect(['a', 'b']).toContain((await dbh.db.select({ d: t.displayName }).from(t))[0]!.d);
  });

  it('migrates idempotently, and two handles migrating at once apply each version once', async () => {
    const target = dialect === 'postgres' ? await pgServer.database() : path.join(dir, `twice-${dialect}.db`);
    const [one, two] = await Promise.all([openDatabase(target), openDatabase(target)]);
    const again = await openDatabase(target);
    try {
      const rows = await again.query('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
      await new UserService(one).create('once', 'once-password-1', 'user');
      expect(await new UserService(two).nameTaken('once')).toBe(true);
    } finally {
      await Promise.all([one.close(), two.close(), again.close()]);
    }
  });
});
