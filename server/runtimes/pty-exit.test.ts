import { describe, expect, it } from 'vitest';
import { PtyExit } from './pty-exit';

describe('PtyExit', () => {
  it('tells every listener once, a late one on the next microtask, and keeps the first end', async () => {
    const exit = new PtyExit();
    const heard: string[] = [];
    exit.listen((e, lost) => heard.push(`early:${e.code}:${lost ?? ''}`));
    expect(exit.ended).toBe(false);
    exit.end({ code: 3, signal: null }, 'connection lost');
    exit.end({ code: 0, signal: null });
    expect(exit.info).toEqual({ code: 3, signal: null });
    exit.listen((e, lost) => heard.push(`late:${e.code}:${lost ?? ''}`));
    expect(heard).toEqual(['early:3:connection lost']);
    await Promise.resolve();
    expect(heard).toEqual(['early:3:connection lost', 'late:3:connection lost']);
  });
});
