/**
 * Prometheus metrics (`GET /metrics`, admins only). One registry per gateway (tests run several in
 * one process). Names follow the seed's RUNTIME_METRICS where they fit (`ssh.pool.acquire.duration`
 * → `tether_ssh_pool_acquire_duration_seconds`, …).
 *
 * Modules do not import this file: each takes a small observer interface of its own (structural
 * types), and this class implements them all, so tests can pass nothing.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the gauges read when Prometheus scrapes. */
export interface MetricSources {
  sessions(): { running: number; total: number };
  sshPool(): { connections: number; healthy: number; channels: number; hosts: number };
  cloudPool(): Promise<{ warm: number; starting: number; assigned: number }>;
  sockets(): number;
  guestsOnline(): number;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const CALL_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SLOW_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Live figures for the admin dashboard (rates are computed by the page from two readings). */
export interface MetricsSnapshot {
  bytesSent: number;
  bytesReceived: number;
  /** Echo latency over the last ECHO_WINDOW keystrokes, ms (null before any). */
  echoP50Ms: number | null;
  echoP99Ms: number | null;
  echoSamples: number;
  trpcCalls: number;
  trpcErrors: number;
  upgradesRefused: number;
  limitsHit: number;
}

const ECHO_WINDOW = 1000;
/** How often the event-loop lag is sampled (eventLoopLag). */
export const EVENT_LOOP_SAMPLE_MS = 100;

const LAG_FIGURES = ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'] as const;

/**
 * `tether_nodejs_eventloop_lag_{min,max,mean,stddev,p50,p90,p99}_seconds` over the samples since
 * the last scrape, in place of prom-client's. Its sampler woke the gateway every 10 ms — ~100
 * times a second with nothing to do, ~1% of a core — and its figures were the time between the
 * sampler's runs, the interval included (an idle gateway showed a 10 ms lag). Here a sample is
 * taken every EVENT_LOOP_SAMPLE_MS and the figures are the lag alone.
 */
function eventLoopLag(r: Registry): void {
  const h = monitorEventLoopDelay({ resolution: EVENT_LOOP_SAMPLE_MS });
  h.enable();
  const interval = EVENT_LOOP_SAMPLE_MS * 1e6;
  const lag = (ns: number) => (h.count > 0 ? Math.max(0, ns - interval) / 1e9 : 0);
  const figure: Record<(typeof LAG_FIGURES)[number], () => number> = {
    min: () => lag(h.min),
    max: () => lag(h.max),
    mean: () => lag(h.mean),
    stddev: () => (h.count > 0 ? h.stddev / 1e9 : 0),
    p50: () => lag(h.percentile(50)),
    p90: () => lag(h.percentile(90)),
    p99: () => lag(h.percentile(99)),
  };
  for (const k of LAG_FIGURES) {
    const name = `tether_nodejs_eventloop_lag_${k}_seconds`;
    r.removeSingleMetric(name);
    new Gauge({
      name,
      help: `The event loop's lag (how late a timer ran), ${k} over the samples since the last scrape, one every ${EVENT_LOOP_SAMPLE_MS} ms`,
      registers: [r],
      collect() {
        this.set(figure[k]());
        // The last of them read: the next scrape covers the samples after this one.
        if (k === LAG_FIGURES.at(-1)) h.reset();
      },
    });
  }
}

export class Metrics {
  readonly registry = new Registry();
  private totals = { bytesSent: 0, bytesReceived: 0, trpcCalls: 0, trpcErrors: 0, upgradesRefused: 0, limitsHit: 0 };
  private readonly echoes: number[] = [];
  private echoNext = 0;
  private readonly bytesSent: Counter;
  private readonly bytesReceived: Counter;
  private readonly echoLatency: Histogram;
  private readonly sshAcquire: Histogram;
  private readonly sshFailures: Counter<'kind'>;
  private readonly cloudAcquire: Histogram<'pool'>;
  private readonly trpcDuration: Histogram<'path' | 'type'>;
  private readonly trpcErrors: Counter<'path' | 'code'>;
  private readonly migrationDuration: Histogram<'outcome'>;
  private readonly upgradesRefused: Counter<'reason'>;
  private readonly limitsHit: Counter<'limit'>;

