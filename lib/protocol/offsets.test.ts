import { describe, expect, it } from 'vitest';
import { ACK_EVERY_BYTES, AckTracker, sliceFresh } from './offsets';

const bytes = (...xs: number[]) => new Uint8Array(xs);

describe('sliceFresh', () => {
  it('passes contiguous output through untouched (same view, no copy)', () => {
    const data = bytes(1, 2, 3);
    const r = sliceFresh(10, 10, data);
    expect(r.fresh).toBe(data);
    expect(r).toMatchObject({ duplicate: 0, gap: 0, received: 13 });
  });

  it('drops a frame the client already has', () => {
    const r = sliceFresh(10, 5, bytes(1, 2, 3, 4, 5));
    expect(r.fresh.byteLength).toBe(0);
    expect(r).toMatchObject({ duplicate: 5, gap: 0, received: 10 });
  });

  it('cuts the already-received prefix of an overlapping frame', () => {
    const r = sliceFresh(10, 8, bytes(8, 9, 10, 11));
    expect([...r.fresh]).toEqual([10, 11]);
    expect(r).toMatchObject({ duplicate: 2, gap: 0, received: 12 });
  });

  it('reports a gap but keeps the terminal live', () => {
    const r = sliceFresh(10, 15, bytes(15, 16));
    expect([...r.fresh]).toEqual([15, 16]);
    expect(r).toMatchObject({ duplicate: 0, gap: 5, received: 17 });
  });

  it('reassembles a stream exactly once from arbitrarily overlapping resends', () => {
    const stream = Uint8Array.from({ length: 5000 }, (_, i) => i % 251);
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const out: number[] = [];
    let received = 0;
    while (received < stream.length) {
      // A resend may start anywhere up to `received` (never beyond: that would be a gap).
      const start = rand(received + 1);
      const end = Math.min(stream.length, start + 1 + rand(300));
      const r = sliceFresh(received, start, stream.subarray(start, end));
      expect(r.gap).toBe(0);
      out.push(...r.fresh);
      received = r.received;
    }
    expect(Uint8Array.from(out)).toEqual(stream);
  });
});

describe('AckTracker', () => {
  it('acks absolute stream offsets every threshold bytes, starting from the attach offset', () => {
    const t = new AckTracker(1_000_000, 100);
    expect(t.record(1_000_050)).toBeNull();
    expect(t.pending).toBe(true);
    expect(t.record(1_000_100)).toBe(1_000_100);
    expect(t.pending).toBe(false);
    expect(t.record(1_000_150)).toBeNull();
    expect(t.take()).toBe(1_000_150);
    expect(t.take()).toBeNull();
  });

  it('never moves backwards on a stale callback', () => {
    const t = new AckTracker(0, 10);
    t.record(50);
    t.record(20);
    expect(t.processed).toBe(50);
  });

  it('defaults to a 64 KiB batch', () => {
    const t = new AckTracker(0);
    expect(t.record(ACK_EVERY_BYTES - 1)).toBeNull();
    expect(t.record(ACK_EVERY_BYTES)).toBe(ACK_EVERY_BYTES);
  });
});
