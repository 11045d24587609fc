import { describe, expect, it } from 'vitest';
import { activityText, terminalsText, waitingText } from './workspace-status';

describe('workspace status words', () => {
  it('counts terminals with the right number', () => {
    expect(terminalsText(0)).toBe('No terminals running');
    expect(terminalsText(1)).toBe('1 terminal running');
    expect(terminalsText(3)).toBe('3 terminals running');
  });

  it('mentions waiting only when something waits', () => {
    expect(waitingText(0)).toBeNull();
    expect(waitingText(2)).toBe('2 waiting');
  });

  it('says when the workspace was last active, or when it was created if nothing is known', () => {
    const now = 10_000_000;
    expect(activityText({ terminalsRunning: 0, agentsWaiting: 0, lastActivityAt: now - 5 * 60_000, createdAt: 0 }, now)).toEqual({ text: 'active 5 min ago', at: now - 5 * 60_000 });
    expect(activityText({ terminalsRunning: 1, agentsWaiting: 0, lastActivityAt: now - 1000, createdAt: 0 }, now).text).toBe('active just now');
    expect(activityText({ terminalsRunning: 0, agentsWaiting: 0, lastActivityAt: null, createdAt: now - 3 * 3_600_000 }, now)).toEqual({ text: 'created 3 h ago', at: now - 3 * 3_600_000 });
  });
});
