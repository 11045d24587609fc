import { describe, expect, it } from 'vitest';
import { agoText, durationText, poolSummaryText, workerOwnerText } from './cloud-pool';

describe('cloud pool words', () => {
  it('sums up the warm pool in one line', () => {
    expect(poolSummaryText({ warm: 2, warmTarget: 3, starting: 1, assigned: 4 })).toBe('warm 2 / target 3 · starting 1 · assigned 4');
    expect(poolSummaryText({ warm: 0, warmTarget: 0, starting: 0, assigned: 0 })).toBe('warm 0 / target 0 · starting 0 · assigned 0');
  });

  it('tells durations in their largest whole unit', () => {
    expect(durationText(0)).toBe('0 s');
    expect(durationText(59_999)).toBe('59 s');
    expect(durationText(60_000)).toBe('1 min');
    expect(durationText(3_599_000)).toBe('59 min');
    expect(durationText(3_600_000)).toBe('1 h');
    expect(durationText(47 * 3_600_000)).toBe('47 h');
    expect(durationText(48 * 3_600_000)).toBe('2 d');
    // A clock a little ahead of ours is not "in the future".
    expect(durationText(-1500)).toBe('0 s');
  });

  it('says how long ago, or never', () => {
    expect(agoText(null, 1000)).toBe('never');
    expect(agoText(10_000, 190_000)).toBe('3 min ago');
  });

  it('names a worker’s owner, or none for a warm one', () => {
    expect(workerOwnerText({ userId: 'u1', userName: 'ada' })).toBe('ada');
    expect(workerOwnerText({ userId: 'u1', userName: null })).toBe('u1');
    expect(workerOwnerText({ userId: null, userName: null })).toBe('—');
  });
});
