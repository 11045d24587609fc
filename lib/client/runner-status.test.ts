import { describe, expect, it } from 'vitest';
import { runnerStatusText } from './runner-status';

describe('runnerStatusText', () => {
  it('says how terminals run on the host', () => {
    expect(runnerStatusText({ mode: 'never', limits: {}, status: null })).toEqual({ text: 'Direct SSH (runner off for this host)', tone: 'idle' });
    expect(runnerStatusText({ mode: 'auto', limits: {}, status: { state: 'direct', reason: 'node 16.0.0 is too old', at: 1 } })).toEqual({ text: 'Direct SSH: node 16.0.0 is too old', tone: 'warn' });
    expect(runnerStatusText({ mode: 'always', limits: {}, status: { state: 'direct', reason: 'no node', at: 1 } }).tone).toBe('error');
    const ok = runnerStatusText({
      mode: 'auto',
      limits: { memoryMb: 512, cpuPercent: 50 },
      status: { state: 'runner', version: '0.1.0', node: '20.1.0', uploaded: false, connectMs: 120, limits: { mechanism: 'ulimit', applied: ['memory 512 MB'], unsupported: ['CPU share needs systemd'] }, at: 1 },
    });
    expect(ok).toEqual({ text: 'Runner 0.1.0 · node 20.1.0 · cached copy · ready in 120 ms · limits by ulimit: memory 512 MB · not applied: CPU share needs systemd', tone: 'ok' });
    expect(runnerStatusText({ mode: 'auto', limits: {}, status: { state: 'runner', version: '0.1.0', uploaded: true, replaced: 'digest mismatch (ab)', at: 1 } }).text).toBe('Runner 0.1.0 · replaced a changed copy (digest mismatch (ab))');
  });
});
