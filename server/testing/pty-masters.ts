/** How many PTY masters (open /dev/ptmx descriptors) process `pid` holds, from /proc. */
import { readdirSync, readlinkSync } from 'node:fs';

export function ptyMasters(pid: number | 'self'): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (/ptmx$/.test(readlinkSync(`/proc/${pid}/fd/${fd}`))) n++;
    } catch {
      /* closed meanwhile */
    }
  }
  return n;
}
