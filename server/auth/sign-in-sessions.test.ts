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
  dbh = openDatabase(path.join(dir, 'tether.db'));
  users = new UserService(dbh.db);
  alice = (await users.create('alice', 'alice-password', 'user')).id;
  bob = (await users.create('bob', 'bob-password', 'user')).id;
  now = 1_000_000;
  sessions = new SignInSessions(dbh.db, () => now);
});
afterEach(async () => {
  dbh.close();
  await rm(dir, { recursive: true, force: true });
});

it('lets only its own user use a live sid, until it expires', () => {
  const sid = sessions.start(alice, 'password', now + HOUR, { ip: '10.0.0.1', userAgent: 'Firefox' });
  expect(sessions.use(alice, sid, {})).toBe(true);
  expect(sessions.use(bob, sid, {})).toBe(false);
  expect(sessions.use(alice, 'unknown', {})).toBe(false);
  now += HOUR;
  expect(sessions.use(alice, sid, {})).toBe(false);
  expect(sessions.live(alice)).toEqual([]);
});

it('updates last seen, address and browser at most once a minute, and truncates the browser', () => {
  const sid = sessions.start(alice, 'password', now + HOUR, { ip: '10.0.0.1', userAgent: 'x'.repeat(500) });
  expect(sessions.live(alice)[0]!.userAgent).toHaveLength(200);
  const created = now;
  now += SESSION_TOUCH_MS - 1;
  sessions.use(alice, sid, { ip: '10.0.0.2', userAgent: 'Chrome' });
  expect(sessions.live(alice)[0]).toMatchObject({ lastSeenAt: created, ip: '10.0.0.1' });
  now += 1;
  sessions.use(alice, sid, { ip: '10.0.0.2', userAgent: 'Chrome' });
  expect(sessions.live(alice)[0]).toMatchObject({ lastSeenAt: now, ip: '10.0.0.2', userAgent: 'Chrome', createdAt: created });
});

it('ends for good: signed out or revoked, only by its owner; "everywhere else" keeps the one named', () => {
  const a = sessions.start(alice, 'password', now + HOUR, {});
  const b = sessions.start(alice, 'oidc', now + HOUR, {});
  const c = sessions.start(alice, 'github', now + HOUR, {});
  expect(sessions.revoke(bob, a)).toBe(false);
  expect(sessions.revoke(alice, a)).toBe(true);
  expect(sessions.revoke(alice, a)).toBe(false);
  expect(sessions.use(alice, a, {})).toBe(false);
  expect(sessions.revokeOthers(alice, c)).toEqual([b]);
  expect(sessions.live(alice).map((s) => s.id)).toEqual([c]);
  sessions.signOut(c);
  expect(sessions.use(alice, c, {})).toBe(false);
  expect(sessions.live(alice)).toEqual([]);
});

it('does not list sessions a password reset ended', async () => {
  const before = sessions.start(alice, 'password', now + HOUR, {});
  await users.resetPassword(alice, 'a-new-password');
  // The reset stamps the real clock; sessions started after it are listed again.
  now = Date.now() + 1;
  const after = sessions.start(alice, 'password', now + HOUR, {});
  expect(sessions.live(alice).map((s) => s.id)).toEqual([after]);
  expect(before).not.toBe(after);
});
