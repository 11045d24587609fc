/**
 * The gateway's side of a pty host's ring file (`terminals.ring`, server/worker/ring-file.ts): a
 * relayed terminal's session ring reads what the host relayed in the host's file instead of
 * keeping a copy (ReplayRing.useStore). Each relayed byte is then kept once on this machine. The
 * gateway makes the file (makeRingFile), the host opens and keeps it, and the gateway reads it
 * through the host's descriptor (openHostRing) — so also a gateway that restarted.
 *
 * The host writes a byte to its file before it relays it, so everything this gateway received
 * is there — unless the host ran further ahead of this gateway than its file keeps (a gateway
 * that does not drive the terminal, or one whose link was down while the host held more for it)
 * and overwrote it, or stopped writing the file. The host writes the end it is about to reach
 * before bytes that overwrite others (and an impossible end when it stops writing the file while
 * the stream goes on); a read is checked against that end after the bytes are read, and one that
 * may have been overwritten answers nothing: the ring then counts what it held as lost
 * (ReplayRing.read).
 */
import { closeSync, fstatSync, ftruncateSync } from 'node:fs';
import { LENT_RECORD_HEADER_BYTES } from '../../../lib/protocol';
import { memfd } from '../../os/take-fd';
import type { OutputStore } from '../runtime';
import { KeptFiles, openMemfdOf, preadRecord, preadRecordEnd, RING_FILE } from './record-io';

/** Data bytes of a ring file: the host's ring (8 MiB) and room for a gateway's ring (2 MiB by
 * default) behind what the host may run ahead of this gateway. */
export const RING_FILE_BYTES = 10 * 1024 * 1024;

/** A new ring file for the host to open (`terminals.ring` params); close `fd` once it answered.
 * Throws where there are no memfds (not Linux, no koffi). */
export function makeRingFile(): { pid: number; fd: number; bytes: number } {
  const fd = memfd(RING_FILE.memfd);
  try {
    ftruncateSync(fd, LENT_RECORD_HEADER_BYTES + RING_FILE_BYTES);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return { pid: process.pid, fd, bytes: RING_FILE_BYTES };
}

/** Rings kept for reading after their terminal ended or went back to being copied (at most 1,024). */
const keptRings = new KeptFiles(1024);

/**
 * Open descriptor `fd` of the host (process `pid`), which must be file `ino`: `bytes` of data
 * holding the stream from `shared.from` on. The store answers from stream offset `from` on (this
 * gateway's ring end, not before `shared.from`). Throws when it is not the host's ring file or
 * cannot be opened.
 */
export function openHostRing(shared: { pid: number; fd: number; ino: number; bytes: number; from: number }, from: number): OutputStore {
  if (from < shared.from) throw new Error(`the host's file begins at ${shared.from}, after ${from}`);
  const fd = openMemfdOf(shared.pid, shared.fd, RING_FILE, 'r', (own) => {
    // The host's descriptor could be another file's by now (that terminal gone, the number reused).
    if (fstatSync(own).ino !== shared.ino) throw new Error('the host no longer has that file');
  });
  const { bytes } = shared;
  const hostEnd = () => preadRecordEnd(fd);
  let open = true;
  let kept: (() => void) | null = null;
  return {
    from,
    bytes,
    read(at, into) {
      if (!open || at < from) return 0;
      const done = preadRecord(fd, bytes, at, into);
      // After the bytes: had the host begun to write over them, its end would say so. (They were
      // relayed here, so they were written: the end may lag until the file is full once.)
      return hostEnd() - at <= bytes ? done : 0;
    },
    freeze(ringCapacity) {
      if (open) kept = keptRings.keep(Math.min(hostEnd() - shared.from, bytes), ringCapacity);
      return kept !== null;
    },
    close() {
      if (!open) return;
      open = false;
      kept?.();
      closeSync(fd);
    },
  };
}
