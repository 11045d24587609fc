/** ShareService on a real SQLite file with a controlled clock: expiry, kicks and the audit. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserService } from '../auth/users';
import { openDatabase, type DatabaseHandle } from '../db/database';
import { silentLogger } from '../log';
import { MAX_ACTIVE_SHARES_PER_USER, MAX_GUESTS_PER_SHARE, ShareService } from './share-service';

let dir: string;
let dbh: DatabaseHandle;
let now: number;
let shares: ShareService;
let ownerId: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tether-shares-'));
  dbh = await openDatabase(path.join(dir, 'tether.db'));
  const users = new UserService(dbh);
  await users.ensureAdmin('owner', 'owner-password-123');
  ownerId = (await users.verify('owner', 'owner-password-123'))!.id;
  now = 1_000_000;
  shares = new ShareService(dbh, silentLogger, { now: () => now });
});
afterEach(async () => {
  shares.dispose();
  await dbh.close();
  await rm(dir, { recursive: true, force: true });
});

const create = (expiresInMs: number | null, scope: 'view' | 'drive' = 'view') =>
  shares.create(ownerId, { workspaceId: 'w1', sessionId: null, scope, label: 'l', expiresInMs }, '10.0.0.1');

describe('ShareService', () => {
  it('numbers guests per owner and authenticates them by cookie only', async () => {
    const { share, token } = await create(60_000);
    const a = await shares.join(token, '10.0.0.2');
    const b = await shares.join(token, '10.0.0.3');
    if (!a.ok || !b.ok) throw new Error('join failed');
    expect([a.value.principal.guest.name, b.value.principal.guest.name]).toEqual(['Guest 1', 'Guest 2']);
    expect(await shares.authenticate(share.id, a.value.cookie)).toMatchObject({ ok: true, value: { guest: { name: 'Guest 1' } } });
    // The other guest's secret with this guest's id is refused.
    const [idA] = a.value.cookie.split('.');
    const [, secretB] = b.value.cookie.split('.');
    expect(await shares.authenticate(share.id, `${idA}.${secretB}`)).toEqual({ ok: false, denial: 'not_found' });
    expect(a.value.maxAgeSeconds).toBe(60);
    // Numbering runs across the owner's links, so one presence list never shows two "Guest 1".
    const other = await shares.join((await create(null)).token, null);
    expect(other.ok && other.value.principal.guest.name).toBe('Guest 3');
  });

  it('expires by the clock and writes the expired event once, even with nobody connected', async () => {
    const { share, token } = await create(60_000);
    now += 60_000;
    expect(await shares.byToken(token)).toEqual({ ok: false, denial: 'expired' });
    expect(await shares.byToken(token)).toEqual({ ok: false, denial: 'expired' });
    const kinds = (await shares.audit(ownerId)).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'expired')).toHaveLength(1);
    expect((await shares.list(ownerId)).find((s) => s.id === share.id)?.state).toBe('expired');
  });

  it('keeps a link "until revoked" working until it is revoked', async () => {
    const { share, token } = await create(null);
    now += 365 * 24 * 3600_000;
    expect((await shares.byToken(token)).ok).toBe(true);
    expect(await shares.revoke(ownerId, share.id)).toBe(true);
    expect(await shares.byToken(token)).toEqual({ ok: false, denial: 'revoked' });
    expect(await shares.revoke('someone-else', share.id)).toBe(false);
  });

  it('closes only the kicked guest’s live handles, and says why', async () => {
    const { share, token } = await create(60_000);
    const a = await shares.join(token, null);
    const b = await shares.join(token, null);
    if (!a.ok || !b.ok) throw new Error('join failed');
    const closed: string[] = [];
    shares.attach(a.value.principal, (r) => closed.push(`a:${r}`));
    shares.attach(b.value.principal, (r) => closed.push(`b:${r}`));
    expect((await shares.list(ownerId))[0]).toMatchObject({ online: 2, joined: 2 });
    await shares.kick(ownerId, share.id, b.value.principal.guest.id);
    expect(closed).toEqual(['b:The owner removed you from this share.']);
    expect(await shares.authenticate(share.id, b.value.cookie)).toEqual({ ok: false, denial: 'kicked' });
    expect((await shares.list(ownerId))[0]?.online).toBe(1);
  });

  it('allows MAX_ACTIVE_SHARES_PER_USER working links; revoked and expired ones free their place', async () => {
    const made = [];
    for (let i = 0; i < MAX_ACTIVE_SHARES_PER_USER; i++) made.push(await create(60_000));
    await expect(create(null)).rejects.toThrow(/the limit is 50; revoke one first/);
    await shares.revoke(ownerId, made[0]!.share.id);
    await expect(create(null)).resolves.toBeDefined();
    now += 60_000; // the other 49 expire
    expect(() => create(null)).not.toThrow();
  });

  it('stops a link at MAX_GUESTS_PER_SHARE joins', async () => {
    const { token } = await create(null);
    for (let i = 0; i < MAX_GUESTS_PER_SHARE; i++) expect((await shares.join(token, null)).ok).toBe(true);
    expect(await shares.join(token, null)).toEqual({ ok: false, denial: 'full' });
  });
});
