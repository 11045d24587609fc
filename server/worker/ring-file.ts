/**
 * The local pty host keeps a terminal's output in a memfd rather than in its own memory when the
 * gateway asks (`terminals.ring`, lib/protocol/agent-methods.ts), so the gateway reads it there
 * instead of keeping a second copy of every byte the host relays to it: ReplayRing.useStore with
 * this as a store the ring writes itself. The gateway makes the memfd (the host has no way to:
 * memfd_create needs koffi, which the runner does not carry) and the host opens it through
 * `/proc` and keeps it, as it does a lent terminal's record.
 *
 * The file is laid out as a lent terminal's record (lib/protocol/agent.ts): a 16-byte header,
 * then the newest `bytes` of the stream as a ring. The header's first 8 bytes are the end the
 * host is about to reach, written *before* bytes that overwrite older ones (until the file is
 * full once, it stays at `from`): a reader that reads bytes it was relayed, then the header, knows
 * they were not overwritten meanwhile if the header is at most `bytes` past them. A file the
 * ring stops writing while the stream goes on (it lost what it held) gets an end no reader can
 * trust.
 *
 * A system call or two per append (`pwrite`) and per read (`pread`). The pages are the kernel's,
 * allocated as they are first written (an idle terminal's file is nearly empty), and freed when
 * the last process holding the file closes it.
 */
import { closeSync, fstatSync, writeSync } from 'node:fs';
import { LENT_RECORD_HEADER_BYTES, lentRecordPosition } from '../../lib/protocol';
import type { OutputStore } from '../runtimes/runtime';
import { openMemfdOf, preadRecord, RING_FILE } from '../runtimes/local/record-io';

/** What a gateway is told to open (`terminals.ring`). */
export interface SharedRing {
  pid: number;
  fd: number;
  /** The file's inode: the descriptor's number alone could be another file's by then. */
  ino: number;
  bytes: number;
  from: number;
}

export class RingFile implements OutputStore {
  private end: number;
  private readonly ino: number;
  private readonly header = new DataView(new ArrayBuffer(8));
  private open = true;

  /**
   * Open the gateway's file, descriptor `fd` of process `pid` with `bytes` of data, for the
   * stream from offset `from` on. Throws when it is not such a file or cannot be opened.
   */
  static open(pid: number, fd: number, bytes: number, from: number): RingFile {
    const own = openMemfdOf(pid, fd, RING_FILE, 'r+', (f) => {
      if (fstatSync(f).size < LENT_RECORD_HEADER_BYTES + bytes) throw new Error('it is smaller than it says');
    });
    try {
      return new RingFile(own, from, bytes);
    } catch (err) {
      closeSync(own);
      throw err;
    }
  }

  private constructor(
    private readonly fd: number,
    readonly from: number,
    readonly bytes: number,
  ) {
    this.end = from;
    this.ino = fstatSync(fd).ino;
    this.writeEnd(from);
  }

  get shared(): SharedRing | null {
    return this.open ? { pid: process.pid, fd: this.fd, ino: this.ino, bytes: this.bytes, from: this.from } : null;
  }

  write(data: Uint8Array): void {
    if (!this.open) return;
    const to = this.end + data.byteLength;
    // Before bytes it holds are overwritten, readers are told (see the file comment); until the
    // file is full once nothing is, and the header is not written for every append.
    if (to > this.from + this.bytes) this.writeEnd(to);
    let done = 0;
    // More than the file keeps: only the newest `bytes` of it.
    if (data.byteLength > this.bytes) done = data.byteLength - this.bytes;
    while (done < data.byteLength) {
      const pos = lentRecordPosition(this.end + done, this.bytes);
      const n = Math.min(data.byteLength - done, LENT_RECORD_HEADER_BYTES + this.bytes - pos);
      writeSync(this.fd, data, done, n, pos);
      done += n;
    }
    this.end = to;
  }

  read(at: number, into: Uint8Array): number {
    if (!this.open || at < Math.max(this.from, this.end - this.bytes)) return 0;
    return preadRecord(this.fd, this.bytes, at, into, Math.min(into.byteLength, this.end - at));
  }

  /** The host's ring never lets go of its file while the terminal lives. */
  freeze(): boolean {
    return true;
  }

  close(abandoned = false): void {
    if (!this.open) return;
    this.open = false;
    // The stream goes on without the file: no reader may trust it for any of it from now on.
    if (abandoned) this.writeEnd(Number.MAX_SAFE_INTEGER);
    closeSync(this.fd);
  }

  private writeEnd(end: number): void {
    this.header.setFloat64(0, end, false);
    writeSync(this.fd, this.header, 0, 8, 0);
  }
}
