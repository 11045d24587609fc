/**
 * Cloud worker orchestrator: hands users workers from a provider, keeps a small pool of warm
 * (already listening) workers so that most acquires start no process, watches workers' health and
 * releases idle ones. Every state change is written to `cloud_workers` first, so a restarted
 * gateway re-adopts the workers that still run (they outlive it) and reports the others as lost.
 *
 * States: starting → ready (warm, no user) → assigned → gone; a cold acquire goes starting →
 * assigned. Gone is final; the row stays as history. A worker's secret never enters the database:
 * it comes from the provider and is kept in memory.
 *
 * Idle means "not touched": `touch()` is called on terminal and file activity, and an assigned
 * worker without a touch for `idleReleaseMs` is released by a sweep that runs with the health
 * checks. Workers that die, fail `deadAfterFailures` health checks in a row, are idle-released,
 * or did not survive a restart are reported through `onLost`; explicit `release()` is not.
 */
import { and, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import http from 'node:http';
import { randomId } from '../../lib/shared/ids';
import type { Db } from '../db/database';
import { cloudWorkers } from '../db/schema';
import type { Logger } from '../log';
import type { WorkerEndpoint, WorkerProvider, WorkerSize } from './provider';
import { TetherError } from '../errors';

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

export interface PoolStatus {
  /** Ready workers waiting for a user. */
  warm: number;
  /** How many warm workers the pool aims for (warmPoolSize × warmSizes). */
  warmTarget: number;
  starting: number;
  assigned: number;
  /** Rows per state, gone ones (history) included. */
  byState: Record<CloudWorkerState, number>;
}

export interface OrchestratorOptions {
  db: Db;
  provider: WorkerProvider;
  log: Logger;
  /** Warm workers kept per size in `warmSizes`. Default 1. */
  warmPoolSize?: number;
  /** Sizes the warm pool holds. Default ['small']. */
  warmSizes?: WorkerSize[];
  /** Live (starting or assigned) workers per user. Default 3. */
  maxWorkersPerUser?: number;
  /** Default 30 minutes. */
  idleReleaseMs?: number;
  /** Health checks and the idle sweep run this often. Default 5 s. */
  healthIntervalMs?: number;
  /** Consecutive failed health checks after which a worker is gone. Default 2. */
  deadAfterFailures?: number;
  /** Metrics: time to hand out a worker, warm or cold. */
  observe?: { cloudAcquired(seconds: number, warm: boolean): void };
}

export class OrchestratorError extends TetherError {
  constructor(
    readonly code: 'limit' | 'unavailable',
    message: string,
  ) {
    super(code, message);
  }
}

const HEALTH_TIMEOUT_MS = 1_000;
/** `touch()` updates the idle clock in memory at once but the database at most this often per worker. */
const TOUCH_PERSIST_MS = 5_000;
const LIVE: CloudWorkerState[] = ['ready', 'assigned'];

type Row = typeof cloudWorkers.$inferSelect;
type LostListener = (workerId: string, reason: string) => void;

export class Orchestrator {
  private readonly db: Db;
  private readonly provider: WorkerProvider;
  private readonly log: Logger;
  private readonly warmPoolSize: number;
  private readonly warmSizes: WorkerSize[];
  private readonly maxWorkersPerUser: number;
  private readonly idleReleaseMs: number;
  private readonly healthIntervalMs: number;
  private readonly deadAfterFailures: number;

  /** Endpoints (with secrets) of live workers. */
  private readonly endpoints = new Map<string, WorkerEndpoint>();
  private readonly failures = new Map<string, number>();
  /** Last touch per worker, ahead of the (throttled) database. */
  private readonly lastUsed = new Map<string, number>();
  /** When touch() last wrote each worker's last use to the database. */
  private readonly touchPersisted = new Map<string, number>();
  /** Sizes whose warm pool is being filled (one fill per size at a time). */
  private readonly filling = new Set<WorkerSize>();
  /** Provider calls in flight, awaited by stop() and destroyAll(). */
  private readonly pending = new Set<Promise<unknown>>();
  private readonly lostListeners = new Set<LostListener>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly observe: OrchestratorOptions['observe'];

  constructor(opts: OrchestratorOptions) {
    this.observe = opts.observe;
    this.db = opts.db;
    this.provider = opts.provider;
    this.log = opts.log;
    this.warmPoolSize = opts.warmPoolSize ?? 1;
    this.warmSizes = opts.warmSizes ?? ['small'];
    this.maxWorkersPerUser = opts.maxWorkersPerUser ?? 3;
    this.idleReleaseMs = opts.idleReleaseMs ?? 30 * 60_000;
    this.healthIntervalMs = opts.healthIntervalMs ?? 5_000;
    this.deadAfterFailures = opts.deadAfterFailures ?? 2;
  }

  /** Re-adopt the workers of the database that still run, report the rest lost, reap the provider's orphans; then health checks and the warm pool start. */
  async start(): Promise<void> {
    const known = new Map((await this.provider.list()).map((w) => [w.id, w]));
    const rows = this.rows();
    for (const row of rows) {
      const endpoint = known.get(row.id)?.endpoint;
      if (row.state !== 'starting' && endpoint) {
        this.adopt(row, endpoint);
      } else {
        this.markLost(row.id, row.state === 'starting' ? 'the gateway restarted while it was starting' : 'it did not survive a gateway restart');
      }
    }
    // Left over from workers gone earlier (a failed clean-up) or never recorded (a lost database).
    const handled = new Set(rows.map((r) => r.id));
    for (const w of known.values()) {
      if (handled.has(w.id)) continue;
      this.log.info('removing a cloud worker without a live database row', { workerId: w.id, state: w.state });
      this.background(this.provider.destroy(w.id), 'destroying an orphaned cloud worker');
    }
    this.running = true;
    this.schedule();
    this.fillPools();
  }

  /**
   * Stop health checks, the idle sweep and pool refills, after the provider calls under way.
   * Assigned workers keep running (the next start re-adopts them); with `releaseWarm`, idle warm
   * ones are ended, so a gateway without cloud workspaces leaves no process behind.
   */
  async stop(opts: { releaseWarm?: boolean } = {}): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.settled();
    if (opts.releaseWarm) {
      const warm = this.rows().filter((r) => r.state === 'ready' && r.userId === null);
      await Promise.all(warm.map((r) => this.release(r.id)));
    }
  }

  /** A worker for `userId`: a warm one of that size if there is one (no process start), else a new one. */
  async acquire(userId: string, size: WorkerSize): Promise<WorkerHandle & { userId: string; endpoint: WorkerEndpoint }> {
    const started = performance.now();
    const worker = await this.acquireOnce(userId, size);
    this.observe?.cloudAcquired((performance.now() - started) / 1000, worker.warm);
    return worker.handle;
  }

  private async acquireOnce(userId: string, size: WorkerSize): Promise<{ handle: WorkerHandle & { userId: string; endpoint: WorkerEndpoint }; warm: boolean }> {
    const count = this.rows(userId).length;
    if (count >= this.maxWorkersPerUser) {
      throw new OrchestratorError(
        'limit',
        `you already have ${count} cloud workers (at most ${this.maxWorkersPerUser}); release one before starting another`,
      );
    }
    const warm = this.claimWarm(userId, size);
    if (!warm) return { handle: await this.createFor(userId, size), warm: false };
    this.fillPools();
    const endpoint = this.endpoints.get(warm.id)!;
    const unhealthy = await checkHealth(endpoint.url);
    if (!unhealthy) return { handle: { ...this.handle(warm), userId, endpoint }, warm: true };
    this.markLost(warm.id, `it failed its health check when handed out (${unhealthy})`);
    return this.acquireOnce(userId, size);
  }

  /** Destroy the worker (and the workspaces on it). Idempotent. */
  async release(workerId: string): Promise<void> {
    const row = this.row(workerId);
    if (!row || row.state === 'gone') return;
    this.markGone(workerId);
    this.log.info('cloud worker released', { workerId, userId: row.userId });
    await this.track(this.provider.destroy(workerId));
    this.fillPools();
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

  get(workerId: string): WorkerHandle | null {
    const row = this.row(workerId);
    return row ? this.handle(row) : null;
  }

  /** Live (not gone) workers, of one user if given. */
  list(userId?: string): WorkerHandle[] {
    return this.rows(userId).map((r) => this.handle(r));
  }

  poolStatus(): PoolStatus {
    const byState: Record<CloudWorkerState, number> = { starting: 0, ready: 0, assigned: 0, gone: 0 };
    const counts = this.db
      .select({ state: cloudWorkers.state, n: sql<number>`count(*)` })
      .from(cloudWorkers)
      .groupBy(cloudWorkers.state)
      .all();
    for (const { state, n } of counts) byState[state] = n;
    const warmTarget = this.warmPoolSize * this.warmSizes.length;
    return { warm: byState.ready, warmTarget, starting: byState.starting, assigned: byState.assigned, byState };
  }

  /** Called with the id of a worker that is gone without release(), and why. Returns an unsubscribe function. */
  onLost(listener: LostListener): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  /** For tests: stop, then destroy every worker of the database and of the provider. */
  async destroyAll(): Promise<void> {
    await this.stop();
    const ids = new Set([...this.rows().map((r) => r.id), ...(await this.provider.list()).map((w) => w.id)]);
    for (const id of ids) this.markGone(id);
    await Promise.all([...ids].map((id) => this.provider.destroy(id)));
  }

  private rows(userId?: string): Row[] {
    const live = ne(cloudWorkers.state, 'gone');
    return this.db
      .select()
      .from(cloudWorkers)
      .where(userId === undefined ? live : and(live, eq(cloudWorkers.userId, userId)))
      .all();
  }

  private row(workerId: string): Row | undefined {
    return this.db.select().from(cloudWorkers).where(eq(cloudWorkers.id, workerId)).get();
  }

  private handle(row: Row): WorkerHandle {
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

  private adopt(row: Row, endpoint: WorkerEndpoint): void {
    this.endpoints.set(row.id, endpoint);
    if (endpoint.url !== row.url) this.db.update(cloudWorkers).set({ url: endpoint.url }).where(eq(cloudWorkers.id, row.id)).run();
    this.log.info('cloud worker re-adopted', { workerId: row.id, state: row.state });
  }

  /** Atomically (SQLite calls are synchronous) move a ready worker of `size` to `userId`. */
  private claimWarm(userId: string, size: WorkerSize): Row | undefined {
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

  /** Cold start for a user. The row exists (and counts against the limit) from the first moment. */
  private async createFor(userId: string, size: WorkerSize): Promise<WorkerHandle & { userId: string; endpoint: WorkerEndpoint }> {
    const row = await this.create(size, userId);
    return { ...this.handle(row), userId, endpoint: this.endpoints.get(row.id)! };
  }

  /** Insert a starting row, start the worker, then make it ready (warm) or assigned — unless it was released meanwhile. */
  private async create(size: WorkerSize, userId: string | null): Promise<Row> {
    const id = randomId();
    this.db.insert(cloudWorkers).values({ id, userId, size, state: 'starting', createdAt: Date.now() }).run();
    let endpoint: WorkerEndpoint;
    try {
      endpoint = (await this.track(this.provider.create({ id, size }))).endpoint;
    } catch (err) {
      this.markGone(id);
      const message = (err as Error).message;
      this.log.error('cloud worker failed to start', { workerId: id, error: message });
      // Users get the first line; the agent's log that may follow is for the server log only.
      throw new OrchestratorError('unavailable', `could not start a cloud worker: ${message.split('\n')[0]}`);
    }
    const state = userId ? 'assigned' : 'ready';
    // A user's idle clock starts when the worker is handed over, not when it was asked for.
    const lastUsedAt = userId ? Date.now() : null;
    const started = this.db
      .update(cloudWorkers)
      .set({ state, url: endpoint.url, lastUsedAt })
      .where(and(eq(cloudWorkers.id, id), eq(cloudWorkers.state, 'starting')))
      .run();
    if (started.changes === 0) {
      await this.track(this.provider.destroy(id));
      throw new OrchestratorError('unavailable', 'the cloud worker was released while it started');
    }
    this.endpoints.set(id, endpoint);
    if (lastUsedAt) this.lastUsed.set(id, lastUsedAt);
    this.log.info('cloud worker ready', { workerId: id, userId, size, state });
    return this.row(id)!;
  }

  private fillPools(): void {
    for (const size of this.warmSizes) void this.fill(size);
  }

  /** Start warm workers of `size` one after another until the pool is full; one fill per size at a time. */
  private async fill(size: WorkerSize): Promise<void> {
    if (this.filling.has(size) || !this.running) return;
    this.filling.add(size);
    try {
      while (this.running && this.warmCount(size) < this.warmPoolSize) await this.create(size, null);
    } catch {
      // Logged by create(); the next health round tries again.
    } finally {
      // Synchronously with the last count: an acquire after this point starts a new fill.
      this.filling.delete(size);
    }
  }

  private warmCount(size: WorkerSize): number {
    return this.db
      .select({ id: cloudWorkers.id })
      .from(cloudWorkers)
      .where(and(inArray(cloudWorkers.state, ['starting', 'ready']), isNull(cloudWorkers.userId), eq(cloudWorkers.size, size)))
      .all().length;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => void this.round().finally(() => this.schedule()), this.healthIntervalMs);
    this.timer.unref();
  }

  /** One health round over the live workers, then the idle sweep and pool refills. */
  private async round(): Promise<void> {
    const live = this.db.select().from(cloudWorkers).where(inArray(cloudWorkers.state, LIVE)).all();
    await Promise.all(live.map((row) => this.checkWorker(row)));
    if (!this.running) return;
    this.sweepIdle();
    this.fillPools();
  }

  private async checkWorker(row: Row): Promise<void> {
    const endpoint = this.endpoints.get(row.id);
    const problem = endpoint ? await checkHealth(endpoint.url) : 'its endpoint is unknown';
    if (!this.running || this.row(row.id)?.state === 'gone') return;
    if (!problem) {
      this.failures.delete(row.id);
      return;
    }
    const failures = (this.failures.get(row.id) ?? 0) + 1;
    this.failures.set(row.id, failures);
    this.log.warn('cloud worker health check failed', { workerId: row.id, failures, problem });
    if (failures >= this.deadAfterFailures) this.markLost(row.id, `${failures} health checks failed in a row (${problem})`);
  }

  private sweepIdle(): void {
    const cutoff = Date.now() - this.idleReleaseMs;
    for (const row of this.db.select().from(cloudWorkers).where(eq(cloudWorkers.state, 'assigned')).all()) {
      if (Math.max(this.lastUsed.get(row.id) ?? 0, row.lastUsedAt ?? row.createdAt) > cutoff) continue;
      this.markLost(row.id, `released after ${Math.round(this.idleReleaseMs / 1000)} s without use`);
    }
  }

  /** Gone without release(): persist, tell listeners, and have the provider clean up what is left of it. */
  private markLost(workerId: string, reason: string): void {
    if (!this.markGone(workerId)) return;
    this.log.warn('cloud worker lost', { workerId, reason });
    for (const listener of this.lostListeners) {
      try {
        listener(workerId, reason);
      } catch (err) {
        this.log.error('cloud worker lost listener failed', { workerId, error: (err as Error).message });
      }
    }
    this.background(this.provider.destroy(workerId), 'destroying a lost cloud worker');
    this.fillPools();
  }

  /** Persist gone and forget the worker; false if it already was. */
  private markGone(workerId: string): boolean {
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

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    void promise.then(
      () => this.pending.delete(promise),
      () => this.pending.delete(promise),
    );
    return promise;
  }

  private background(promise: Promise<unknown>, what: string): void {
    this.track(promise).catch((err: Error) => this.log.error(`${what} failed`, { error: err.message }));
  }

  private async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}

/**
 * GET /healthz of the agent at `url` (ws://…/): null if it answers 200, else what went wrong.
 * node:http without keep-alive rather than fetch: no lazily loaded client on the acquire path, no
 * pooled sockets, and the socket timeout also catches an agent that accepts but never answers.
 */
function checkHealth(url: string): Promise<string | null> {
  const target = new URL('/healthz', url);
  target.protocol = 'http:';
  return new Promise((resolve) => {
    const req = http.get(target, { agent: false, timeout: HEALTH_TIMEOUT_MS }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode === 200 ? null : `HTTP ${res.statusCode}`));
    });
    req.once('timeout', () => req.destroy(new Error(`no answer within ${HEALTH_TIMEOUT_MS} ms`)));
    req.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}
