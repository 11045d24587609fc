/**
 * The gateway's reader of a terminal the local pty host lends it (`terminals.lend`, see
 * lib/protocol/agent-methods.ts): the gateway reads the PTY master itself — a duplicate of the
 * host's descriptor (os/take-fd.ts) — instead of receiving the host's OUTPUT frames. That takes
 * the host's relaying off every byte (its reads and their framing, a Unix-socket write and read,
 * a wake-up of each process): a flood costs about what it costs with the PTY in the gateway.
 *
 * The host must still be able to resume a restarted gateway exactly. So each read is written to
 * a record first — a memfd of this process that the host opened too — and only then handed on:
 * a gateway killed at any moment has shown nobody a byte the record lacks. The host takes the
 * record's bytes into its ring when the terminal comes back to it (given back, or this process
 * gone). Writing it wakes no other process:
 * - until the record is full once, a pwrite(2) per read (the bytes), then the end is stored into
 *   the header's page, mapped from the start;
 * - then it is mapped into this process and each read is a copy into memory, no system call.
 * Mapping it at once cost more than it saved for short-lived terminals: with 100 printing 2 MiB
 * each, a page fault per fresh page of a shared mapping (~36 µs each while V8's threads map and
 * unmap its heap) made the gateway 0.3–0.5 CPU-s per 100 MB slower than pwrite, which allocates
 * the pages in the kernel. Once every page exists, the mapping is ~0.1–0.2 CPU-s per 100 MB
 * cheaper than the two syscalls (a long flood). The host reads the record only once this process
 * stopped writing it (it gave the terminal back, or it is gone), so the copy needs no ordering
 * with the host's reads.
 */
import { closeSync, ftruncateSync, writeSync } from 'node:fs';
import type net from 'node:net';
import { LENT_RECORD_HEADER_BYTES, lentRecordPosition } from '../../../lib/protocol';
import { RecentSet } from '../../../lib/shared/recent-set';
import type { LentTerminalReader } from '../agent/agent-client';
import type { OutputStore } from '../runtime';
import { mapShared, memfd, takeFd } from '../../os/take-fd';
import { KeptFiles, openFilesLimit, preadRecord } from './record-io';
import { PtyWriter } from './pty-writer';
import { readNow, readPty } from './spawner';

/** Data bytes of a record: the host's ring (server/worker/agent.ts) keeps as much. */
export const LENT_RECORD_BYTES = 8 * 1024 * 1024;
/** Read at once when the program ended; the host reads anything after that. */
const FINAL_READ_BYTES = 1024 * 1024;
/**
 * Records kept for their session's ring after their terminal was given back: up to 1,024, a
 * quarter of this process's descriptors (`ulimit -n`), at least 256. Past that a ring copies what
 * it needs out of the record: with 256, when 500 terminals that had printed ~0.5 MiB each ended
 * together (bench:load), 244 rings copied 114 MiB into the gateway's memory, 250 ms of its CPU
 * just after the exits, and its RSS stayed 233 MiB instead of 128 MiB. (A kept record's pages
 * are what the copy would hold; it costs a descriptor.)
 */
const keptRecords = new KeptFiles(keptRecordsAllowed(openFilesLimit()));

/** How many records may be kept, for a soft limit of `openFiles` descriptors (null: unknown). */
export function keptRecordsAllowed(openFiles: number | null): number {
  return Math.min(1024, Math.max(256, Math.floor((openFiles ?? 1024) / 4)));
}

/**
 * Bytes every lent reader together takes in per event-loop turn; past that, readers that read
 * wait (paused) until readers before them had a turn, RESUME_PER_TURN of them per turn. One
 * gateway reading hundreds of busy terminals otherwise spends each turn on a read of every one
 * (libuv runs every ready descriptor's callback in one poll), and a keystroke waits for all of it:
 * with 1,000 printing, a turn took ~1 s. Under that, reading goes round in bounded turns, and the
 * rest waits in the PTYs (whose programs then wait too). A terminal typed into in the last second
 * never waits (TYPED_MS: the interactive lane's second, INTERACTIVE_MS in core/channel.ts).
 *
 * Who waits is decided at the end of the turn, not at the read that went over: the readers that
 * read past the turn's bytes go on reading as long as fewer than RESUME_PER_TURN readers are let
 * in next turn, and only the rest stop. Stopping a reader and starting it again costs two
 * epoll_ctl(2)s; with 100 terminals printing, a third of the reads went over, and each of those
 * readers was stopped and let in again in the same turn (~19,000 system calls per 200 MB).
 */
const TURN_LENT_BYTES = 256 * 1024;
const RESUME_PER_TURN = 64;
const TYPED_MS = 1000;
/** At most this many readers are exempt so, the ones typed into most recently (as the
 * interactive lane: INTERACTIVE_CHANNELS in core/channel.ts). Typed into all at once, 500
 * readers were all exempt for a second, and every turn read them all. */
