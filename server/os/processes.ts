/**
 * Finding and ending worker processes through /proc. A worker is recognised by its command line
 * (which names its own token file), not by a pid remembered from an earlier gateway, so a pid
 * reused by another program is never taken for a worker, and a worker whose state was never
 * written (the gateway died while it started) can still be found and stopped.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** The argv of a live (non-zombie) process; null if there is none with that pid. */
export function commandLine(pid: number): string[] | null {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    // A zombie (or kernel thread) has an empty command line.
    return raw ? raw.replace(/\0$/, '').split('\0') : null;
  } catch {
    return null;
  }
}

/** Live processes: pid → parent pid. */
function processTable(): Map<number, number> {
  const table = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid ..."; comm may contain spaces and parentheses.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z') table.set(Number(entry), Number(ppid));
    } catch {
      // exited meanwhile
    }
  }
  return table;
}

/** Pids of live processes whose argv satisfies `match`. */
export function findProcesses(match: (argv: string[]) => boolean): number[] {
  return [...processTable().keys()].filter((pid) => {
    const argv = commandLine(pid);
    return argv !== null && match(argv);
  });
}

/** `roots` (those alive) and all their live descendants. */
export function withDescendants(roots: number[]): number[] {
  const table = processTable();
  const found = roots.filter((pid) => table.has(pid));
  for (let i = 0; i < found.length; i++) {
    for (const [pid, ppid] of table) if (ppid === found[i] && !found.includes(pid)) found.push(pid);
  }
  return found;
}

/** Those of `pids` still alive (not zombies). */
export function alive(pids: readonly number[]): number[] {
  const table = processTable();
  return pids.filter((pid) => table.has(pid));
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

async function waitGone(pids: number[], timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; ; await sleep(25)) {
    if (alive(pids).length === 0) return true;
    if (Date.now() >= deadline) return false;
  }
}

/**
 * SIGTERM `pids` (so an agent can end its terminals itself), then SIGKILL whatever is left of
 * them and of everything that was running under them after `graceMs`. The tree is taken before
 * the SIGTERM: once a parent exits its children are re-parented and could no longer be found.
 */
export async function terminate(pids: number[], graceMs: number): Promise<void> {
  const tree = withDescendants(pids);
  for (const pid of pids) signal(pid, 'SIGTERM');
  if (await waitGone(tree, graceMs)) return;
  for (const pid of withDescendants(tree)) signal(pid, 'SIGKILL');
  if (!(await waitGone(tree, graceMs))) throw new Error(`processes survived SIGKILL: ${tree.join(' ')}`);
}
