/**
 * The gateway's side of a lent terminal's record (lent-reader.ts), read back by the pty host's
 * side (worker/lent-record.ts): everything the reader handed on is in the record — the newest
 * LENT_RECORD_BYTES of it, across the ring's wrap — with the end after it, even once the reader
 * has stopped and unmapped it (the host holds its own descriptor), through both ways of writing
 * it (pwrite until it is full once, then a mapping). A FIFO stands in for the PTY.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readlinkSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { afterAll, expect, it, vi } from 'vitest';
import { openLentRecord } from '../../worker/lent-record';
import { canTakeFds } from '../../os/take-fd';
import { keptRecordsAllowed, LENT_RECORD_BYTES, LentReader, TYPED_READERS } from './lent-reader';
import { openFilesLimit } from './record-io';

const dir = mkdtempSync(path.join(os.tmpdir(), 'lent-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bytes whose every 8-byte word is its own offset from `from`: any misplaced byte shows. */
function pattern(from: number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i += 8) b.writeDoubleBE(from + i, i);
  return b;
}

it.runIf(canTakeFds())('puts every read in the record before handing it on, the newest 8 MiB across the wrap', async () => {
  const fifo = path.join(dir, 'pty');
  execFileSync('mkfifo', [fifo]);
  // Read-write, so neither end waits for the other to open; the reader takes a duplicate.
  const end = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
  const reader = new LentReader();
  /** Bytes of this process's address space mapping a lent terminal's record. */
  const mappedBytes = () =>
    readFileSync('/proc/self/maps', 'utf8')
      .split('\n')
      .filter((l) => l.includes('memfd:tether-lent-terminal'))
      .reduce((n, l) => n + Number.parseInt(l.split('-')[1]!, 16) - Number.parseInt(l.split('-')[0]!, 16), 0);
  // Its header page is mapped from the start: the end is stored there, not written with pwrite(2).
  expect(mappedBytes()).toBe(4096);
  const from = 3 * 1024 * 1024 + 8; // a stream offset the host would lend at
  const total = LENT_RECORD_BYTES + 1024 * 1024 + 4096; // wraps the record
  const data = pattern(from, total);
  const delivered: Buffer[] = [];
  let got = 0;
  reader.start({ pid: process.pid, fd: end, offset: from }, (d) => {
    delivered.push(Buffer.from(d));
    got += d.byteLength;
  });
  const host = openLentRecord(reader.record.pid, reader.record.fd, reader.record.bytes);
  const store = reader.store(); // as the gateway's session ring reads it
  expect(store.from).toBe(from);
  // Write it through the FIFO, as fast as the reader takes it.
  for (let at = 0; at < total; ) {
    let n = 0;
    try {
      n = writeSync(end, data, at, Math.min(65536, total - at));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
    at += n;
    // The record's end is never ahead of what was handed on.
    expect(host.recover(from + got).end).toBe(from + got);
    await new Promise((r) => setImmediate(r));
  }
  while (got < total) await new Promise((r) => setTimeout(r, 5));
  expect(Buffer.concat(delivered).equals(data)).toBe(true);
  // The first 8 MiB went in with pwrite(2); once full, the record is written through a mapping
  // (the whole record, header included, in place of the header page's).
  expect(mappedBytes()).toBe(LENT_RECORD_BYTES + 4096);

  // The store reads the newest bytes back, across the wrap, and nothing older.
  const tail = Buffer.alloc(2 * 1024 * 1024);
  const tailFrom = 7 * 1024 * 1024; // the record wraps at stream offset 8 MiB
  expect(store.read(tailFrom, tail)).toBe(tail.byteLength);
  expect(tail.equals(data.subarray(tailFrom - from, tailFrom - from + tail.byteLength))).toBe(true);
  expect(store.read(from + total - LENT_RECORD_BYTES - 1, tail)).toBe(0);
  // It holds more than a ring would: not kept once the terminal is given back.
  expect(store.freeze(2 * 1024 * 1024)).toBe(false);

  reader.stop(); // unmaps and closes its record: the host's descriptor keeps it
  expect(mappedBytes()).toBe(0);
  // Still readable through the store until it is closed.
  const last = Buffer.alloc(100);
  expect(store.read(from + total - 100, last)).toBe(100);
  expect(last.equals(data.subarray(total - 100))).toBe(true);
  const recordLink = `/proc/self/fd/${reader.record.fd}`;
  const isRecord = () => {
    try {
      return readlinkSync(recordLink).includes('memfd:tether-lent-terminal');
    } catch {
      return false;
    }
  };
  expect(isRecord()).toBe(true);
  store.close();
  expect(isRecord()).toBe(false);
  const back = host.recover(from);
  expect(back.end).toBe(from + total);
  expect(back.data.length).toBe(2); // the newest bytes, in two pieces across the wrap
  expect(Buffer.concat(back.data).equals(data.subarray(total - LENT_RECORD_BYTES))).toBe(true);
  host.close();
  closeSync(end);
});

it.runIf(canTakeFds())('keeps a record that holds no more than the ring would, for reading after it is given back', async () => {
  const fifo = path.join(dir, 'pty-small');
  execFileSync('mkfifo', [fifo]);
  const end = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
  const reader = new LentReader();
  let got = 0;
  reader.start({ pid: process.pid, fd: end, offset: 100 }, (d) => (got += d.byteLength));
  const store = reader.store();
  const data = pattern(100, 64 * 1024);
  writeSync(end, data);
  while (got < data.byteLength) await new Promise((r) => setTimeout(r, 5));
  reader.stop();
  expect(store.freeze(2 * 1024 * 1024)).toBe(true);
  const back = Buffer.alloc(data.byteLength);
  expect(store.read(100, back)).toBe(data.byteLength);
  expect(back.equals(data)).toBe(true);
  store.close();
  closeSync(end);
});

it.runIf(canTakeFds())('keeps the records of up to 1,024 given-back terminals, as descriptors allow, and no more', () => {
  // The soft limit this process has, as a child it starts sees it.
  expect(openFilesLimit()).toBe(Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim()));
  expect([1024, 2048, 4096, 20_000, null].map(keptRecordsAllowed)).toEqual([256, 512, 1024, 1024, 256]);
  const allowed = keptRecordsAllowed(openFilesLimit());
  // 500 terminals ended together (bench:load): each ring keeps its record rather than copying it
  // in, up to the allowance; past it, freeze says no (the ring copies).
  const stores = Array.from({ length: Math.min(allowed + 10, 1100) }, () => {
    const reader = new LentReader();
    const store = reader.store();
    reader.stop();
    return store;
  });
  const kept = stores.map((s) => s.freeze(2 * 1024 * 1024));
  expect(kept.filter(Boolean).length).toBe(allowed);
  expect(kept.slice(allowed).some(Boolean)).toBe(false);
  for (const s of stores) s.close();
  // Closed, they no longer count.
  const again = new LentReader();
  const store = again.store();
  again.stop();
  expect(store.freeze(2 * 1024 * 1024)).toBe(true);
  store.close();
});