export const TYPED_READERS = 16;
const typedReaders = new RecentSet<LentReader>(TYPED_READERS);
/**
 * A turn is counted only once a second reader reads in it (or readers wait): a lone reader has
 * nobody to take turns with, and ending its every read's turn cost a setImmediate per read
 * (~6% of the gateway's main thread in a single flood: the immediate, its handles, a call into
 * JavaScript). `solo` is the reader that read since the last counted turn ended, alone, and
 * `soloBytes` its last read, counted when a second reader begins a turn.
 */
const lentTurn = { bytes: 0, ending: false, solo: null as LentReader | null, soloBytes: 0 };
/** Readers waiting for their turn, in the order they began to wait. */
const waitingReaders = new Set<LentReader>();
/** Readers that read after this turn's bytes were spent, still reading. */
const overReaders = new Set<LentReader>();

function endLentTurn(): void {
  lentTurn.ending = false;
  lentTurn.bytes = 0;
  lentTurn.solo = null;
  let n = RESUME_PER_TURN;
  for (const r of waitingReaders) {
    if (n === 0) break;
    r.endWait();
    n--;
  }
  for (const r of overReaders) {
    if (n > 0) n--;
    else r.beginWait();
  }
  overReaders.clear();
  if (waitingReaders.size > 0) {
    lentTurn.ending = true;
    setImmediate(endLentTurn);
  }
}

/** Count `reader`'s read; answers whether this turn's bytes are spent. */
function spendLentTurn(reader: LentReader, bytes: number): boolean {
  if (!lentTurn.ending) {
    if (waitingReaders.size === 0 && (lentTurn.solo === null || lentTurn.solo === reader)) {
      lentTurn.solo = reader;
      lentTurn.soloBytes = bytes;
      return false;
    }
    // A second reader: from here this turn is counted, the lone reader's last read with it.
    lentTurn.bytes = lentTurn.solo === null ? 0 : lentTurn.soloBytes;
    lentTurn.ending = true;
    setImmediate(endLentTurn);
  }
  lentTurn.bytes += bytes;
  return lentTurn.bytes > TURN_LENT_BYTES;
}

