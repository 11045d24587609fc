import { expect, it } from 'vitest';
import { RecentSet } from './recent-set';

it('keeps the most recently touched items and names the one that falls out', () => {
  const s = new RecentSet<string>(3);
  expect([s.touch('a'), s.touch('b'), s.touch('c')]).toEqual([undefined, undefined, undefined]);
  expect(s.touch('a')).toBeUndefined(); // touched again: newest, nothing falls out
  expect(s.touch('d')).toBe('b'); // b is now the oldest
  expect(['a', 'b', 'c', 'd'].map((x) => s.has(x))).toEqual([true, false, true, true]);
  s.delete('c');
  expect(s.touch('e')).toBeUndefined();
  expect(s.size).toBe(3);
  expect(() => new RecentSet(0)).toThrow(RangeError);
});
