/**
 * (w) the database's hot queries, Postgres vs SQLite in the same run: the workspace list, the
 * database part of session authentication (signed out? account active? sign-in session live?) and
 * the guest check of a share link (guest and share in one read). Each on a database holding 200
 * accounts with 5 workspaces, a sign-in session and a share with a guest each; p50/p99 of one
 * call in µs, and calls per second with one and with 16 in flight. Postgres is a throwaway
 * cluster on loopback (server/testing/postgres.ts): a round trip over TCP is part of the figure.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SignInSessions } from '../../server/auth/sign-in-sessions';
import { SignedOutSessions } from '../../server/auth/signed-out';
import { UserService } from '../../server/auth/users';
import { openDatabase, type DatabaseHandle, type Dialect } from '../../server/db/database';
import { silentLogger } from '../../server/log';
import { ShareService } from '../../server/sharing/share-service';
import { startPostgres } from '../../server/testing/postgres';
import { WorkspaceService } from '../../server/workspaces/workspace-service';
import { percentile } from './stats';

const ACCOUNTS = 200;
const WORKSPACES_EACH = 5;
const IN_FLIGHT = 16;

export interface QueryFigure {
  p50Us: number;
  p99Us: number;
  /** Calls per second, one at a time. */
  serialQps: number;
  /** Calls per second with IN_FLIGHT at once. */
  concurrentQps: number;
}

export type DbFigures = Record<Dialect, Record<'workspaceList' | 'sessionAuth' | 'shareCheck', QueryFigure>>;

interface Fixture {
  users: { id: string; sid: string; cookie: string; shareId: string }[];
  call: Record<keyof DbFigures['sqlite'], (i: number) => Promise<unknown>>;
  dispose(): void;
}

async function populate(dbh: DatabaseHandle, dir: string): Promise<Fixture> {
  const users = new UserService(dbh);
  const workspaces = new WorkspaceService(dbh, path.join(dir, 'ws'), dir);
  const signIns = new SignInSessions(dbh);
  const signedOut = new SignedOutSessions(dbh);
  const shares = new ShareService(dbh, silentLogger);
  const made: Fixture['users'] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    // Straight to insert (no scrypt per account: the figure is about reads).
    const id = `u${i}`;
    await dbh.db.insert(dbh.t.users).values({ id, name: `user${i}`, passwordHash: '!', role: 'user', createdAt: Date.now() });
    for (let w = 0; w < WORKSPACES_EACH; w++) await workspaces.record(id, `ws${w}`, { kind: 'cloud', root: `cloud:x${i}-${w}`, hostId: null, workerId: `x${i}-${w}` });
    const sid = await signIns.start(id, 'password', Date.now() + 3600_000, { ip: '127.0.0.1', userAgent: 'bench' });
    await signedOut.add(`jti-out-${i}`, Date.now() + 3600_000);
    const { share, token } = await shares.create(id, { workspaceId: 'w', sessionId: null, scope: 'view', label: '', expiresInMs: null }, null);
    const joined = await shares.join(token, null);
    if (!joined.ok) throw new Error('join failed');
    made.push({ id, sid, cookie: joined.value.cookie, shareId: share.id });
  }
  const pick = (i: number) => made[i % made.length]!;
  return {
    users: made,
    call: {
      workspaceList: (i) => workspaces.list(pick(i).id),
      // As userFromSessionCookie does it: two questions at once, then the sign-in session.
      sessionAuth: async (i) => {
        const u = pick(i);
        const [out, user] = await Promise.all([signedOut.has(`jti-${i}`), users.activeSession(u.id, Date.now())]);
        if (out || !user) throw new Error('refused');
        return signIns.use(u.id, u.sid, {});
      },
      shareCheck: async (i) => {
        const r = await shares.authenticate(pick(i).shareId, pick(i).cookie);
        if (!r.ok) throw new Error('guest refused');
      },
    },
    dispose: () => shares.dispose(),
  };
}

async function measure(fn: (i: number) => Promise<unknown>, rounds: number): Promise<QueryFigure> {
  for (let i = 0; i < Math.min(200, rounds); i++) await fn(i); // warm up (statement caches, JIT)
  const us: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    const s = performance.now();
    await fn(i);
    us.push((performance.now() - s) * 1000);
  }
  const serialQps = rounds / ((performance.now() - t0) / 1000);
  let next = 0;
  const t1 = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < rounds) await fn(next++);
    }),
  );
  const concurrentQps = rounds / ((performance.now() - t1) / 1000);
  return { p50Us: percentile(us, 50), p99Us: percentile(us, 99), serialQps, concurrentQps };
}

export async function dbFigures(opts: { quick: boolean }): Promise<DbFigures> {
  const rounds = opts.quick ? 500 : 3000;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tether-bench-db-'));
  const pg = await startPostgres();
  const out: Partial<DbFigures> = {};
  try {
    for (const dialect of ['sqlite', 'postgres'] as const) {
      const dbh = await openDatabase(dialect === 'postgres' ? await pg.database() : path.join(dir, 'bench.db'));
      const fx = await populate(dbh, dir);
      try {
        out[dialect] = {
          workspaceList: await measure(fx.call.workspaceList, rounds),
          sessionAuth: await measure(fx.call.sessionAuth, rounds),
          shareCheck: await measure(fx.call.shareCheck, rounds),
        };
      } finally {
        fx.dispose();
        await dbh.close();
      }
    }
  } finally {
    await pg.close();
    await rm(dir, { recursive: true, force: true });
  }
  return out as DbFigures;
}
