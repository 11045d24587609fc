import { describe, expect, it } from 'vitest';
import {
  poolStateText,
  retryText,
  runtimeBadge,
  testOkText,
  workerStateText,
  type PoolSummary,
  type WorkerSummary,
  type WorkspaceRuntimeInfo,
} from './runtime-health';

const pool = (p: Partial<PoolSummary>): PoolSummary => ({
  state: 'ready',
  connections: 1,
  channels: 0,
  failures: 0,
  nextRetryAt: null,
  connectMs: 40,
  lastError: null,
  ...p,
});
const ssh = (p: Partial<WorkspaceRuntimeInfo>): WorkspaceRuntimeInfo => ({
  kind: 'ssh',
  ok: true,
  detail: null,
  host: { id: 'h1', name: 'box' },
  pool: pool({}),
  ...p,
});

const cloud = (w: Partial<WorkerSummary> | null, p: Partial<WorkspaceRuntimeInfo> = {}): WorkspaceRuntimeInfo => ({
  kind: 'cloud',
  ok: true,
  detail: null,
  host: null,
  pool: null,
  worker: w && { id: 'w-1', state: 'assigned', size: 'small', ...w },
  ...p,
});

describe('runtime health words', () => {
  it('names this machine for local workspaces', () => {
    expect(runtimeBadge({ kind: 'local', ok: true, detail: null, host: null, pool: null }, 0)).toMatchObject({ state: 'ok', label: 'This machine' });
    expect(runtimeBadge({ kind: 'local', ok: false, detail: 'gone', host: null, pool: null }, 0)).toEqual({
      state: 'error',
      label: 'This machine · unavailable',
      title: 'gone',
    });
  });

  it('shows the host, the pool state and its channels', () => {
    expect(runtimeBadge(ssh({ pool: pool({ channels: 3 }) }), 0)).toMatchObject({ state: 'ready', label: 'box · ready · 3 channels' });
    expect(runtimeBadge(ssh({ pool: pool({ channels: 1 }) }), 0).label).toBe('box · ready · 1 channel');
    expect(runtimeBadge(ssh({ pool: pool({ state: 'connecting' }) }), 0).label).toBe('box · connecting…');
  });

  it('counts down to the next retry and explains the last error', () => {
    const lastError = { kind: 'refused', message: 'box refused the connection', at: 0 };
    const b = runtimeBadge(ssh({ ok: false, pool: pool({ state: 'backoff', nextRetryAt: 10_000, lastError }) }), 6_200);
    expect(b).toEqual({ state: 'backoff', label: 'box · reconnecting in 4 s', title: 'box refused the connection' });
    expect(retryText(10_000, 10_500)).toBe('reconnecting…');
    expect(retryText(null, 0)).toBe('reconnecting…');
    // Once ready again, an old error is no longer the explanation.
    expect(runtimeBadge(ssh({ detail: 'connected', pool: pool({ lastError }) }), 0).title).toBe('connected');
    expect(poolStateText(pool({ state: 'failed' }), 0)).toBe('connection failed');
  });

  it('copes with a workspace whose pool has no entry yet', () => {
    expect(runtimeBadge(ssh({ pool: null }), 0)).toMatchObject({ state: 'ok', label: 'box' });
    expect(runtimeBadge(ssh({ ok: false, pool: null, detail: 'nope' }), 0)).toEqual({ state: 'error', label: 'box · unreachable', title: 'nope' });
  });

  it('summarises a successful test', () => {
    expect(testOkText({ connectMs: 42, rttMs: 2.1 })).toBe('Connected · handshake 42 ms · round trip 2.1 ms');
    expect(testOkText({ connectMs: null, rttMs: 3 })).toBe('Connected · round trip 3 ms');
  });

  it('shows a cloud worker by its state, the one serving the workspace as ready', () => {
    expect(runtimeBadge(cloud({}), 0)).toEqual({ state: 'assigned', label: 'Cloud · ready', title: 'Cloud worker w-1 (small)' });
    expect(runtimeBadge(cloud({ state: 'ready', size: 'large' }), 0)).toMatchObject({ state: 'ready', label: 'Cloud · ready' });
    expect(runtimeBadge(cloud({ state: 'starting' }), 0)).toMatchObject({ state: 'starting', label: 'Cloud · starting…' });
    expect(runtimeBadge(cloud({}, { detail: 'agent 0.1 · 2 terminals' }), 0).title).toBe('Cloud worker w-1 (small): agent 0.1 · 2 terminals');
    expect(workerStateText('gone')).toBe('stopped');
  });

  it('says when a cloud worker is lost, gone or not answering', () => {
    expect(runtimeBadge(cloud({ state: 'lost' }, { ok: false }), 0)).toEqual({
      state: 'lost',
      label: 'Cloud · lost',
      title: 'The cloud worker stopped answering; its terminals were closed',
    });
    expect(runtimeBadge(cloud({ state: 'gone' }, { ok: false }), 0)).toMatchObject({ state: 'gone', label: 'Cloud · stopped' });
    expect(runtimeBadge(cloud({}, { ok: false, detail: 'timed out' }), 0)).toEqual({ state: 'error', label: 'Cloud · not answering', title: 'timed out' });
    expect(runtimeBadge(cloud(null, { ok: false }), 0)).toMatchObject({ state: 'gone', label: 'Cloud · no worker' });
    // An absent worker field (an older server) reads the same as none.
    expect(runtimeBadge({ kind: 'cloud', ok: false, detail: 'no worker', host: null, pool: null }, 0)).toEqual({
      state: 'gone',
      label: 'Cloud · no worker',
      title: 'no worker',
    });
  });
});
