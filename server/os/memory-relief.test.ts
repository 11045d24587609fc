/** MemoryRelief: one collection once memory grew past the threshold and held still; none while it moves or stays small. */
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { MemoryRelief } from './memory-relief';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const MiB = 1024 * 1024;

it('collects once after memory grew and went quiet, not while it moves nor for small growth', () => {
  let used = 50 * MiB;
  const collect = vi.fn(() => {
    used -= 30 * MiB;
  });
  const relief = new MemoryRelief({ thresholdBytes: 16 * MiB, quietBytes: MiB, intervalMs: 1000, sample: () => used, collect });
  // Small growth, quiet: nothing to give back.
  used += 8 * MiB;
  vi.advanceTimersByTime(5000);
  expect(collect).not.toHaveBeenCalled();
  // A flood: memory keeps moving, so no collection however high it goes.
  for (let i = 0; i < 10; i++) {
    used += 5 * MiB;
    vi.advanceTimersByTime(1000);
  }
  expect(collect).not.toHaveBeenCalled();
  // It ended: the next quiet interval collects, once.
  vi.advanceTimersByTime(1000);
  expect(collect).toHaveBeenCalledTimes(1);
  vi.advanceTimersByTime(10_000);
  expect(collect).toHaveBeenCalledTimes(1);
  // The count starts again from where the collection left memory.
  used += 20 * MiB;
  vi.advanceTimersByTime(3000);
  expect(collect).toHaveBeenCalledTimes(2);
  relief.dispose();
});

it('does nothing when the process cannot collect', () => {
  let used = 0;
  const relief = new MemoryRelief({ thresholdBytes: 1, intervalMs: 10, sample: () => used, collect: null });
  used = 1e9;
  vi.advanceTimersByTime(100);
  expect(relief.collections).toBe(0);
});
