/** SignInSessions on a real SQLite file with a hand-moved clock: who may use a sid, the throttled
 * last-seen, and endings that stay ended. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../db/database';
import { SESSION_TOUCH_MS, SignInSessions } from './sign-in-sessions';
import { UserService } from './users';

let dir: string;
let dbh: DatabaseHandle;
let now = 1_000_000;
let sessions: SignInSessions;
let users: UserService;
let alice: string;
let bob: string;
const HOUR = 3600_000;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tether-sessions-'));
  dbh = await openDatabase(path.join(dir, 'tether.db'));
  users = new UserService(dbh);
  alice = (await users.create('alice', 'alice-password', 'user')).id;
  bob = (await users.create('bob', 'bob-password', 'user')).id;
  now = 1_000_000;
  sessions = new SignInSessions(dbh, () => now);
});
afterEach(async () => {
  await dbh.close();
  await rm(dir, { recursive: true, force: true });
});

it('lets only its own user use a live sid, until it expires', async () => {
  const sid = await sessions.start(alice, 'password', now + HOUR, { ip: '10.0.0.1', userAgent: 'Firefox' });
  expect(await sessions.use(alice, sid, {})).toBe(true);
  expect(await sessions.use(bob, sid, {})).toBe(false);
  expect(await sessions.use(alice, 'unknown', {})).toBe(false);
  now += HOUR;
  expect(await sessions.use(alice, sid, {})).toBe(false);
  expect(await sessions.live(alice)).toEqual([]);
});

it('updates last seen, address and browser at most once a minute, and truncates the browser', async () => {
  const sid = await sessions.start(alice, 'password', now + HOUR, { ip: '10.0.0.1', userAgent: 'x'.repeat(500) });
  expect((await sessions.live(alice))[0]!.userAgent).toHaveLength(200);
  const created = now;
  now += SESSION_TOUCH_MS - 1;
  await sessions.use(alice, sid, { ip: '10.0.0.2', userAgent: 'Chrome' });
  expect((await sessions.live(alice))[0]).toMatchObject({ lastSeenAt: created, ip: '10.0.0.1' });
  now += 1;
  await sessions.use(alice, sid, { ip: '10.0.0.2', userAgent: 'Chrome' });
  expect((await sessions.live(alice))[0]).toMatchObject({ lastSeenAt: now, ip: '10.0.0.2', userAgent: 'Chrome', createdAt: created });
});

it('ends for good: signed out or revoked, only by its owner; "everywhere else" keeps the one named', async () => {
  const a = await sessions.start(alice, 'password', now + HOUR, {});
  const b = await sessions.start(alice, 'oidc', now + HOUR, {});
  const c = await sessions.start(alice, 'github', now + HOUR, {});
  expect(await sessions.revoke(bob, a)).toBe(false);
  expect(await sessions.revoke(alice, a)).toBe(true);
  expect(await sessions.revoke(alice, a)).toBe(false);
  expect(await sessions.use(alice, a, {})).toBe(false);
  expect(await sessions.revokeOthers(alice, c)).toEqual([b]);
  expect((await sessions.live(alice)).map((s) => s.id)).toEqual([c]);
  await sessions.signOut(c);
  expect(await sessions.use(alice, c, {})).toBe(false);
  expect(await sessions.live(alice)).toEqual([]);
});

it('does not list sessions a password reset ended', async () => {
  const before = await sessions.start(alice, 'password', now + HOUR, {});
  await users.resetPassword(alice, 'a-new-password');
  // The reset stamps the real clock; sessions started after it are listed again.
  now = Date.now() + 1;
  const after = await sessions.start(alice, 'password', now + HOUR, {});
  expect((await sessions.live(alice)).map((s) => s.id)).toEqual([after]);
  expect(before).not.toBe(after);
});
