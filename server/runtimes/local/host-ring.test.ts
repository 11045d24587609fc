/**
 * A pty host's ring file (worker/ring-file.ts) as the gateway reads it (host-ring.ts), both ends
 * in this process as the two would be on one machine: the gateway makes the memfd, the "host"
 * opens it through /proc and writes; the gateway reads what was written, across the wrap; a read
 * of bytes the host has begun to overwrite, or of a file the host abandoned, answers nothing.
 */
import { closeSync, readdirSync, readlinkSync } from 'node:fs';
import { expect, it } from 'vitest';
import { canTakeFds } from '../../os/take-fd';
import { RingFile } from '../../worker/ring-file';
import { makeRingFile, openHostRing, RING_FILE_BYTES } from './host-ring';

function openRingFiles(): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith('/memfd:tether-ring');
    } catch {
      return false;
    }
  }).length;
}

/** Bytes whose every 8-byte word is its own stream offset: any misplaced byte shows. */
function pattern(from: number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i + 8 <= n; i += 8) b.writeDoubleBE(from + i, i);
  return b;
}

it.runIf(canTakeFds())('reads what the host wrote, across the wrap, and nothing it overwrote or abandoned', () => {
  const before = openRingFiles();
  const made = makeRingFile();
  expect(made.bytes).toBe(RING_FILE_BYTES);
  const from = 4096;
  const host = RingFile.open(made.pid, made.fd, made.bytes, from);
  closeSync(made.fd); // as the gateway does once the host answered
  const shared = host.shared!;
  const store = openHostRing(shared, from);
  // 11 MiB in 64 KiB appends: past the end of the file once.
  const total = 11 * 1024 * 1024;
  const data = pattern(from, total);
  for (let at = 0; at < total; at += 65536) host.write(data.subarray(at, at + 65536));
  const end = from + total;
  const into = Buffer.alloc(2 * 1024 * 1024);
  const at = end - into.byteLength - 512 * 1024; // a range across the wrap at offset 10 MiB
  expect(store.read(at, into)).toBe(into.byteLength);
  expect(into.equals(data.subarray(at - from, at - from + into.byteLength))).toBe(true);
  // Older than the file keeps: nothing.
  expect(store.read(end - RING_FILE_BYTES - 8, Buffer.alloc(8))).toBe(0);
  expect(store.read(end - RING_FILE_BYTES, Buffer.alloc(8))).toBe(8);
  // Not kept for reading once given up: it holds 10 MiB, the ring 2 MiB.
  expect(store.freeze(2 * 1024 * 1024)).toBe(false);

  // The host runs 1 MiB further: what it overwrote is refused, the rest still read.
  host.write(pattern(end, 1024 * 1024));
  expect(store.read(end - RING_FILE_BYTES, Buffer.alloc(8))).toBe(0);
  const last = Buffer.alloc(4096);
  expect(store.read(end - 4096, last)).toBe(4096);
  expect(last.equals(data.subarray(total - 4096))).toBe(true);

  // The host stops writing the file while the terminal goes on: nothing in it is trusted.
  host.close(true);
  expect(store.read(end - 4096, last)).toBe(0);
  store.close();
  expect(openRingFiles()).toBe(before);
});

it.runIf(canTakeFds())('keeps a small file for reading after the terminal ends; the file outlives the host closing it', () => {
  const made = makeRingFile();
  const host = RingFile.open(made.pid, made.fd, made.bytes, 0);
  closeSync(made.fd);
  const firstIno = host.shared!.ino;
  const store = openHostRing(host.shared!, 0);
  const data = pattern(0, 300 * 1024);
  host.write(data);
  host.close(); // the host forgot the terminal (the gateway has its EXIT)
  expect(store.freeze(2 * 1024 * 1024)).toBe(true);
  const back = Buffer.alloc(data.byteLength);
  expect(store.read(0, back)).toBe(data.byteLength);
  expect(back.equals(data)).toBe(true);
  store.close();
  // A descriptor that is not a ring file is refused, on both sides.
  expect(() => RingFile.open(process.pid, 0, made.bytes, 0)).toThrow();
  expect(() => openHostRing({ pid: process.pid, fd: 0, ino: 0, bytes: made.bytes, from: 0 }, 0)).toThrow();
  // A ring file, but not the one the host said (its descriptor's number reused).
  const other = makeRingFile();
  const otherHost = RingFile.open(other.pid, other.fd, other.bytes, 0);
  closeSync(other.fd);
  const { fd: otherFd, bytes: otherBytes } = otherHost.shared!;
  expect(() => openHostRing({ pid: process.pid, fd: otherFd, ino: firstIno, bytes: otherBytes, from: 0 }, 0)).toThrow(/no longer/);
  otherHost.close();
});
