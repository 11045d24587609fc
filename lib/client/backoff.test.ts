import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay, RECONNECT_BASE_MS, RECONNECT_CAP_MS } from './backoff';

describe('backoff', () => {
  it('doubles from the base up to the cap', () => {
    expect(backoffCeiling(0)).toBe(RECONNECT_BASE_MS);
    expect(backoffCeiling(1)).toBe(RECONNECT_BASE_MS * 2);
    expect(backoffCeiling(3)).toBe(RECONNECT_BASE_MS * 8);
    expect(backoffCeiling(10)).toBe(RECONNECT_CAP_MS);
    expect(backoffCeiling(10_000)).toBe(RECONNECT_CAP_MS);
  });

  it('uses full jitter: anywhere in [0, ceiling)', () => {
    expect(backoffDelay(4, {}, () => 0)).toBe(0);
    expect(backoffDelay(4, {}, () => 0.5)).toBe(RECONNECT_BASE_MS * 8);
    const max = backoffDelay(4, {}, () => 0.999999);
    expect(max).toBeLessThan(RECONNECT_BASE_MS * 16);
    expect(max).toBeGreaterThan(RECONNECT_BASE_MS * 16 - 2);
  });

  it('honours custom base and cap', () => {
    expect(backoffCeiling(2, { baseMs: 100, capMs: 300 })).toBe(300);
    expect(backoffCeiling(1, { baseMs: 100, capMs: 300 })).toBe(200);
  });
});