export class LentReader implements LentTerminalReader {
  /** This process's record file: what the host is told to open. */
  readonly record: { pid: number; fd: number; bytes: number };
  private socket: net.Socket | null = null;
  private writer: PtyWriter | null = null;
  private pty = -1;
  private offset = 0;
  /** The stream offset from which the record is written through a mapping: where it is full
   * once (every page exists); never if mapping it failed. */
  private mapAt = Number.POSITIVE_INFINITY;
  private map: { bytes: Uint8Array; unmap(): void } | null = null;
  private header: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(8));
  /** The record's header page, mapped from the start (one page fault, once): the end is then a
   * store into memory rather than a second pwrite(2) per read. Null where mapping fails. */
  private headerMap: { bytes: Uint8Array; unmap(): void } | null = null;
  private stopped = false;
  /** Where this reader's reads start (the lend's offset). */
  private from = 0;
  /** Who still needs the record's descriptor: this reader, and its store while a ring reads it. */
  private holders = 1;

  constructor() {
    const fd = memfd('tether-lent-terminal');
    try {
      ftruncateSync(fd, LENT_RECORD_HEADER_BYTES + LENT_RECORD_BYTES);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    this.record = { pid: process.pid, fd, bytes: LENT_RECORD_BYTES };
    try {
      this.headerMap = mapShared(fd, LENT_RECORD_HEADER_BYTES);
      this.header = new DataView(this.headerMap.bytes.buffer, this.headerMap.bytes.byteOffset, LENT_RECORD_HEADER_BYTES);
    } catch {
      /* written with pwrite(2) instead */
    }
  }

  /** The host lent the terminal: read descriptor `grant.fd` of process `grant.pid` from stream
   * offset `grant.offset` on, handing each read to `deliver` once it is in the record. */
  start(grant: { pid: number; fd: number; offset: number }, deliver: (data: Uint8Array) => void): void {
    this.pty = takeFd(grant.pid, grant.fd);
    this.offset = this.from = grant.offset;
    this.mapAt = grant.offset + this.record.bytes;
    this.deliver = deliver;
    this.socket = readPty(this.pty, (d) => this.take(d));
    this.writer = new PtyWriter(this.pty);
    // Not expected (the host holds the slave open): stop reading; the host reads it again.
    this.socket.on('error', () => void this.stop());
  }

  private deliver: (data: Uint8Array) => void = () => {};

  /** Paused by flow control (pause/resume), or waiting for its turn (see TURN_LENT_BYTES). */
  private held = false;
  private waiting = false;
  private typedAt = Number.NEGATIVE_INFINITY;

  pause(): void {
    this.held = true;
    this.socket?.pause();
  }

  resume(): void {
    this.held = false;
    if (!this.stopped && !this.waiting) this.socket?.resume();
  }

  /** It read past its turn's bytes, and other readers come first next turn: stop reading. */
  beginWait(): void {
    if (this.stopped || this.waiting) return;
    this.waiting = true;
    waitingReaders.add(this);
    this.socket?.pause();
  }

  /** Its turn came (or it was typed into): read again unless flow control holds it. */
  endWait(): void {
    waitingReaders.delete(this);
    this.waiting = false;
    if (!this.stopped && !this.held) this.socket?.resume();
  }

  /** The terminal is wanted back (its program ended, or the host has another viewer): read
   * what is there (up to a bound), then stop. */
  finish(): Uint8Array[] {
    if (this.stopped || !this.socket) return this.stop();
    this.socket.pause();
    readNow(this.pty, FINAL_READ_BYTES, (d) => this.take(d));
    return this.stop();
  }

  /** Input, straight to the program (the host wrote everything it had before it lent the terminal). */
  write(data: Uint8Array): void {
    this.typedAt = performance.now();
    const untyped = typedReaders.touch(this);
    if (untyped) untyped.typedAt = Number.NEGATIVE_INFINITY;
    overReaders.delete(this);
    if (this.waiting) this.endWait();
    this.writer?.write(data);
  }

  /** Stop reading and close what this process holds (the host has the record open itself).
   * Answers input the program has not taken yet, for the host to write. */
  stop(): Uint8Array[] {
    if (this.stopped) return [];
    this.stopped = true;
    waitingReaders.delete(this);
    overReaders.delete(this);
    typedReaders.delete(this);
    if (lentTurn.solo === this) lentTurn.solo = null;
    const left = this.writer?.closeTaking() ?? [];
    this.socket?.destroy(); // closes the PTY descriptor
    // take() checks `stopped` first: nothing writes to them after this.
    this.map?.unmap();
    this.headerMap?.unmap();
    this.release();
    return left;
  }

  private release(): void {
    if (--this.holders === 0) closeSync(this.record.fd);
  }

  /**
   * The record as the gateway's session ring reads it (ReplayRing.useStore): what this reader
   * read from the lend's offset on, the newest LENT_RECORD_BYTES of it, read with pread(2). After
   * the terminal is given back it is kept for reading while it holds not much more than the ring
   * would (KeptFiles): a program that printed a couple of MiB and ended then costs its bytes
   * once, in the record, rather than again in the ring.
   */
  store(): OutputStore {
    this.holders++;
    let open = true;
    let kept: (() => void) | null = null;
    const { bytes } = this.record;
    return {
      from: this.from,
      bytes,
      read: (at, into) => this.readRecord(at, into),
      freeze: (ringCapacity) => {
        if (open) kept = keptRecords.keep(Math.min(this.offset - this.from, bytes), ringCapacity);
        return kept !== null;
      },
      close: () => {
        if (!open) return;
        open = false;
        kept?.();
        this.release();
      },
    };
  }

  /** Copy what the record holds from stream offset `at` on into `into`; answers how many bytes. */
  private readRecord(at: number, into: Uint8Array): number {
    const { fd, bytes } = this.record;
    if (at < Math.max(this.from, this.offset - bytes)) return 0; // overwritten (or never here)
    return preadRecord(fd, bytes, at, into, Math.min(into.byteLength, this.offset - at));
  }

  private take(d: Uint8Array): void {
    if (this.stopped) return;
    const { fd, bytes } = this.record;
    const pos = lentRecordPosition(this.offset, bytes);
    const first = Math.min(d.byteLength, LENT_RECORD_HEADER_BYTES + bytes - pos);
    const map = this.map?.bytes;
    if (map) {
      map.set(first === d.byteLength ? d : d.subarray(0, first), pos);
      if (first < d.byteLength) map.set(d.subarray(first), LENT_RECORD_HEADER_BYTES);
    } else {
      writeSync(fd, d, 0, first, pos);
      if (first < d.byteLength) writeSync(fd, d, first, d.byteLength - first, LENT_RECORD_HEADER_BYTES);
    }
    this.offset += d.byteLength;
    // The end, after the bytes (big-endian, as the host reads it: server/worker/lent-record.ts).
    this.header.setFloat64(0, this.offset, false);
    if (!map) {
      if (!this.headerMap) writeSync(fd, this.header, 0, 8, 0);
      if (this.offset >= this.mapAt) this.mapRecord();
    }
    this.deliver(d);
    if (spendLentTurn(this, d.byteLength) && !this.waiting && !this.stopped && performance.now() - this.typedAt >= TYPED_MS) overReaders.add(this);
  }

  /** Every page of the record exists: write it through a mapping from now on. */
  private mapRecord(): void {
    try {
      this.map = mapShared(this.record.fd, LENT_RECORD_HEADER_BYTES + this.record.bytes);
    } catch {
      this.mapAt = Number.POSITIVE_INFINITY; // keep writing with pwrite(2)
      return;
    }
    this.header = new DataView(this.map.bytes.buffer, this.map.bytes.byteOffset, LENT_RECORD_HEADER_BYTES);
    this.headerMap?.unmap();
    this.headerMap = null;
  }
}
