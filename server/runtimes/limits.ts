/**
 * Resource limits for the terminals of a workspace on an agent (configured per SSH host). The
 * best mechanism the machine offers is used:
 *
 * - `systemd`: each terminal runs in its own transient scope (`systemd-run --user --scope`) with
 *   MemoryMax, CPUQuota and TasksMax — real cgroup limits covering every process of the session;
 * - `ulimit`: without a user systemd, `ulimit -v` (address space, per process) and `ulimit -n`;
 *   CPU share and task count cannot be limited per session this way and are reported unsupported.
 *
 * Open files always use `ulimit -n` (a scope has no LimitNOFILE).
 */
import { spawn } from 'node:child_process';

export interface SessionLimits {
  memoryMb?: number;
  /** Percent of one CPU (200 = two CPUs). */
  cpuPercent?: number;
  tasks?: number;
  openFiles?: number;
}

export type LimitsMechanism = 'systemd' | 'ulimit' | 'none';

export interface LimitsPlan {
  mechanism: LimitsMechanism;
  /** e.g. `memory 512 MB`, for the UI. */
  applied: string[];
  /** Limits asked for that this machine cannot apply, with why. */
  unsupported: string[];
  /** Rewrites a terminal's program and arguments to run under the limits. */
  wrap?: (file: string, args: string[]) => [string, string[]];
}

const PROBE_TIMEOUT_MS = 3000;
let systemdProbe: Promise<boolean> | null = null;

/** Whether `systemd-run --user --scope` works here (a user manager is running and reachable). */
export function userSystemdWorks(): Promise<boolean> {
  systemdProbe ??= new Promise((resolve) => {
    let child;
    try {
      child = spawn('systemd-run', ['--user', '--scope', '--quiet', '--collect', '--', 'true'], { stdio: 'ignore' });
    } catch {
      return resolve(false);
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(false);
    }, PROBE_TIMEOUT_MS);
    child.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
  return systemdProbe;
}

function positive(n: unknown): number | undefined {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.floor(n) : undefined;
}

/** Only the known, positive, integral limits. */
export function cleanLimits(l: SessionLimits): SessionLimits {
  const out: SessionLimits = {};
  for (const k of ['memoryMb', 'cpuPercent', 'tasks', 'openFiles'] as const) {
    const v = positive(l[k]);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** `ulimit` lines as a shell prefix that then runs "$0" "$@" (the program and its arguments). */
function ulimitWrap(lines: string[]): ((file: string, args: string[]) => [string, string[]]) | undefined {
  if (!lines.length) return undefined;
  const script = `${lines.join(' && ')} && exec "$0" "$@"`;
  return (file, args) => ['/bin/sh', ['-c', script, file, ...args]];
}

export async function planLimits(asked: SessionLimits, opts: { systemd?: boolean } = {}): Promise<LimitsPlan> {
  const l = cleanLimits(asked);
  if (!Object.keys(l).length) return { mechanism: 'none', applied: [], unsupported: [] };
  const applied: string[] = [];
  const unsupported: string[] = [];
  const ulimits: string[] = [];
  if (l.openFiles) {
    ulimits.push(`ulimit -n ${l.openFiles}`);
    applied.push(`open files ${l.openFiles}`);
  }
  const systemd = opts.systemd ?? (await userSystemdWorks());
  if (systemd && (l.memoryMb || l.cpuPercent || l.tasks)) {
    const props: string[] = [];
    if (l.memoryMb) {
      props.push('-p', `MemoryMax=${l.memoryMb}M`);
      applied.push(`memory ${l.memoryMb} MB`);
    }
    if (l.cpuPercent) {
      props.push('-p', `CPUQuota=${l.cpuPercent}%`);
      applied.push(`CPU ${l.cpuPercent}%`);
    }
    if (l.tasks) {
      props.push('-p', `TasksMax=${l.tasks}`);
      applied.push(`tasks ${l.tasks}`);
    }
    const inner = ulimitWrap(ulimits);
    return {
      mechanism: 'systemd',
      applied,
      unsupported,
      wrap: (file, args) => {
        const [f, a] = inner ? inner(file, args) : [file, args];
        return ['systemd-run', ['--user', '--scope', '--quiet', '--collect', ...props, '--', f, ...a]];
      },
    };
  }
  if (l.memoryMb) {
    ulimits.push(`ulimit -v ${l.memoryMb * 1024}`);
    applied.push(`memory ${l.memoryMb} MB (address space per process)`);
  }
  if (l.cpuPercent) unsupported.push('CPU share needs systemd-run --user on the host');
  if (l.tasks) unsupported.push('a task limit needs systemd-run --user on the host');
  return { mechanism: ulimits.length ? 'ulimit' : 'none', applied, unsupported, wrap: ulimitWrap(ulimits) };
}
