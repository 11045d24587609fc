/**
 * A process's resident memory, and memory its RSS does not show: the memfds Tether keeps terminal output in (lent
 * terminals' records, the pty host's ring files: `memfd:tether-…`), counted once however many of
 * the processes hold one open. They are the kernel's pages (shared memory), not mapped into
 * either process, so a figure of resident memory must add them to be the whole truth.
 */
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';

/** Resident memory of process `pid` (throws when it is gone). */
export function rssBytes(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

export function memfdBytes(pids: readonly number[]): number {
  const seen = new Set<string>();
  let total = 0;
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone
    }
    for (const fd of fds) {
      try {
        const at = `/proc/${pid}/fd/${fd}`;
        if (!readlinkSync(at).startsWith('/memfd:tether-')) continue;
        const st = statSync(at);
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
        total += st.blocks * 512; // pages written, not the file's (sparse) size
      } catch {
        // closed meanwhile
      }
    }
  }
  return total;
}
