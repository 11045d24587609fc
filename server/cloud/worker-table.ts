/**
 * The orchestrator's record of cloud workers: the `cloud_workers` rows (the state that survives a
 * gateway restart) and what is kept in memory beside them for live workers (endpoint with its
 * secret, last touch, failed health checks). Reads, handles, and every state transition:
 * starting → ready (warm) or assigned, ready → assigned (claimed), anything → gone.
 */
import { and, count, eq, inArray, isNull, ne } from 'drizzle-orm';
import type { DatabaseHandle, Tables } from '../db/database';
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

export type Row = Tables['cloudWorkers']['$inferSelect'];

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

  constructor(private readonly dbh: DatabaseHandle) {}

  private get cloudWorkers() {
    return this.dbh.t.cloudWorkers;
  }

  /** Live (not gone) rows, of one user if given. */
  async rows(userId?: string): Promise<Row[]> {
    const { cloudWorkers } = this;
    const live = ne(cloudWorkers.state, 'gone');
    return this.dbh.db
      .select()
      .from(cloudWorkers)
      .where(userId === undefined ? live : and(live, eq(cloudWorkers.userId, userId)));
  }

  async row(workerId: string): Promise<Row | undefined> {
    const [row] = await this.dbh.db.select().from(this.cloudWorkers).where(eq(this.cloudWorkers.id, workerId));
    return row;
  }

  /** Ready and assigned rows: the workers health checks look at. */
  async running(): Promise<Row[]> {
    return this.dbh.db.select().from(this.cloudWorkers).where(inArray(this.cloudWorkers.state, LIVE));
  }

  async assigned(): Promise<Row[]> {
    return this.dbh.db.select().from(this.cloudWorkers).where(eq(this.cloudWorkers.state, 'assigned'));
  }

  /** Rows per state, gone ones (history) included. */
  async countByState(): Promise<Record<CloudWorkerState, number>> {
    const { cloudWorkers } = this;
    const byState: Record<CloudWorkerState, number> = { starting: 0, ready: 0, assigned: 0, gone: 0 };
    const counts = await this.dbh.db.select({ state: cloudWorkers.state, n: count() }).from(cloudWorkers).groupBy(cloudWorkers.state);
    for (const { state, n } of counts) byState[state] = n;
    return byState;
  }

  /** Workers of `size` starting or waiting for a user. */
  async warmCount(size: WorkerSize): Promise<number> {
    const { cloudWorkers } = this;
    return this.dbh.db.$count(cloudWorkers, and(inArray(cloudWorkers.state, ['starting', 'ready']), isNull(cloudWorkers.userId), eq(cloudWorkers.size, size)));
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
      const { cloudWorkers } = this;
      this.dbh.db
        .update(cloudWorkers)
        .set({ lastUsedAt: now })
        .where(eq(cloudWorkers.id, workerId))
        .catch(() => this.touchPersisted.delete(workerId)); // written again at the next touch
    }
  }

  /** A worker of the database found running after a restart: remember its endpoint (and its new url). */
  async adopt(row: Row, endpoint: WorkerEndpoint): Promise<void> {
    this.endpoints.set(row.id, endpoint);
    const { cloudWorkers } = this;
    if (endpoint.url !== row.url) await this.dbh.db.update(cloudWorkers).set({ url: endpoint.url }).where(eq(cloudWorkers.id, row.id));
  }

  /**
   * Move a ready worker of `size` to `userId`, atomically on both databases and across gateways:
   * the update only takes a row still ready and unowned, so of two claims of one worker exactly
   * one gets it and the other tries the next.
   */
  async claimWarm(userId: string, size: WorkerSize): Promise<Row | undefined> {
    const { cloudWorkers } = this;
    const unclaimed = and(eq(cloudWorkers.state, 'ready'), eq(cloudWorkers.size, size), isNull(cloudWorkers.userId));
    for (;;) {
      const [warm] = await this.dbh.db.select().from(cloudWorkers).where(unclaimed).orderBy(cloudWorkers.createdAt).limit(1);
      if (!warm) return undefined;
      const now = Date.now();
      const [claimed] = await this.dbh.db
        .update(cloudWorkers)
        .set({ userId, state: 'assigned', lastUsedAt: now })
        .where(and(eq(cloudWorkers.id, warm.id), unclaimed))
        .returning();
      if (!claimed) continue;
      this.lastUsed.set(claimed.id, now);
      return claimed;
    }
  }

  /** The row of a worker about to be started; it counts against the user's limit from now on. */
  async insertStarting(id: string, userId: string | null, size: WorkerSize): Promise<void> {
    await this.dbh.db.insert(this.cloudWorkers).values({ id, userId, size, state: 'starting', createdAt: Date.now() });
  }

  /** Starting → ready (warm) or assigned (to `userId`): the new state, or null if it is no longer starting (released meanwhile). */
  async markStarted(id: string, userId: string | null, endpoint: WorkerEndpoint): Promise<'ready' | 'assigned' | null> {
    const { cloudWorkers } = this;
    const state = userId ? 'assigned' : 'ready';
    // A user's idle clock starts when the worker is handed over, not when it was asked for.
    const lastUsedAt = userId ? Date.now() : null;
    const started = await this.dbh.db
      .update(cloudWorkers)
      .set({ state, url: endpoint.url, lastUsedAt })
      .where(and(eq(cloudWorkers.id, id), eq(cloudWorkers.state, 'starting')))
      .returning({ id: cloudWorkers.id });
    if (started.length === 0) return null;
    this.endpoints.set(id, endpoint);
    if (lastUsedAt) this.lastUsed.set(id, lastUsedAt);
    return state;
  }

  /** Persist gone and forget the worker; false if it already was. */
  async markGone(workerId: string): Promise<boolean> {
    const { cloudWorkers } = this;
    this.endpoints.delete(workerId);
    this.failures.delete(workerId);
    this.lastUsed.delete(workerId);
    this.touchPersisted.delete(workerId);
    const result = await this.dbh.db
      .update(cloudWorkers)
      .set({ state: 'gone', releasedAt: Date.now() })
      .where(and(eq(cloudWorkers.id, workerId), ne(cloudWorkers.state, 'gone')))
      .returning({ id: cloudWorkers.id });
    return result.length > 0;
  }
}
