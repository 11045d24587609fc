/**
 * Words for where a workspace runs and how its SSH connection or cloud worker is doing: the
 * workspace header's runtime badge, the host list's state and the result of "Test". Pure, so it
 * is unit tested.
 * The shapes are structural copies of what `runtimes.workspace`, `hosts.list` and `hosts.test`
 * answer (see server/trpc/routers/runtimes.ts and hosts.ts).
 */

export type PoolState = 'idle' | 'connecting' | 'ready' | 'backoff' | 'failed';

export interface PoolSummary {
  state: PoolState;
  connections: number;
  channels: number;
  failures: number;
  nextRetryAt: number | null;
  connectMs: number | null;
  lastError: { kind: string; message: string; at: number } | null;
}

/** A cloud worker's life: started, waiting warm in the pool, serving a workspace, stopped answering, stopped. */
export type WorkerState = 'starting' | 'ready' | 'assigned' | 'lost' | 'gone';

export interface WorkerSummary {
  id: string;
  state: WorkerState;
  size: string;
}

export interface WorkspaceRuntimeInfo {
  kind: 'local' | 'ssh' | 'cloud';
  ok: boolean;
  detail: string | null;
  host: { id: string; name: string } | null;
  pool: PoolSummary | null;
  /** Cloud workspaces only: their worker, null once it has none. */
  worker?: WorkerSummary | null;
}

export interface RuntimeBadge {
  /**
   * The pool state for SSH workspaces, the worker state for cloud ones; 'ok' / 'error' when there
   * is no pool (local, or not yet connected), or when a cloud worker that should serve does not answer.
   */
  state: PoolState | WorkerState | 'ok' | 'error';
  label: string;
  /** Longer explanation (the last error, the health check's detail) for a tooltip. */
  title: string;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "reconnecting in 4 s", or "reconnecting…" once the moment has come. */
export function retryText(nextRetryAt: number | null, now: number): string {
  if (nextRetryAt === null) return 'reconnecting…';
  const s = Math.ceil((nextRetryAt - now) / 1000);
  return s > 0 ? `reconnecting in ${s} s` : 'reconnecting…';
}

/** What a pool state reads as next to a host ("ready · 3 channels", "reconnecting in 4 s"). */
export function poolStateText(pool: PoolSummary, now: number): string {
  switch (pool.state) {
    case 'ready':
      return `ready · ${plural(pool.channels, 'channel')}`;
    case 'connecting':
      return 'connecting…';
    case 'backoff':
      return retryText(pool.nextRetryAt, now);
    case 'failed':
      return 'connection failed';
    case 'idle':
      return 'not connected';
  }
}

/** What a worker state reads as: a worker serving its workspace is, to its user, simply ready. */
export function workerStateText(state: WorkerState): string {
  switch (state) {
    case 'starting':
      return 'starting…';
    case 'ready':
    case 'assigned':
      return 'ready';
    case 'lost':
      return 'lost';
    case 'gone':
      return 'stopped';
  }
}

function cloudBadge(info: WorkspaceRuntimeInfo): RuntimeBadge {
  const worker = info.worker ?? null;
  if (!worker) {
    return { state: 'gone', label: 'Cloud · no worker', title: info.detail ?? 'This workspace has no cloud worker any more' };
  }
  const about = `Cloud worker ${worker.id} (${worker.size})`;
  if ((worker.state === 'ready' || worker.state === 'assigned') && !info.ok) {
    return { state: 'error', label: 'Cloud · not answering', title: info.detail ?? `${about} does not answer` };
  }
  const why =
    worker.state === 'lost'
      ? 'The cloud worker stopped answering; its terminals were closed'
      : worker.state === 'starting'
        ? 'The cloud worker is starting'
        : worker.state === 'gone'
          ? 'The cloud worker was stopped'
          : about;
  return { state: worker.state, label: `Cloud · ${workerStateText(worker.state)}`, title: info.detail ? `${about}: ${info.detail}` : why };
}

export function runtimeBadge(info: WorkspaceRuntimeInfo, now: number): RuntimeBadge {
  if (info.kind === 'cloud') return cloudBadge(info);
  if (info.kind === 'local') {
    return info.ok
      ? { state: 'ok', label: 'This machine', title: info.detail ?? 'Runs on this machine' }
      : { state: 'error', label: 'This machine · unavailable', title: info.detail ?? 'The workspace folder cannot be reached' };
  }
  const name = info.host?.name ?? 'Removed SSH host';
  const pool = info.pool;
  if (!pool) {
    return info.ok
      ? { state: 'ok', label: name, title: info.detail ?? `Runs on ${name}` }
      : { state: 'error', label: `${name} · unreachable`, title: info.detail ?? `${name} cannot be reached` };
  }
  const label = `${name} · ${poolStateText(pool, now)}`;
  // A past error is history once the pool is ready again; otherwise it is the explanation.
  const why = pool.state !== 'ready' ? pool.lastError?.message : undefined;
  return { state: pool.state, label, title: why ?? info.detail ?? label };
}

/** "Connected · handshake 42 ms · round trip 2.1 ms" for a successful `hosts.test`. */
export function testOkText(r: { connectMs: number | null; rttMs: number }): string {
  const parts = ['Connected'];
  if (r.connectMs !== null) parts.push(`handshake ${Math.round(r.connectMs)} ms`);
  parts.push(`round trip ${r.rttMs} ms`);
  return parts.join(' · ');
}
