/** MemoryRelief: one collection after enough was let go and a quiet spell; none below the threshold. */
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { MemoryRelief } from './memory-relief';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

it('collects once after a burst of releases has been quiet, and not for small ones', () => {
  const collect = vi.fn();
  const relief = new MemoryRelief({ thresholdBytes: 100, quietMs: 1000, collect });
  relief.released(60);
  vi.advanceTimersByTime(5000);
  expect(collect).not.toHaveBeenCalled();
  // A burst: each release past the threshold pushes the collection back until it is quiet.
  for (let i = 0; i < 5; i++) {
    relief.released(60);
    vi.advanceTimersByTime(500);
  }
  expect(collect).not.toHaveBeenCalled();
  vi.advanceTimersByTime(600);
  expect(collect).toHaveBeenCalledTimes(1);
  // The count starts again from zero.
  relief.released(60);
  vi.advanceTimersByTime(5000);
  expect(collect).toHaveBeenCalledTimes(1);
  relief.dispose();
});

it('does nothing when the process cannot collect', () => {
  const relief = new MemoryRelief({ thresholdBytes: 1, quietMs: 10, collect: null });
  relief.released(1e9);
  vi.advanceTimersByTime(100);
  expect(relief.collections).toBe(0);
});
