/** Words for an SSH host's runner setting and last outcome (runtimes/ssh/runner-service.ts). */

export interface RunnerView {
  mode: 'auto' | 'always' | 'never';
  limits: { memoryMb?: number; cpuPercent?: number; tasks?: number; openFiles?: number };
  status: {
    state: 'runner' | 'direct' | 'failed';
    reason?: string;
    version?: string;
    uploaded?: boolean;
    replaced?: string;
    connectMs?: number;
    node?: string;
    limits?: { mechanism: string; applied: string[]; unsupported: string[] };
    at: number;
  } | null;
}

export type RunnerTone = 'ok' | 'warn' | 'error' | 'idle';

export function runnerStatusText(r: RunnerView): { text: string; tone: RunnerTone } {
  const s = r.status;
  if (r.mode === 'never') return { text: 'Direct SSH (runner off for this host)', tone: 'idle' };
  if (!s) return { text: r.mode === 'always' ? 'Runner: not started yet' : 'Runner: not started yet (direct SSH if it cannot run here)', tone: 'idle' };
  if (s.state === 'direct') return { text: `Direct SSH: ${s.reason ?? 'the runner cannot run on this host'}`, tone: r.mode === 'always' ? 'error' : 'warn' };
  if (s.state === 'failed') return { text: `Runner failed: ${s.reason ?? 'unknown error'}`, tone: 'error' };
  const parts = [`Runner ${s.version ?? ''}`.trim()];
  if (s.node) parts.push(`node ${s.node}`);
  if (s.replaced) parts.push(`replaced a changed copy (${s.replaced})`);
  else parts.push(s.uploaded ? 'deployed' : 'cached copy');
  if (s.connectMs != null) parts.push(`ready in ${s.connectMs} ms`);
  if (s.limits && s.limits.mechanism !== 'none') parts.push(`limits by ${s.limits.mechanism}: ${s.limits.applied.join(', ')}`);
  if (s.limits?.unsupported.length) parts.push(`not applied: ${s.limits.unsupported.join('; ')}`);
  return { text: parts.join(' · '), tone: 'ok' };
}
