/**
 * The orchestrator's record of cloud workers: the `cloud_workers` rows (the state that survives a
 * gateway restart) and what is kept in memory beside them for live workers (endpoint with its
 * secret, last touch, failed health checks). Reads, handles, and every state transition:
 * starting → ready (warm) or assigned, ready → assigned (claimed), anything → gone.
 */
import { and, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import { cloudWorkers } from '../db/schema';
import type { WorkerEndpoint, WorkerSize } from './provider';

export type CloudWorkerState = 'starting' | 'ready' | 'assigned' | 'gone';

export interface WorkerHandle {
  id: string;
  /** Null while the worker waits in the warm pool. */
  userId: string | null;
  size: WorkerSize;
  state: CloudWorkerState;
  /** Null unless ready or assigned. Its secret must never be sent to a browser. */
  endpoint: WorkerEndpoint | null;
  createdAt: number;
  lastUsedAt: number | null;
}

export type Row = typeof cloudWorkers.$inferSelect;

/** `touch()` updates the idle clock in memory at once but the database at most this often per worker. */
const TOUCH_PERSIST_MS = 5_000;
const LIVE: CloudWorkerState[] = ['ready', 'assigned'];

export class WorkerTable {
  /** Endpoints (with secrets) of live workers. */
  readonly endpoints = new Map<string, WorkerEndpoint>();
  /** Consecutive failed health checks per worker. */
  readonly failures = new Map<string, number>();
  /** Last touch per worker, ahead of the (throttled) database. */
  readonly lastUsed = new Map<string, number>();
  /** When touch() last wrote each worker's last use to the database. */
  private readonly touchPersisted = new Map<string, number>();

  constructor(private readonly db: Db) {}

  /** Live (not gone) rows, of one user if given. */
  rows(userId?: string): Row[] {
    const live = ne(cloudWorkers.state, 'gone');
    return this.db
      .select()
      .from(cloudWorkers)
      .where(userId === undefined ? live : and(live, eq(cloudWorkers.userId, userId)))
      .all();
  }

  row(workerId: string): Row | undefined {
    return this.db.select().from(cloudWorkers).where(eq(cloudWorkers.id, workerId)).get();
  }

  /** Ready and assigned rows: the workers health checks look at. */
  running(): Row[] {
    return this.db.select().from(cloudWorkers).where(inArray(cloudWorkers.state, LIVE)).all();
  }

  assigned(): Row[] {
    return this.db.select().from(cloudWorkers).where(eq(cloudWorkers.state, 'assigned')).all();
  }

  /** Rows per state, gone ones (history) included. */
  countByState(): Record<CloudWorkerState, number> {
    const byState: Record<CloudWorkerState, number> = { starting: 0, ready: 0, assigned: 0, gone: 0 };
    const counts = this.db
      .select({ state: cloudWorkers.state, n: sql<number>`count(*)` })
      .from(cloudWorkers)
      .groupBy(cloudWorkers.state)
      .all();
    for (const { state, n } of counts) byState[state] = n;
    return byState;
  }

  /** Workers of `size` starting or waiting for a user. */
  warmCount(size: WorkerSize): number {
    return this.db
      .select({ id: cloudWorkers.id })
      .from(cloudWorkers)
      .where(and(inArray(cloudWorkers.state, ['starting', 'ready']), isNull(cloudWorkers.userId), eq(cloudWorkers.size, size)))
      .all().length;
  }

  handle(row: Row): WorkerHandle {
    return {
      id: row.id,
      userId: row.userId,
      size: row.size,
      state: row.state,
      endpoint: this.endpoints.get(row.id) ?? null,
      createdAt: row.createdAt,
      lastUsedAt: Math.max(this.lastUsed.get(row.id) ?? 0, row.lastUsedAt ?? 0) || null,
    };
  }

  /** Record use of an assigned worker (resets its idle clock). */
  touch(workerId: string): void {
    if (!this.endpoints.has(workerId)) return;
    const now = Date.now();
    this.lastUsed.set(workerId, now);
    // Called on every keystroke: remember when we last wrote instead of reading the row each time.
    if (now - (this.touchPersisted.get(workerId) ?? 0) >= TOUCH_PERSIST_MS) {
      this.touchPersisted.set(workerId, now);
      this.db.update(cloudWorkers).set({ lastUsedAt: now }).where(eq(cloudWorkers.id, workerId)).run();
    }
  }

  /** A worker of the database found running after a restart: remember its endpoint (and its new url). */
  adopt(row: Row, endpoint: WorkerEndpoint): void {
    this.endpoints.set(row.id, endpoint);
    if (endpoint.url !== row.url) this.db.update(cloudWorkers).set({ url: endpoint.url }).where(eq(cloudWorkers.id, row.id)).run();
  }

  /** Atomically (SQLite calls are synchronous) move a ready worker of `size` to `userId`. */
  claimWarm(userId: string, size: WorkerSize): Row | undefined {
    const now = Date.now();
    return this.db.transaction((tx) => {
      const warm = tx
        .select()
        .from(cloudWorkers)
        .where(and(eq(cloudWorkers.state, 'ready'), eq(cloudWorkers.size, size), isNull(cloudWorkers.userId)))
        .orderBy(cloudWorkers.createdAt)
        .get();
      if (!warm) return undefined;
      tx.update(cloudWorkers).set({ userId, state: 'assigned', lastUsedAt: now }).where(eq(cloudWorkers.id, warm.id)).run();
      this.lastUsed.set(warm.id, now);
      return { ...warm, userId, state: 'assigned' as const, lastUsedAt: now };
    });
  }

  /** The row of a worker about to be started; it counts against the user's limit from now on. */
  insertStarting(id: string, userId: string | null, size: WorkerSize): void {
    this.db.insert(cloudWorkers).values({ id, userId, size, state: 'starting', createdAt: Date.now() }).run();
  }

  /** Starting → ready (warm) or assigned (to `userId`): the new state, or null if it is no longer starting (released meanwhile). */
  markStarted(id: string, userId: string | null, endpoint: WorkerEndpoint): 'ready' | 'assigned' | null {
    const state = userId ? 'assigned' : 'ready';
    // A user's idle clock starts when the worker is handed over, not when it was asked for.
    const lastUsedAt = userId ? Date.now() : null;
    const started = this.db
      .update(cloudWorkers)
      .set({ state, url: endpoint.url, lastUsedAt })
      .where(and(eq(cloudWorkers.id, id), eq(cloudWorkers.state, 'starting')))
      .run();
    if (started.changes === 0) return null;
    this.endpoints.set(id, endpoint);
    if (lastUsedAt) this.lastUsed.set(id, lastUsedAt);
    return state;
  }

  /** Persist gone and forget the worker; false if it already was. */
  markGone(workerId: string): boolean {
    this.endpoints.delete(workerId);
    this.failures.delete(workerId);
    this.lastUsed.delete(workerId);
    this.touchPersisted.delete(workerId);
    const result = this.db
      .update(cloudWorkers)
      .set({ state: 'gone', releasedAt: Date.now() })
      .where(and(eq(cloudWorkers.id, workerId), ne(cloudWorkers.state, 'gone')))
      .run();
    return result.changes > 0;
  }
}