it.runIf(canTakeFds())('reads many busy terminals a slice per event-loop turn, each in turn, every byte; one typed into lately never waits', async () => {
  // 100 terminals printing faster than the gateway reads: a turn must not read every one of them
  // (a keystroke waits for the whole turn), yet every one gets its turn and all its bytes.
  const N = 100;
  const CHUNK = 16 * 1024;
  const TOTAL = 8 * CHUNK;
  /** Terminal i's byte at stream offset k. */
  const byteAt = (i: number, k: number) => (k * 7 + i) & 0xff;
  const ends: number[] = [];
  const readers: LentReader[] = [];
  const got: number[] = new Array(N).fill(0);
  const written: number[] = new Array(N).fill(0);
  let intact = true;
  let readThisTurn = new Set<number>();
  for (let i = 0; i < N; i++) {
    const fifo = path.join(dir, `busy-${i}`);
    execFileSync('mkfifo', [fifo]);
    const end = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    const reader = new LentReader();
    reader.start({ pid: process.pid, fd: end, offset: 0 }, (d) => {
      for (let j = 0; j < d.byteLength; j++) if (d[j] !== byteAt(i, got[i]! + j)) intact = false;
      got[i]! += d.byteLength;
      readThisTurn.add(i);
    });
    ends.push(end);
    readers.push(reader);
  }
  // Input marks a reader typed into (what it writes goes to the program, here back into the
  // FIFO, so it is written as the stream's first byte). TYPED_READERS + 1 are typed into, the last
  // one last: the first one typed (one read late in each turn) is no longer counted as typed.
  const typeInto = (i: number) => {
    readers[i]!.write(new Uint8Array([byteAt(i, 0)]));
    written[i] = 1;
  };
  const firstTyped = N - 2;
  typeInto(firstTyped);
  for (let i = 0; i < TYPED_READERS - 1; i++) typeInto(i);
  const typed = N - 1;
  typeInto(typed);
  const perTurn: number[] = [];
  const typedWaited: number[] = [];
  const firstTypedWaited: number[] = [];
  for (let turn = 0; got.some((g) => g < TOTAL); turn++) {
    if (turn > 2000) throw new Error(`stuck: ${got.filter((g) => g < TOTAL).length} readers short`);
    // Keep each FIFO topped up (at most two chunks ahead of its reader).
    for (let i = 0; i < N; i++) {
      const n = Math.min(CHUNK, TOTAL - written[i]!, 2 * CHUNK - (written[i]! - got[i]!));
      if (n <= 0) continue;
      const chunk = Buffer.alloc(n);
      for (let j = 0; j < n; j++) chunk[j] = byteAt(i, written[i]! + j);
      try {
        written[i]! += writeSync(ends[i]!, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      }
    }
    const typedPending = written[typed]! > got[typed]!;
    const firstTypedPending = written[firstTyped]! > got[firstTyped]!;
    readThisTurn = new Set();
    await new Promise((r) => setImmediate(r));
    perTurn.push(readThisTurn.size);
    if (typedPending && !readThisTurn.has(typed)) typedWaited.push(turn);
    if (firstTypedPending && !readThisTurn.has(firstTyped)) firstTypedWaited.push(turn);
  }
  expect(got).toEqual(new Array(N).fill(TOTAL));
  expect(intact).toBe(true);
  // After the first turns no turn read all 100 (the slice was spent, the rest took turns)...
  expect(Math.max(...perTurn.slice(3))).toBeLessThan(N);
  // ...and the one typed into last read whenever it had something; the first one typed took its
  // turn like the rest (more were typed into since: TYPED_READERS).
  expect(typedWaited).toEqual([]);
  expect(firstTypedWaited.length).toBeGreaterThan(0);
  for (const r of readers) r.stop();
  for (const e of ends) closeSync(e);
}, 60_000);

it.runIf(canTakeFds())('stops no reader when the readers past a turn\'s bytes all fit in the next turn', async () => {
  // 40 terminals, each read 16 KiB at a time: 16 reads spend a turn's bytes, the other 24 read
  // past them — fewer than a turn lets in, so they go on reading (stopping and starting a reader
  // is two epoll_ctl(2)s, for nothing when it reads again next turn anyway).
  const N = 40;
  const CHUNK = 16 * 1024;
  const TOTAL = 6 * CHUNK;
  const ends: number[] = [];
  const readers: LentReader[] = [];
  const got: number[] = new Array(N).fill(0);
  const written: number[] = new Array(N).fill(0);
  const pauses = vi.spyOn(net.Socket.prototype, 'pause');
  try {
    for (let i = 0; i < N; i++) {
      const fifo = path.join(dir, `fit-${i}`);
      execFileSync('mkfifo', [fifo]);
      const end = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
      const reader = new LentReader();
      reader.start({ pid: process.pid, fd: end, offset: 0 }, (d) => void (got[i]! += d.byteLength));
      ends.push(end);
      readers.push(reader);
    }
    let turnsReadingAll = 0;
    for (let turn = 0; got.some((g) => g < TOTAL); turn++) {
      if (turn > 500) throw new Error('stuck');
      for (let i = 0; i < N; i++) {
        const n = Math.min(CHUNK, TOTAL - written[i]!, CHUNK - (written[i]! - got[i]!));
        if (n > 0) written[i]! += writeSync(ends[i]!, Buffer.alloc(n, i));
      }
      const before = got.slice();
      await new Promise((r) => setImmediate(r));
      if (got.every((g, i) => g > before[i]!)) turnsReadingAll++;
    }
    expect(got).toEqual(new Array(N).fill(TOTAL));
    // Every turn read every terminal (each had a chunk waiting), and none was stopped for it.
    expect(turnsReadingAll).toBe(TOTAL / CHUNK);
    expect(pauses).not.toHaveBeenCalled();
  } finally {
    pauses.mockRestore();
    for (const r of readers) r.stop();
    for (const e of ends) closeSync(e);
  }
}, 60_000);

it.runIf(canTakeFds())('counts no turn for a lone reader; a second reader reading begins one', async () => {
  // Ending a turn is a setImmediate; a single flood would pay one per read for nothing.
  const turnsEnded = () => immediates.mock.calls.filter(([f]) => (f as { name?: string }).name === 'endLentTurn').length;
  const immediates = vi.spyOn(globalThis, 'setImmediate');
  const ends: number[] = [];
  const readers: LentReader[] = [];
  const got = [0, 0];
  try {
    for (let i = 0; i < 2; i++) {
      const fifo = path.join(dir, `lone-${i}`);
      execFileSync('mkfifo', [fifo]);
      ends.push(openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK));
      readers.push(new LentReader());
    }
    const CHUNK = 16 * 1024;
    const written = [0, 0];
    /** Feed `which` terminals `total` bytes each, a chunk once the last one was read. */
    const flood = async (which: number[], total: number) => {
      const goal = written.map((w, i) => (which.includes(i) ? w + total : w));
      for (let turn = 0; which.some((i) => got[i]! < goal[i]!); turn++) {
        if (turn > 1000) throw new Error('stuck');
        for (const i of which) if (got[i] === written[i] && written[i]! < goal[i]!) written[i]! += writeSync(ends[i]!, Buffer.alloc(CHUNK, i));
        await new Promise((r) => setImmediate(r));
      }
    };
    readers[0]!.start({ pid: process.pid, fd: ends[0]!, offset: 0 }, (d) => void (got[0]! += d.byteLength));
    await flood([0], 64 * CHUNK);
    expect(got[0]).toBe(64 * CHUNK);
    expect(turnsEnded()).toBe(0);
    readers[1]!.start({ pid: process.pid, fd: ends[1]!, offset: 0 }, (d) => void (got[1]! += d.byteLength));
    await flood([0, 1], 16 * CHUNK);
    expect(got).toEqual([80 * CHUNK, 16 * CHUNK]);
    expect(turnsEnded()).toBeGreaterThan(0);
  } finally {
    immediates.mockRestore();
    for (const r of readers) r.stop();
    for (const e of ends) closeSync(e);
  }
});
