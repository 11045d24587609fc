import { describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES } from './ops';
import { encodeRecord, RecordReader, RecordTooLargeError } from './stream';

describe('stream records', () => {
  it('reassembles records split at every byte boundary, and several in one chunk', () => {
    const frames = [new Uint8Array([1]), new Uint8Array(300).fill(7), new Uint8Array([9, 8, 7])];
    const stream = Buffer.concat(frames.map(encodeRecord));
    for (let cut = 0; cut <= stream.length; cut++) {
      const r = new RecordReader();
      const got = [...r.push(stream.subarray(0, cut)), ...r.push(stream.subarray(cut))];
      expect(got.map((g) => Buffer.from(g).toString('hex'))).toEqual(frames.map((f) => Buffer.from(f).toString('hex')));
    }
    const byteByByte = new RecordReader();
    const got: Uint8Array[] = [];
    for (const b of stream) got.push(...byteByByte.push(new Uint8Array([b])));
    expect(got).toHaveLength(3);
  });

  it('delivers every record intact over random chunkings, and copies what it holds across chunks', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let round = 0; round < 200; round++) {
      const frames = Array.from({ length: 1 + rnd(8) }, (_, i) => new Uint8Array(1 + rnd(i % 3 === 0 ? 5000 : 40)).map(() => rnd(256)));
      const stream = Buffer.concat(frames.map(encodeRecord));
      const r = new RecordReader();
      const got: Uint8Array[] = [];
      for (let at = 0; at < stream.length; ) {
        const n = 1 + rnd(round % 2 ? 9000 : 60);
        // A fresh buffer per read, as a socket gives. Records are checked only at the end, so
        // one left as a view of the reader's own buffer (reused for later chunks) shows up.
        got.push(...r.push(Uint8Array.from(stream.subarray(at, at + n))));
        at += n;
      }
      expect(got.map((g) => Buffer.from(g).toString('hex'))).toEqual(frames.map((f) => Buffer.from(f).toString('hex')));
    }
  });

  it('refuses an empty or oversized record (the stream is out of step)', () => {
    expect(() => new RecordReader().push(new Uint8Array([0, 0, 0, 0]))).toThrow(RecordTooLargeError);
    const big = new Uint8Array(4);
    new DataView(big.buffer).setUint32(0, MAX_FRAME_BYTES + 1);
    expect(() => new RecordReader().push(big)).toThrow(/exceeds/);
  });
});
