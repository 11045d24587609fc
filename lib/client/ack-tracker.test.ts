import { describe, expect, it } from 'vitest';
import { ACK_EVERY_BYTES, AckTracker } from './ack-tracker';

describe('AckTracker', () => {
  it('acks absolute stream offsets every threshold bytes, starting from the attach offset', () => {
    const t = new AckTracker(1_000_000, 100);
    expect(t.record(1_000_050)).toBeNull();
    expect(t.pending).toBe(true);
    expect(t.record(1_000_100)).toBe(1_000_100);
    expect(t.pending).toBe(false);
    expect(t.record(1_000_150)).toBeNull();
    expect(t.take()).toBe(1_000_150);
    expect(t.take()).toBeNull();
  });

  it('never moves backwards on a stale callback', () => {
    const t = new AckTracker(0, 10);
    t.record(50);
    t.record(20);
    expect(t.processed).toBe(50);
  });

  it('defaults to a 64 KiB batch', () => {
    const t = new AckTracker(0);
    expect(t.record(ACK_EVERY_BYTES - 1)).toBeNull();
    expect(t.record(ACK_EVERY_BYTES)).toBe(ACK_EVERY_BYTES);
  });
});
