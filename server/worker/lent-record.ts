/**
 * The pty host's side of a lent terminal's record (`terminals.lend`, lib/protocol/agent.ts): the
 * gateway's memfd, opened here through /proc at once — so it outlives the gateway — and read
 * when the terminal comes back, to take into the ring what the gateway read meanwhile. Throws
 * when the descriptor cannot be opened or is not a memfd.
 */
import { closeSync, readSync } from 'node:fs';
import { LENT_RECORD_HEADER_BYTES, lentRecordPosition } from '../../lib/protocol';
import type { LentReading } from '../core/session';
import { openMemfdOf, preadRecordEnd } from '../runtimes/local/record-io';

export interface LentRecord {
  end: LentReading['end'];
  recover: LentReading['recover'];
  close(): void;
}

/** Open the gateway's record: descriptor `fd` of process `pid`, `bytes` of data. */
export function openLentRecord(pid: number, fd: number, bytes: number): LentRecord {
  const own = openMemfdOf(pid, fd, { link: '/memfd:', name: 'a memfd' }, 'r');
  const readEnd = () => preadRecordEnd(own);
  return {
    end: readEnd,
    recover(from) {
      const end = readEnd();
      if (end <= from) return { end: from, data: [] };
      const data: Uint8Array[] = [];
      for (let at = Math.max(from, end - bytes); at < end; ) {
        const pos = lentRecordPosition(at, bytes);
        const n = Math.min(end - at, LENT_RECORD_HEADER_BYTES + bytes - pos);
        const buf = Buffer.allocUnsafe(n);
        if (readSync(own, buf, 0, n, pos) !== n) throw new Error('the record is shorter than it says');
        data.push(buf);
        at += n;
      }
      return { end, data };
    },
    close() {
      closeSync(own);
    },
  };
}
