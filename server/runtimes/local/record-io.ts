/**
 * Files laid out as a lent terminal's record (lib/protocol/agent.ts: a header whose first 8 bytes
 * are an end offset, then the newest `bytes` of a stream as a ring), read with pread(2): the
 * records themselves (the gateway's and the pty host's sides) and the pty host's ring files.
 */
import { closeSync, openSync, readFileSync, readlinkSync, readSync } from 'node:fs';
import { LENT_RECORD_HEADER_BYTES, lentRecordPosition } from '../../../lib/protocol';

/** The pty host's ring files (worker/ring-file.ts): their memfd name, and how /proc shows them. */
export const RING_FILE = { memfd: 'tether-ring', link: '/memfd:tether-ring', name: 'a ring file' };

/**
 * Open descriptor `fd` of process `pid` through /proc (same user), if it is an anonymous memory
 * file whose link starts with `kind.link` (`/memfd:…`): never a path of the other process's
 * choosing (else "it is not `kind.name`"). `check` may refuse the opened file (it throws); the
 * descriptor is closed then.
 */
export function openMemfdOf(pid: number, fd: number, kind: { link: string; name: string }, flags: 'r' | 'r+', check?: (own: number) => void): number {
  const link = `/proc/${pid}/fd/${fd}`;
  if (!readlinkSync(link).startsWith(kind.link)) throw new Error(`it is not ${kind.name}`);
  const own = openSync(link, flags);
  try {
    check?.(own);
  } catch (err) {
    closeSync(own);
    throw err;
  }
  return own;
}

/** The end offset in the header (0 when it is unreadable or not an offset). */
export function preadRecordEnd(fd: number): number {
  const header = Buffer.alloc(8);
  if (readSync(fd, header, 0, 8, 0) !== 8) return 0;
  const end = header.readDoubleBE(0);
  return Number.isSafeInteger(end) ? end : 0;
}

/** Copy `n` bytes of the stream from offset `at` into `into` (across the ring's wrap); answers
 * how many were read (fewer only if the file is shorter than it should be). */
export function preadRecord(fd: number, bytes: number, at: number, into: Uint8Array, n = into.byteLength): number {
  let done = 0;
  while (done < n) {
    const pos = lentRecordPosition(at + done, bytes);
    const k = Math.min(n - done, LENT_RECORD_HEADER_BYTES + bytes - pos);
    const got = readSync(fd, into, done, k, pos);
    if (got <= 0) break;
    done += got;
  }
  return done;
}

/**
 * Which files a session's ring keeps reading once no more bytes go to them (OutputStore.freeze):
 * one that holds at most KEEP_OVER_RING times what the ring keeps — copying what the ring needs
 * out of it costs fresh memory (CPU) to save the difference, worth it only when that is large (a
 * record holds up to 8 MiB, a host's ring file 10 MiB, a ring 2 MiB by default) — and at most
 * `max` of them (a descriptor each); past that, a ring copies what it needs instead.
 */
export class KeptFiles {
  static readonly KEEP_OVER_RING = 1.25;
  private count = 0;

  constructor(private readonly max: number) {}

  /** Whether a file that holds `held` bytes is kept for a ring of `ringCapacity`; if so, call
   * the answer once the ring closes it. */
  keep(held: number, ringCapacity: number): (() => void) | null {
    if (held > ringCapacity * KeptFiles.KEEP_OVER_RING || this.count >= this.max) return null;
    this.count++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.count--;
    };
  }
}

/** This process's soft limit of open descriptors (`ulimit -n`; Node raises it to the hard limit
 * at start), or null where /proc does not say. */
export function openFilesLimit(): number | null {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!line) return null;
    return line[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(line[1]);
  } catch {
    return null;
  }
}
