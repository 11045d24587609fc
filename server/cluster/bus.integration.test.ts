/**
 * The cluster bus between gateways: over one SQLite file (two handles, as two gateway processes
 * have) and over a real Postgres (LISTEN/NOTIFY), including a database restart.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../db/database';
import { silentLogger } from '../log';
import { startPostgres, type TestPostgres } from '../testing/postgres';
import { ClusterBus, type ClusterPayload } from './bus';
import { postgresTransport } from './pg-bus';
import { sqliteTransport } from './sqlite-bus';

type Got = { data: ClusterPayload<'sockets.user'>; sender: string }[];

function collect(bus: ClusterBus): Got {
  const got: Got = [];
  bus.subscribe('sockets.user', (data, sender) => got.push({ data, sender }));
  return got;
}

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('cluster bus over one SQLite file', () => {
  let dir: string;
  const handles: DatabaseHandle[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tether-bus-'));
  });
  afterAll(async () => {
    for (const h of handles) await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("delivers each gateway's events to the others, not back to itself, and drops malformed ones", async () => {
    const open = async () => {
      const h = await openDatabase(path.join(dir, 'tether.db'));
      handles.push(h);
      return h;
    };
    const [ha, hb] = [await open(), await open()];
    // An event sent before B started is not replayed to it.
    const early = new ClusterBus(sqliteTransport(ha, silentLogger, { pollMs: 20 }), silentLogger, 'early');
    early.publish('sockets.user', { userId: 'u0', reason: 'before' });
    const a = new ClusterBus(sqliteTransport(ha, silentLogger, { pollMs: 20 }), silentLogger, 'A');
    const b = new ClusterBus(sqliteTransport(hb, silentLogger, { pollMs: 20 }), silentLogger, 'B');
    await a.start();
    await b.start();
    const [gotA, gotB] = [collect(a), collect(b)];
    a.publish('sockets.user', { userId: 'u1', reason: 'disabled' });
    await ha.query('INSERT INTO cluster_events (sender, topic, payload, created_at) VALUES (?, ?, ?, ?)', ['X', 'sockets.user', JSON.stringify({ s: 'X', t: 'sockets.user', d: { userId: 42 } }), Date.now()]);
    b.publish('sockets.user', { userId: 'u2', reason: 'signed out everywhere' });
    await until(() => gotA.length >= 1 && gotB.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(gotB).toEqual([{ data: { userId: 'u1', reason: 'disabled' }, sender: 'A' }]);
    expect(gotA).toEqual([{ data: { userId: 'u2', reason: 'signed out everywhere' }, sender: 'B' }]);
    await Promise.all([a.close(), b.close(), early.close()]);
  });
});

describe('cluster events table pruning', () => {
  it('deletes rows older than a minute and never reuses an id, so a reader after a prune misses nothing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tether-bus-prune-'));
    const h = await openDatabase(path.join(dir, 'tether.db'));
    let now = 1_000_000;
    const a = new ClusterBus(sqliteTransport(h, silentLogger, { pollMs: 10, now: () => now }), silentLogger, 'A');
    const b = new ClusterBus(sqliteTransport(h, silentLogger, { pollMs: 10, now: () => now }), silentLogger, 'B');
    await a.start();
    await b.start();
    const got = collect(b);
    a.publish('sockets.user', { userId: 'old', reason: 'x' });
    await until(() => got.length === 1);
    now += 120_000; // two minutes on: the next poll prunes the old row
    await until(async () => Number((await h.query('SELECT COUNT(*) AS n FROM cluster_events'))[0]!.n) === 0);
    a.publish('sockets.user', { userId: 'new', reason: 'y' });
    await until(() => got.length === 2);
    expect(got.map((g) => g.data.userId)).toEqual(['old', 'new']);
    const ids = (await h.query('SELECT id FROM cluster_events')) as { id: number }[];
    expect(ids[0]!.id).toBe(2);
    await Promise.all([a.close(), b.close()]);
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });
});

describe('cluster bus over Postgres LISTEN/NOTIFY', () => {
  let pgs: TestPostgres;
  let url: string;
  beforeAll(async () => {
    pgs = await startPostgres();
    url = await pgs.database();
  }, 60_000);
  afterAll(async () => {
    await pgs?.close();
  });

  it('delivers between gateways, and again after the database restarted', async () => {
    const a = new ClusterBus(postgresTransport(url, silentLogger), silentLogger, 'A');
    const b = new ClusterBus(postgresTransport(url, silentLogger), silentLogger, 'B');
    await a.start();
    await b.start();
    const [gotA, gotB] = [collect(a), collect(b)];
    a.publish('sockets.user', { userId: 'u1', reason: 'disabled' });
    await until(() => gotB.length === 1);
    expect(gotB[0]).toEqual({ data: { userId: 'u1', reason: 'disabled' }, sender: 'A' });

    await pgs.stop();
    await until(() => !a.connected && !b.connected);
    await pgs.start();
    // Both LISTEN again by themselves (events sent while a listener is down are not replayed:
    // the database refuses what they would have closed at the next request anyway).
    await until(() => a.connected && b.connected, 30_000);
    a.publish('sockets.user', { userId: 'u2', reason: 'after restart' });
    await until(() => gotB.length === 2, 30_000);
    expect(gotB[1]!.data.userId).toBe('u2');
    b.publish('sockets.user', { userId: 'u3', reason: 'back' });
    await until(() => gotA.length === 1, 30_000);
    expect(gotA).toEqual([{ data: { userId: 'u3', reason: 'back' }, sender: 'B' }]);
    await Promise.all([a.close(), b.close()]);
  }, 90_000);
});
