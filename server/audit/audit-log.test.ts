/** AuditLog on a real SQLite file: recording, filters, paging, retention and the secret scrub. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../db/database';
import { auditEvents } from '../db/schema';
import { silentLogger } from '../log';
import { AuditLog, scrubDetail } from './audit-log';

let dir: string;
let dbh: DatabaseHandle;
let audit: AuditLog;
const alice = { id: 'u-alice', name: 'alice' };
const bob = { id: 'u-bob', name: 'bob' };

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tether-audit-'));
  dbh = await openDatabase(path.join(dir, 'tether.db'));
  audit = new AuditLog(dbh, silentLogger);
});
afterEach(async () => {
  await dbh.close();
  await rm(dir, { recursive: true, force: true });
});

it('lists newest first and filters by area, exact action, actor name or id, and target', async () => {
  audit.record({ action: 'auth.sign-in', actor: alice, detail: { method: 'password' }, ip: '127.0.0.1' });
  audit.record({ action: 'auth.sign-in-failed', detail: { username: 'mallory' }, ip: '127.0.0.1' });
  audit.record({ action: 'token.created', actor: bob, target: 'token:t1', detail: { name: 'ci' } });
  audit.record({ action: 'user.disabled', actor: alice, target: 'user:bob' });

  expect((await audit.list()).map((e) => e.action)).toEqual(['user.disabled', 'token.created', 'auth.sign-in-failed', 'auth.sign-in']);
  expect((await audit.list({ action: 'auth' })).map((e) => e.action)).toEqual(['auth.sign-in-failed', 'auth.sign-in']);
  expect((await audit.list({ action: 'auth.sign-in' })).map((e) => e.action)).toEqual(['auth.sign-in']);
  expect((await audit.list({ who: 'alice' })).map((e) => e.action)).toEqual(['user.disabled', 'auth.sign-in']);
  expect((await audit.list({ who: 'u-bob' })).map((e) => e.action)).toEqual(['token.created']);
  expect((await audit.list({ who: 'user:bob' })).map((e) => e.action)).toEqual(['user.disabled']);
  // A LIKE wildcard in the area is not a wildcard.
  expect(await audit.list({ action: '%' })).toEqual([]);
  const [signIn] = await audit.list({ action: 'auth.sign-in' });
  expect(signIn).toMatchObject({ actorId: 'u-alice', actorName: 'alice', detail: { method: 'password' }, ip: '127.0.0.1' });
});

it('pages by id and caps the page size', async () => {
  for (let i = 0; i < 250; i++) audit.record({ action: 'token.created', actor: alice, detail: { n: i } });
  const first = await audit.list({ limit: 1000 });
  expect(first).toHaveLength(200);
  expect(first[0]!.detail.n).toBe(249);
  const next = await audit.list({ before: first[first.length - 1]!.id, limit: 100 });
  expect(next[0]!.detail.n).toBe(49);
  expect(next).toHaveLength(50);
});

it('never stores a secret, whatever the caller passes', async () => {
  audit.record({
    action: 'auth.sign-in-failed',
    detail: { username: 'alice', password: 'hunter2', apiToken: 'x', value: 'tth_' + 'a'.repeat(43), share: 'tsh_abc', cookie: 'c', random: 'A'.repeat(43) },
  });
  await audit.flush();
  const raw = JSON.stringify(await dbh.query('SELECT * FROM audit_events'));
  for (const secret of ['hunter2', 'tth_', 'tsh_', 'A'.repeat(43)]) expect(raw).not.toContain(secret);
  expect((await audit.list())[0]!.detail).toEqual({ username: 'alice', password: '[redacted]', apiToken: '[redacted]', value: '[redacted]', share: '[redacted]', cookie: '[redacted]', random: '[redacted]' });
  expect(scrubDetail({ note: 'a long note '.repeat(50) }).note).toHaveLength(200);
});

it('drops events older than the retention when it starts', async () => {
  await dbh.db.insert(dbh.t.auditEvents).values({ at: Date.now() - 40 * 24 * 3600_000, action: 'auth.sign-in' });
  await dbh.db.insert(dbh.t.auditEvents).values({ at: Date.now() - 10 * 24 * 3600_000, action: 'auth.sign-out' });
  const kept = new AuditLog(dbh, silentLogger, 30);
  expect((await kept.list()).map((e) => e.action)).toEqual(['auth.sign-out']);
});
