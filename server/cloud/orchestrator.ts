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
 *
 * The rows and the state transitions are worker-table.ts; the health round and idle sweep are
 * worker-health.ts. This file is the public API, the warm pool and the lost-worker reports.
 */
import { randomId } from '../../lib/shared/ids';
import type { DatabaseHandle } from '../db/database';
import type { Logger } from '../log';
import type { WorkerEndpoint, WorkerProvider, WorkerSize } from './provider';
import { checkHealth, HealthRounds } from './worker-health';
import { WorkerTable, type CloudWorkerState, type Row, type WorkerHandle } from './worker-table';
import { TetherError } from '../errors';

/** A worker still `starting` this long after its row was made was abandoned by a gateway that died. */
const STARTING_GRACE_MS = 2 * 60_000;

export type { CloudWorkerState, WorkerHandle } from './worker-table';

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
  dbh: DatabaseHandle;
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

type LostListener = (workerId: string, reason: string) => void;

export class Orchestrator {
  private readonly provider: WorkerProvider;
  private readonly log: Logger;
  private readonly warmPoolSize: number;
  private readonly warmSizes: WorkerSize[];
  private readonly maxWorkersPerUser: number;

  private readonly table: WorkerTable;
  private readonly health: HealthRounds;
  /** Sizes whose warm pool is being filled (one fill per size at a time). */
  private readonly filling = new Set<WorkerSize>();
  /** Sizes asked to fill while a fill ran: it goes round once more (its last count may predate a claim). */
  private readonly fillAgain = new Set<WorkerSize>();
  /** Provider calls in flight, awaited by stop() and destroyAll(). */
  private readonly pending = new Set<Promise<unknown>>();
  private readonly lostListeners = new Set<LostListener>();
  private running = false;
  private readonly observe: OrchestratorOptions['observe'];

  constructor(opts: OrchestratorOptions) {
    this.observe = opts.observe;
    this.table = new WorkerTable(opts.dbh);
    this.provider = opts.provider;
    this.log = opts.log;
    this.warmPoolSize = opts.warmPoolSize ?? 1;
    this.warmSizes = opts.warmSizes ?? ['small'];
    this.maxWorkersPerUser = opts.maxWorkersPerUser ?? 3;
    this.health = new HealthRounds({
      table: this.table,
      log: this.log,
      idleReleaseMs: opts.idleReleaseMs ?? 30 * 60_000,
      intervalMs: opts.healthIntervalMs ?? 5_000,
      deadAfterFailures: opts.deadAfterFailures ?? 2,
      running: () => this.running,
      lost: (workerId, reason) => this.markLost(workerId, reason),
      refill: () => this.fillPools(),
      learn: () => this.learnEndpoints(),
    });
  }

