import { describe, expect, it } from 'vitest';
import { InputQueue } from './input-queue';

describe('InputQueue', () => {
  it('keeps input in order and drains it once', () => {
    const q = new InputQueue(100);
    q.push(new Uint8Array([1, 2]));
    q.push(new Uint8Array([3]));
    expect(q.drain().map((c) => [...c])).toEqual([[1, 2], [3]]);
    expect(q.drain()).toEqual([]);
    expect(q.size).toBe(0);
  });

  it('drops what exceeds the cap and says how much', () => {
    const q = new InputQueue(4);
    expect(q.push(new Uint8Array([1, 2, 3]))).toBe(0);
    expect(q.push(new Uint8Array([4, 5, 6]))).toBe(2);
    expect(q.push(new Uint8Array([7]))).toBe(1);
    expect(q.drain().flatMap((c) => [...c])).toEqual([1, 2, 3, 4]);
  });

  it('copies, so a reused caller buffer does not change queued input', () => {
    const q = new InputQueue(10);
    const buf = new Uint8Array([1]);
    q.push(buf);
    buf[0] = 9;
    expect([...q.drain()[0]!]).toEqual([1]);
  });
});
