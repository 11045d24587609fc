/**
 * The pty host's reading of a lent terminal's record (lent-record.ts): the gateway's memfd, laid out
 * as lib/protocol says, read back from an offset — also across the ring's wrap, and only the newest
 * `bytes` when more was written — and a descriptor that is not a memfd refused.
 */
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LENT_RECORD_HEADER_BYTES, lentRecordPosition } from '../../lib/protocol';
import { memfd } from '../os/take-fd';
import { openLentRecord } from './lent-record';

const BYTES = 4096;

/** A record as the gateway writes it: `text` from stream offset `from`. */
function written(from: number, text: string): number {
  const fd = memfd('test-record');
  ftruncateSync(fd, LENT_RECORD_HEADER_BYTES + BYTES);
  const data = Buffer.from(text);
  for (let i = 0; i < data.byteLength; i++) writeSync(fd, data, i, 1, lentRecordPosition(from + i, BYTES));
  const header = Buffer.alloc(8);
  header.writeDoubleBE(from + data.byteLength);
  writeSync(fd, header, 0, 8, 0);
  return fd;
}

describe('lent terminal record (pty host side)', () => {
  it('reads back what was written after an offset, across the wrap', () => {
    const fd = written(4000, 'x'.repeat(50) + 'hello, world');
    const record = openLentRecord(process.pid, fd, BYTES);
    const got = record.recover(4050);
    expect(got.end).toBe(4062);
    expect(Buffer.concat(got.data).toString()).toBe('hello, world');
    // Wrapped: 4000..4095 at the end of the file, the rest at its start.
    const all = record.recover(4000);
    expect(all.data).toHaveLength(1);
    expect(Buffer.concat(all.data).toString()).toBe('x'.repeat(50) + 'hello, world');
    expect(record.recover(4062)).toEqual({ end: 4062, data: [] });
    record.close();
    closeSync(fd);
  });

  it('keeps only the newest bytes when more was written than it holds', () => {
    const text = Array.from({ length: 2000 }, (_, i) => `${i};`).join('');
    expect(text.length).toBeGreaterThan(2 * BYTES);
    const fd = written(10, text);
    const record = openLentRecord(process.pid, fd, BYTES);
    const got = record.recover(10);
    expect(got.end).toBe(10 + text.length);
    expect(Buffer.concat(got.data).toString()).toBe(text.slice(text.length - BYTES));
    record.close();
    closeSync(fd);
  });

  it('opens nothing but a memfd', () => {
    const file = path.join(os.tmpdir(), `not-a-record-${process.pid}`);
    const fd = openSync(file, 'w');
    try {
      expect(() => openLentRecord(process.pid, fd, BYTES)).toThrow(/not a memfd/);
    } finally {
      closeSync(fd);
    }
  });
});
