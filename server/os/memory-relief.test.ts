/** MemoryRelief: one collection once memory grew past the threshold and held still while the process was idle; none while it moves, stays small or the process is busy. */
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
  const relief = new MemoryRelief({ thresholdBytes: 16 * MiB, quietBytes: MiB, intervalMs: 1000, sample: () => used, cpu: () => 0, collect, trim: null });
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

it('waits for an idle interval to collect, and again to trim', () => {
  let used = 50 * MiB;
  let cpu = 0; // µs the process used
  const steps: string[] = [];
  const collect = vi.fn(() => steps.push('collect'));
  const trim = vi.fn(() => {
    steps.push('trim');
    used -= 30 * MiB;
  });
  const relief = new MemoryRelief({ thresholdBytes: 16 * MiB, quietBytes: MiB, intervalMs: 1000, busyShare: 0.1, trimDelayMs: 500, sample: () => used, cpu: () => cpu, collect, trim });
  // Grown and holding still, but the process is busy (30% of a core): terminals ending, say.
  used += 40 * MiB;
  for (let i = 0; i < 5; i++) {
    cpu += 300_000;
    vi.advanceTimersByTime(1000);
  }
  expect(collect).not.toHaveBeenCalled();
  // Busy just under the idle share: still not.
  cpu += 100_000;
  vi.advanceTimersByTime(1000);
  expect(collect).not.toHaveBeenCalled();
  // Idle (5%): it collects; the trim waits for its delay.
  cpu += 50_000;
  vi.advanceTimersByTime(1000);
  expect(steps).toEqual(['collect']);
  // Busy during the delay: the trim waits for the next idle interval, and no second collection.
  cpu += 200_000;
  vi.advanceTimersByTime(500);
  expect(trim).not.toHaveBeenCalled();
  cpu += 400_000;
  vi.advanceTimersByTime(500); // the interval's tick: busy
  expect(trim).not.toHaveBeenCalled();
  vi.advanceTimersByTime(1000); // idle
  expect(steps).toEqual(['collect', 'trim']);
  // Idle after the trim, memory where it left it: nothing more.
  vi.advanceTimersByTime(10_000);
  expect(steps).toEqual(['collect', 'trim']);
  expect([relief.collections, relief.trims]).toEqual([1, 1]);
  relief.dispose();
});

it('trims after its delay when the process stayed idle', () => {
  let used = 50 * MiB;
  const trim = vi.fn(() => {
    used -= 30 * MiB;
  });
  const relief = new MemoryRelief({ thresholdBytes: 16 * MiB, quietBytes: MiB, intervalMs: 1000, trimDelayMs: 500, sample: () => used, cpu: () => 0, collect: () => {}, trim });
  used += 40 * MiB;
  vi.advanceTimersByTime(2000); // grown, then held still
  expect(relief.collections).toBe(1);
  expect(trim).not.toHaveBeenCalled();
  vi.advanceTimersByTime(500);
  expect(trim).toHaveBeenCalledTimes(1);
  relief.dispose();
});

it('does nothing when the process cannot collect', () => {
  let used = 0;
  const relief = new MemoryRelief({ thresholdBytes: 1, intervalMs: 10, sample: () => used, collect: null });
  used = 1e9;
  vi.advanceTimersByTime(100);
  expect(relief.collections).toBe(0);
});
