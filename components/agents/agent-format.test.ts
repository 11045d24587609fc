import { describe, expect, it } from 'vitest';
import { byActivity, duration, relativeTime, sinceText, statusPill } from './agent-format';

const MIN = 60_000;

describe('agent-format', () => {
  it('says how long ago', () => {
    expect(relativeTime(1000, 3000)).toBe('just now');
    expect(relativeTime(0, 42_000)).toBe('42 s ago');
    expect(relativeTime(0, 3 * MIN + 20_000)).toBe('3 min ago');
    expect(relativeTime(0, 125 * MIN)).toBe('2 h ago');
    expect(relativeTime(0, 5 * 24 * 60 * MIN)).toBe('5 d ago');
    expect(relativeTime(10_000, 0)).toBe('just now');
    expect(duration(0, 12_000)).toBe('12 s');
  });

  it('labels and colours the status', () => {
    const now = 10 * MIN;
    expect(statusPill({ status: 'working', since: now, exit: null }, now)).toEqual({ text: 'working', tone: 'working' });
    expect(statusPill({ status: 'exited', since: now - 3 * MIN, exit: { code: 1, signal: null } }, now)).toEqual({ text: 'exit 1 · 3 min ago', tone: 'failed' });
    expect(statusPill({ status: 'exited', since: now, exit: { code: 0, signal: null } }, now)).toEqual({ text: 'exit 0 · just now', tone: 'ok' });
    expect(statusPill({ status: 'exited', since: now, exit: { code: null, signal: 'SIGKILL' } }, now).tone).toBe('failed');
    expect(statusPill({ status: 'exited', since: now, exit: null }, now).text).toBe('exited · just now');
  });

  it('describes since when', () => {
    expect(sinceText({ status: 'waiting', since: 0, exit: null }, 2 * MIN)).toBe('waiting for 2 min');
    expect(sinceText({ status: 'idle', since: 0, exit: null }, 2 * MIN)).toBe('idle since 2 min ago');
    expect(sinceText({ status: 'exited', since: 0, exit: { code: 3, signal: null } }, 2 * MIN)).toBe('exited 2 min ago (code 3)');
  });

  it('orders by newest activity', () => {
    const rows = [
      { sessionId: 'a', since: 1, lastOutputAt: 10, createdAt: 1 },
      { sessionId: 'b', since: 50, lastOutputAt: 5, createdAt: 2 },
      { sessionId: 'c', since: 1, lastOutputAt: 30, createdAt: 3 },
    ];
    expect(byActivity(rows).map((r) => r.sessionId)).toEqual(['b', 'c', 'a']);
  });
});
