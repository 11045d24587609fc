/**
 * The orchestrator's periodic round: a health check of every ready and assigned worker (one that
 * fails `deadAfterFailures` in a row is lost), then the idle sweep (an assigned worker without a
 * touch for `idleReleaseMs` is lost) and the warm pool refill. Also the health check itself.
 */
import http from 'node:http';
import type { Logger } from '../log';
import type { Row, WorkerTable } from './worker-table';

const HEALTH_TIMEOUT_MS = 1_000;

export interface HealthRoundsOptions {
  table: WorkerTable;
  log: Logger;
  intervalMs: number;
  idleReleaseMs: number;
  deadAfterFailures: number;
  /** False once the orchestrator stops: no further round, and results of one under way are dropped. */
  running(): boolean;
  /** A worker is gone without release(). */
  lost(workerId: string, reason: string): Promise<void>;
  /** Top up the warm pools. */
  refill(): void;
  /** Learn the endpoints of live workers another gateway started (several gateways on one database). */
  learn?(): Promise<void>;
}

export class HealthRounds {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: HealthRoundsOptions) {}

  /** Run a round after `intervalMs`, and again after each round, while running. */
  schedule(): void {
    if (!this.opts.running()) return;
    const round = () =>
      this.round()
        .catch((err: Error) => this.opts.log.warn('cloud worker health round failed', { error: err.message }))
        .finally(() => this.schedule());
    this.timer = setTimeout(() => void round(), this.opts.intervalMs);
    this.timer.unref();
  }

  /** Cancel the next round (one under way finishes, but its results are dropped once not running). */
  cancel(): void {
    clearTimeout(this.timer);
  }

  /** One health round over the live workers, then the idle sweep and pool refills. */
  private async round(): Promise<void> {
    const live = await this.opts.table.running();
    if (this.opts.learn && live.some((r) => !this.opts.table.endpoints.has(r.id))) await this.opts.learn().catch(() => {});
    await Promise.all(live.map((row) => this.checkWorker(row)));
    if (!this.opts.running()) return;
    await this.sweepIdle();
    this.opts.refill();
  }

  private async checkWorker(row: Row): Promise<void> {
    const { table } = this.opts;
    const endpoint = table.endpoints.get(row.id);
    // Started by another gateway where this one's provider cannot see it (another machine): that
    // gateway checks it.
    if (!endpoint) return;
    const problem = await checkHealth(endpoint.url);
    if (!this.opts.running() || (await table.row(row.id))?.state === 'gone') return;
    if (!problem) {
      table.failures.delete(row.id);
      return;
    }
    const failures = (table.failures.get(row.id) ?? 0) + 1;
    table.failures.set(row.id, failures);
    this.opts.log.warn('cloud worker health check failed', { workerId: row.id, failures, problem });
    if (failures >= this.opts.deadAfterFailures) await this.opts.lost(row.id, `${failures} health checks failed in a row (${problem})`);
  }

  private async sweepIdle(): Promise<void> {
    const cutoff = Date.now() - this.opts.idleReleaseMs;
    for (const row of await this.opts.table.assigned()) {
      if (Math.max(this.opts.table.lastUsed.get(row.id) ?? 0, row.lastUsedAt ?? row.createdAt) > cutoff) continue;
      await this.opts.lost(row.id, `released after ${Math.round(this.opts.idleReleaseMs / 1000)} s without use`);
    }
  }
}

/**
 * Where to send an HTTP request to the agent at `url`: `ws://host:port/` (TCP), or
 * `ws+unix://<socket path>:/` (the `ws` package's form for a Unix socket; the docker provider's
 * agents listen on one in a bind-mounted folder).
 */
export function agentRequestTarget(url: string, requestPath: string): http.RequestOptions {
  if (url.startsWith('ws+unix://')) {
    const rest = url.slice('ws+unix://'.length);
    const colon = rest.indexOf(':');
    return { socketPath: colon < 0 ? rest : rest.slice(0, colon), path: requestPath };
  }
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 80), path: requestPath };
}

/**
 * GET /healthz of the agent at `url` (ws://…/ or ws+unix://…): null if it answers 200, else what went wrong.
 * node:http without keep-alive rather than fetch: no lazily loaded client on the acquire path, no
 * pooled sockets, and the socket timeout also catches an agent that accepts but never answers.
 */
export function checkHealth(url: string): Promise<string | null> {
  return new Promise((resolve) => {
    const req = http.get({ ...agentRequestTarget(url, '/healthz'), agent: false, timeout: HEALTH_TIMEOUT_MS }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode === 200 ? null : `HTTP ${res.statusCode}`));
    });
    req.once('timeout', () => req.destroy(new Error(`no answer within ${HEALTH_TIMEOUT_MS} ms`)));
    req.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}
