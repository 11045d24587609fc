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

describe('backoff: the shipped numbers of each caller', () => {
  it('equal jitter stays in [ceiling/2, ceiling], rounded (SSH pool: base 1 s, cap 60 s)', () => {
    const pool = { baseMs: 1000, capMs: 60_000, jitter: 'equal' as const };
    expect(backoffDelay(0, pool, () => 0)).toBe(500);
    expect(backoffDelay(0, pool, () => 0.999)).toBe(1000);
    expect(backoffDelay(2, pool, () => 0.5)).toBe(3000);
    expect(backoffDelay(40, pool, () => 0)).toBe(30_000);
  });

  it('retries at once first, then backs off (agent link: base 200 ms, cap 5 s)', () => {
    const agent = { baseMs: 200, capMs: 5000, jitter: 'equal' as const, immediateFirst: true };
    expect(backoffDelay(0, agent, () => 0.7)).toBe(0);
    expect(backoffDelay(1, agent, () => 0)).toBe(100);
    expect(backoffDelay(1, agent, () => 1)).toBe(200);
    expect(backoffDelay(3, agent, () => 1)).toBe(800);
    expect(backoffDelay(10, agent, () => 1)).toBe(5000);
  });
});