  constructor(sources: MetricSources) {
    const r = this.registry;
    // prom-client's own lag sampler runs once a minute (its gauges are replaced: eventLoopLag).
    collectDefaultMetrics({ register: r, prefix: 'tether_', eventLoopMonitoringPrecision: 60_000 });
    eventLoopLag(r);
    new Gauge({ name: 'tether_terminal_sessions_active', help: 'Terminal sessions whose process is running', registers: [r], collect() { this.set(sources.sessions().running); } });
    new Gauge({ name: 'tether_terminal_sessions', help: 'Terminal sessions held by the gateway (running or recently exited)', registers: [r], collect() { this.set(sources.sessions().total); } });
    new Gauge({ name: 'tether_websocket_connections', help: 'Open /ws connections (browser tabs, scripts, guests)', registers: [r], collect() { this.set(sources.sockets()); } });
    new Gauge({ name: 'tether_share_guests_online', help: 'Share guests with a live connection', registers: [r], collect() { this.set(sources.guestsOnline()); } });
    new Gauge({ name: 'tether_ssh_pool_connections_active', help: 'Open pooled SSH connections', registers: [r], collect() { this.set(sources.sshPool().connections); } });
    new Gauge({ name: 'tether_ssh_pool_connections_healthy', help: 'Pooled SSH hosts in state ready', registers: [r], collect() { this.set(sources.sshPool().healthy); } });
    new Gauge({ name: 'tether_ssh_pool_channels_active', help: 'Channels open on pooled SSH connections', registers: [r], collect() { this.set(sources.sshPool().channels); } });
    new Gauge({ name: 'tether_cloud_worker_warm_pool_size', help: 'Warm cloud workers waiting for a user', registers: [r], async collect() { this.set((await sources.cloudPool()).warm); } });
    new Gauge({ name: 'tether_cloud_workers_assigned', help: 'Cloud workers assigned to workspaces', registers: [r], async collect() { this.set((await sources.cloudPool()).assigned); } });
    this.bytesSent = new Counter({ name: 'tether_terminal_bytes_sent_total', help: 'Terminal output bytes sent to clients', registers: [r] });
    this.bytesReceived = new Counter({ name: 'tether_terminal_bytes_received_total', help: 'Terminal input bytes received from clients', registers: [r] });
    this.echoLatency = new Histogram({
      name: 'tether_terminal_latency_seconds',
      help: 'From a keystroke reaching the gateway to the next output of that terminal (echo)',
      buckets: LATENCY_BUCKETS,
      registers: [r],
    });
    this.sshAcquire = new Histogram({ name: 'tether_ssh_pool_acquire_duration_seconds', help: 'Time to get a channel slot (connecting if needed)', buckets: SLOW_BUCKETS, registers: [r] });
    this.sshFailures = new Counter({ name: 'tether_ssh_pool_probe_failures_total', help: 'Failed SSH connects and lost connections', labelNames: ['kind'], registers: [r] });
    this.cloudAcquire = new Histogram({ name: 'tether_cloud_worker_acquire_duration_seconds', help: 'Time to hand a user a cloud worker', labelNames: ['pool'], buckets: SLOW_BUCKETS, registers: [r] });
    this.trpcDuration = new Histogram({ name: 'tether_trpc_call_duration_seconds', help: 'tRPC queries and mutations', labelNames: ['path', 'type'], buckets: CALL_BUCKETS, registers: [r] });
    this.trpcErrors = new Counter({ name: 'tether_trpc_errors_total', help: 'tRPC calls that failed, by code', labelNames: ['path', 'code'], registers: [r] });
    this.migrationDuration = new Histogram({ name: 'tether_migration_duration_seconds', help: 'Workspace moves', labelNames: ['outcome'], buckets: SLOW_BUCKETS, registers: [r] });
    this.upgradesRefused = new Counter({ name: 'tether_websocket_upgrades_refused_total', help: 'Refused /ws upgrades', labelNames: ['reason'], registers: [r] });
    this.limitsHit = new Counter({ name: 'tether_limits_hit_total', help: 'Requests refused by a limit', labelNames: ['limit'], registers: [r] });
  }

  // ---- observers (each module sees only the methods it needs) ----

  outputSent(bytes: number): void {
    this.bytesSent.inc(bytes);
    this.totals.bytesSent += bytes;
  }
  inputReceived(bytes: number): void {
    this.bytesReceived.inc(bytes);
    this.totals.bytesReceived += bytes;
  }
  echo(seconds: number): void {
    this.echoLatency.observe(seconds);
    this.echoes[this.echoNext] = seconds * 1000;
    this.echoNext = (this.echoNext + 1) % ECHO_WINDOW;
  }
  sshAcquired(seconds: number): void {
    this.sshAcquire.observe(seconds);
  }
  sshFailed(kind: string): void {
    this.sshFailures.inc({ kind });
  }
  cloudAcquired(seconds: number, warm: boolean): void {
    this.cloudAcquire.observe({ pool: warm ? 'warm' : 'cold' }, seconds);
  }
  trpcCall(path: string, type: string, seconds: number, errorCode: string | null): void {
    if (type !== 'subscription') this.trpcDuration.observe({ path, type }, seconds);
    this.totals.trpcCalls++;
    if (errorCode) {
      this.trpcErrors.inc({ path, code: errorCode });
      this.totals.trpcErrors++;
    }
  }
  migrationFinished(seconds: number, outcome: string): void {
    this.migrationDuration.observe({ outcome }, seconds);
  }
  upgradeRefused(reason: string): void {
    this.upgradesRefused.inc({ reason });
    this.totals.upgradesRefused++;
  }
  limitHit(limit: string): void {
    this.limitsHit.inc({ limit });
    this.totals.limitsHit++;
  }

  snapshot(): MetricsSnapshot {
    const sorted = [...this.echoes].sort((a, b) => a - b);
    const at = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : null);
    return { ...this.totals, echoP50Ms: at(0.5), echoP99Ms: at(0.99), echoSamples: sorted.length };
  }

  /** Exposition text for `/metrics`. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
  get contentType(): string {
    return this.registry.contentType;
  }
}
