/** FrameSlabs: frames cut from slabs never share memory with a frame not yet written, and a
 * steady stream of frames reuses the same few slabs. */
import { describe, expect, it } from 'vitest';
import { FrameSlabs } from './frame-slabs';

const KiB = 1024;

describe('FrameSlabs', () => {
  it('reuses a slab only once every frame cut from it was given back', () => {
    const slabs = new FrameSlabs(64 * KiB, 1);
    const a = slabs.alloc(16 * KiB).fill(1);
    const b = slabs.alloc(16 * KiB).fill(2);
    expect(a.buffer).toBe(b.buffer);
    expect(b.byteOffset).toBe(a.byteOffset + a.byteLength);
    slabs.alloc(16 * KiB).fill(3);
    const d = slabs.alloc(16 * KiB).fill(4);
    // The first slab is full; a and b are not written yet: the next frame is another slab's.
    const e = slabs.alloc(16 * KiB).fill(5);
    expect(e.buffer).not.toBe(a.buffer);
    expect(slabs.made).toBe(2);
    slabs.release(a);
    slabs.release(b);
    slabs.release(d);
    // One frame of the first slab still out: nothing of it is handed out again.
    for (let i = 0; i < 3; i++) expect(slabs.alloc(16 * KiB).fill(6).buffer).toBe(e.buffer);
    expect(a.every((x) => x === 1)).toBe(true); // untouched
    const third = slabs.alloc(16 * KiB);
    expect(third.buffer).not.toBe(a.buffer);
    expect(slabs.made).toBe(3);
  });

  it('a steady stream of frames, each given back once written, uses the same few slabs', () => {
    const slabs = new FrameSlabs();
    const inFlight: Uint8Array[] = [];
    for (let i = 0; i < 300; i++) {
      inFlight.push(slabs.alloc(256 * KiB + 13).fill(i & 0xff));
      // The socket takes a frame a little later (up to 4 in flight).
      if (inFlight.length > 4) {
        const f = inFlight.shift()!;
        expect(f.every((x) => x === f[0])).toBe(true); // nobody wrote over it meanwhile
        slabs.release(f);
      }
    }
    expect(slabs.made).toBeLessThanOrEqual(3);
  });

  it('gives frames larger than a slab share memory of their own, and ignores what is not its own', () => {
    const slabs = new FrameSlabs(64 * KiB, 1);
    const big = slabs.alloc(32 * KiB);
    expect(big.byteLength).toBe(32 * KiB);
    expect(slabs.made).toBe(0);
    slabs.release(big);
    slabs.release(new Uint8Array(10));
    const f = slabs.alloc(100);
    slabs.release(f);
    slabs.release(f); // twice: no harm
    expect(slabs.made).toBe(1);
  });
});
