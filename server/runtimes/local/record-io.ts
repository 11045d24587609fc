/**
 * Reading a file laid out as a lent terminal's record (lib/protocol/agent.ts: a header, then the
 * newest `bytes` of a stream as a ring) with pread(2): the records themselves (the gateway's and
 * the pty host's sides) and the pty host's ring files.
 */
import { readSync } from 'node:fs';
import { LENT_RECORD_HEADER_BYTES, lentRecordPosition } from '../../../lib/protocol';

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
