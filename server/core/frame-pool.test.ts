/** FramePool: a frame's buffer is never handed out while a frame holds it, a steady stream of
 * frames reuses the same few buffers, and a held frame pins no more than its own buffer. */
import { describe, expect, it } from 'vitest';
import { FramePool } from './frame-pool';

const KiB = 1024;

describe('FramePool', () => {
  it('hands a buffer out again only once the frame that held it was given back, once', () => {
    const pool = new FramePool();
    const a = pool.alloc(200 * KiB).fill(1);
    const b = pool.alloc(200 * KiB).fill(2);
    expect(a.buffer).not.toBe(b.buffer);
    expect(a.byteOffset).toBe(0);
    pool.release(a);
    pool.release(a); // twice: the second is ignored
    const c = pool.alloc(150 * KiB); // the same size class (256 KiB)
    expect(c.buffer).toBe(a.buffer);
    const d = pool.alloc(150 * KiB);
    expect(d.buffer).not.toBe(a.buffer); // not handed out twice
    expect(d.buffer).not.toBe(b.buffer); // b is still held
    expect(b.every((x) => x === 2)).toBe(true);
    expect(pool.made).toBe(3);
  });

  it('a steady stream of frames, each given back once written, uses the same few buffers', () => {
    const pool = new FramePool();
    const inFlight: Uint8Array[] = [];
    for (let i = 0; i < 300; i++) {
      inFlight.push(pool.alloc(256 * KiB + 13).fill(i & 0xff));
      // The socket takes a frame a little later (up to 4 in flight).
      if (inFlight.length > 4) {
        const f = inFlight.shift()!;
        expect(f.every((x) => x === f[0])).toBe(true); // nobody wrote over it meanwhile
        pool.release(f);
      }
    }
    expect(pool.made).toBeLessThanOrEqual(5);
  });

  it('a frame held by a stalled socket pins only its own buffer; frames under 4 KiB and huge ones are not pooled', () => {
    const pool = new FramePool();
    const held = pool.alloc(40 * KiB);
    expect(held.buffer.byteLength).toBeLessThanOrEqual(2 * 40 * KiB);
    // Others' frames meanwhile come and go without touching it.
    for (let i = 0; i < 100; i++) pool.release(pool.alloc(40 * KiB).fill(9));
    expect(held.buffer.byteLength).toBeLessThan(80 * KiB);
    expect(pool.made).toBe(2);
    const small = pool.alloc(100);
    const huge = pool.alloc(600 * KiB);
    expect(pool.made).toBe(2);
    // A frame of a PTY read or two (4–16 KiB) is pooled, in a buffer of at most twice its size.
    const read = pool.alloc(5 * KiB);
    expect(pool.made).toBe(3);
    expect(read.buffer.byteLength).toBeLessThanOrEqual(2 * 5 * KiB);
    pool.release(read);
    expect(pool.alloc(7 * KiB).buffer).toBe(read.buffer);
    pool.release(small);
    pool.release(huge);
    pool.release(new Uint8Array(10));
    expect(huge.byteLength).toBe(600 * KiB);
  });
});