  /** Re-adopt the workers of the database that still run, report the rest lost, reap the provider's orphans; then health checks and the warm pool start. */
  async start(): Promise<void> {
    const known = new Map((await this.provider.list()).map((w) => [w.id, w]));
    const rows = await this.table.rows();
    for (const row of rows) {
      const endpoint = known.get(row.id)?.endpoint;
      // Several gateways: a worker another gateway is starting right now is its business.
      if (row.state === 'starting' && Date.now() - row.createdAt < STARTING_GRACE_MS) continue;
      if (row.state !== 'starting' && endpoint) {
        await this.table.adopt(row, endpoint);
        this.log.info('cloud worker re-adopted', { workerId: row.id, state: row.state });
      } else {
        await this.markLost(row.id, row.state === 'starting' ? 'the gateway restarted while it was starting' : 'it did not survive a gateway restart');
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
    this.health.schedule();
    this.fillPools();
  }

  /**
   * Stop health checks, the idle sweep and pool refills, after the provider calls under way.
   * Assigned workers keep running (the next start re-adopts them); with `releaseWarm`, idle warm
   * ones are ended, so a gateway without cloud workspaces leaves no process behind.
   */
  async stop(opts: { releaseWarm?: boolean } = {}): Promise<void> {
    this.running = false;
    this.health.cancel();
    await this.settled();
    if (opts.releaseWarm) {
      const warm = (await this.table.rows()).filter((r) => r.state === 'ready' && r.userId === null);
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
    const count = (await this.table.rows(userId)).length;
    if (count >= this.maxWorkersPerUser) {
      throw new OrchestratorError(
        'limit',
        `you already have ${count} cloud workers (at most ${this.maxWorkersPerUser}); release one before starting another`,
      );
    }
    const warm = await this.table.claimWarm(userId, size);
    if (!warm) return { handle: await this.createFor(userId, size), warm: false };
    this.fillPools();
    const endpoint = this.table.endpoints.get(warm.id)!;
    const unhealthy = await checkHealth(endpoint.url);
    if (!unhealthy) return { handle: { ...this.table.handle(warm), userId, endpoint }, warm: true };
    await this.markLost(warm.id, `it failed its health check when handed out (${unhealthy})`);
    return this.acquireOnce(userId, size);
  }

  /** Destroy the worker (and the workspaces on it). Idempotent. */
  async release(workerId: string): Promise<void> {
    const row = await this.table.row(workerId);
    if (!row || row.state === 'gone') return;
    await this.table.markGone(workerId);
    this.log.info('cloud worker released', { workerId, userId: row.userId });
    await this.track(this.provider.destroy(workerId));
    this.fillPools();
  }

  /** Record use of an assigned worker (resets its idle clock). */
  touch(workerId: string): void {
    this.table.touch(workerId);
  }

  /**
   * Where a live worker's agent listens, or null once it is gone. Several gateways on one
   * database: a worker another gateway started after this one did is learnt from the provider.
   */
  async endpointOf(workerId: string): Promise<WorkerEndpoint | null> {
    const row = await this.table.row(workerId);
    if (!row || (row.state !== 'ready' && row.state !== 'assigned')) return null;
    if (!this.table.endpoints.has(workerId)) await this.learnEndpoints();
    return this.table.endpoints.get(workerId) ?? null;
  }

  private learning: Promise<void> | null = null;

  /** Adopt the endpoints of live workers of the database this gateway does not know yet. */
  private learnEndpoints(): Promise<void> {
    this.learning ??= (async () => {
      for (const row of await this.table.running()) {
        if (this.table.endpoints.has(row.id)) continue;
        const endpoint = await this.provider.endpoint(row.id).catch(() => null);
        if (endpoint && !this.table.endpoints.has(row.id)) await this.table.adopt(row, endpoint);
      }
    })().finally(() => (this.learning = null));
    return this.learning;
  }

  async get(workerId: string): Promise<WorkerHandle | null> {
    const row = await this.table.row(workerId);
    return row ? this.table.handle(row) : null;
  }

  /** Live (not gone) workers, of one user if given. */
  async list(userId?: string): Promise<WorkerHandle[]> {
    return (await this.table.rows(userId)).map((r) => this.table.handle(r));
  }

  async poolStatus(): Promise<PoolStatus> {
    const byState = await this.table.countByState();
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
    const ids = new Set([...(await this.table.rows()).map((r) => r.id), ...(await this.provider.list()).map((w) => w.id)]);
    for (const id of ids) await this.table.markGone(id);
    await Promise.all([...ids].map((id) => this.provider.destroy(id)));
  }

  /** Cold start for a user. The row exists (and counts against the limit) from the first moment. */
  private async createFor(userId: string, size: WorkerSize): Promise<WorkerHandle & { userId: string; endpoint: WorkerEndpoint }> {
    const row = await this.create(size, userId);
    return { ...this.table.handle(row), userId, endpoint: this.table.endpoints.get(row.id)! };
  }

  /** Insert a starting row, start the worker, then make it ready (warm) or assigned — unless it was released meanwhile. */
  private async create(size: WorkerSize, userId: string | null): Promise<Row> {
    const id = randomId();
    await this.table.insertStarting(id, userId, size);
    let endpoint: WorkerEndpoint;
    try {
      endpoint = (await this.track(this.provider.create({ id, size }))).endpoint;
    } catch (err) {
      await this.table.markGone(id);
      const message = (err as Error).message;
      this.log.error('cloud worker failed to start', { workerId: id, error: message });
      // Users get the first line; the agent's log that may follow is for the server log only.
      throw new OrchestratorError('unavailable', `could not start a cloud worker: ${message.split('\n')[0]}`);
    }
    const state = await this.table.markStarted(id, userId, endpoint);
    if (!state) {
      await this.track(this.provider.destroy(id));
      throw new OrchestratorError('unavailable', 'the cloud worker was released while it started');
    }
    this.log.info('cloud worker ready', { workerId: id, userId, size, state });
    return (await this.table.row(id))!;
  }

  private fillPools(): void {
    for (const size of this.warmSizes) void this.fill(size);
  }

  /** Start warm workers of `size` one after another until the pool is full; one fill per size at a time. */
  private async fill(size: WorkerSize): Promise<void> {
    if (!this.running) return;
    if (this.filling.has(size)) {
      this.fillAgain.add(size);
      return;
    }
    this.filling.add(size);
    try {
      do {
        this.fillAgain.delete(size);
        while (this.running && (await this.table.warmCount(size)) < this.warmPoolSize) await this.create(size, null);
      } while (this.running && this.fillAgain.has(size));
    } catch {
      // Logged by create(); the next health round tries again.
    } finally {
      this.fillAgain.delete(size);
      this.filling.delete(size);
    }
  }

  /** Gone without release(): persist, tell listeners, and have the provider clean up what is left of it. */
  private async markLost(workerId: string, reason: string): Promise<void> {
    if (!(await this.table.markGone(workerId))) return;
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
