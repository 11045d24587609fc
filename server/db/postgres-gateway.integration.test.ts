/**
 * From SQLite to Postgres end to end: a real SQLite file filled by the real services, copied by
 * `migrate-db` into a real Postgres, then a gateway started on DATABASE_URL signs in with the
 * copied account, lists its workspaces, creates one and serves a share link from the database.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/audit-log';
import { UserService } from '../auth/users';
import { runMigrateDb } from '../cli/migrate-db';
import { silentLogger } from '../log';
import { ShareService } from '../sharing/share-service';
import { HttpSession } from '../testing/http-session';
import { startPostgres, type TestPostgres } from '../testing/postgres';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';
import { WorkspaceService } from '../workspaces/workspace-service';
import { openDatabase } from './database';

const ADMIN_PASSWORD = 'admin-password-1';
const ALICE_PASSWORD = 'alice-password-1';

let pgServer: TestPostgres;
let dir: string;
let url: string;
let gw: TestGateway | undefined;
let shareToken: string;

beforeAll(async () => {
  pgServer = await startPostgres();
  dir = await mkdtemp(path.join(os.tmpdir(), 'tether-pg-gw-'));
  url = await pgServer.database();
  // The SQLite database of a gateway that has been used: accounts, a workspace, a share, audit.
  const dbh = await openDatabase(path.join(dir, 'tether.db'));
  const users = new UserService(dbh);
  await users.ensureAdmin('admin', ADMIN_PASSWORD);
  const alice = await users.create('alice', ALICE_PASSWORD, 'user', { email: 'alice@example.com' });
  const workspaces = new WorkspaceService(dbh, path.join(dir, 'workspaces'), dir);
  const ws = await workspaces.create(alice.id, 'project');
  const audit = new AuditLog(dbh, silentLogger);
  const shares = new ShareService(dbh, silentLogger, { audit });
  shareToken = (await shares.create(alice.id, { workspaceId: ws.id, sessionId: null, scope: 'view', label: 'demo', expiresInMs: null }, null)).token;
  shares.dispose();
  audit.record({ action: 'user.created', actor: null, target: 'user:alice' });
  await audit.flush();
  await dbh.close();
}, 60_000);

afterAll(async () => {
  await gw?.dispose();
  await pgServer?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function cli(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return runMigrateDb(argv, { env: env as NodeJS.ProcessEnv, out: (l) => out.push(l), err: (l) => err.push(l) }).then((code) => ({ code, out: out.join('\n'), err: err.join('\n') }));
}

describe('migrate-db and a gateway on Postgres', () => {
  it('copies every table, verified, and never prints the password', async () => {
    const r = await cli(['--from', path.join(dir, 'tether.db')], { DATABASE_URL: url });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/users\s+2 rows/);
    expect(r.out).toMatch(/workspaces\s+1 rows/);
    expect(r.out).toMatch(/shares\s+1 rows/);
    expect(r.out).toMatch(/audit_events\s+[1-9]\d* rows/);
    expect(r.out).toContain('counts verified');
    expect(r.out).not.toContain(new URL(url).password);
  });

  it('refuses a target that is not empty, and changes nothing', async () => {
    const r = await cli(['--from', path.join(dir, 'tether.db'), '--to', url]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/not empty/);
    const dbh = await openDatabase(url);
    try {
      expect(await new UserService(dbh).count()).toBe(2);
    } finally {
      await dbh.close();
    }
  });

  it('refuses without a Postgres URL to copy to', async () => {
    const r = await cli(['--from', path.join(dir, 'tether.db')], { DATA_DIR: dir });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/DATABASE_URL=postgres/);
  });

  it('serves the copied data: sign in, list and create workspaces, a share link and its new audit ids', async () => {
    gw = await startTestGateway({ database: url, reuse: { dataDir: await mkdtemp(path.join(dir, 'gw-')), password: ADMIN_PASSWORD } });
    const alice = new HttpSession(gw.url);
    expect(await alice.login('alice', ALICE_PASSWORD)).not.toContain('error');
    const listed = await alice.fetch('/api/trpc/workspaces.list');
    expect(listed.status).toBe(200);
    const names = ((await listed.json()) as { result: { data: { name: string }[] } }).result.data.map((w) => w.name);
    expect(names).toEqual(['project']);
    await alice.mutation('workspaces.create', { name: 'second' });
    const again = ((await (await alice.fetch('/api/trpc/workspaces.list')).json()) as { result: { data: { name: string }[] } }).result.data.map((w) => w.name);
    expect(again).toEqual(['project', 'second']);

    // The copied share link still opens (its hash was copied), and a guest is recorded in Postgres.
    const res = await fetch(`${gw.url}/s/${shareToken}`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(/tether_share=/);
    const events = await gw.tether.audit.list({ action: 'share' });
    expect(events[0]?.action).toBe('share.joined');
    // New audit rows get ids after the copied ones (the sequence was moved on).
    const ids = (await gw.tether.audit.list()).map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
