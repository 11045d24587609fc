import { describe, expect, it } from 'vitest';
import { TitleScanner } from './title-scanner';

const enc = (s: string) => new TextEncoder().encode(s);

describe('TitleScanner', () => {
  it('finds OSC 0 and OSC 2 titles ended by BEL or ST', () => {
    const s = new TitleScanner();
    expect(s.scan(enc('hello \x1b]0;user@host: ~/src\x07$ '))).toBe('user@host: ~/src');
    expect(s.scan(enc('\x1b[1m\x1b]2;vim main.ts\x1b\\text'))).toBe('vim main.ts');
    expect(s.scan(enc('\x1b]1;icon\x07plain'))).toBeNull();
    expect(s.scan(enc('no escapes at all'))).toBeNull();
  });

  it('follows a title split across chunks at any byte', () => {
    const full = enc('abc\x1b]0;split title ünïcode\x07def');
    for (let cut = 1; cut < full.length; cut++) {
      const s = new TitleScanner();
      const found = [s.scan(full.subarray(0, cut)), s.scan(full.subarray(cut))].filter((t) => t !== null);
      expect(found).toEqual(['split title ünïcode']);
    }
  });

  it('strips control and bidi characters and bounds the length', () => {
    const s = new TitleScanner();
    expect(s.scan(enc('\x1b]0;a\u202eb\u0085c\x07'))).toBe('abc');
    expect(s.scan(enc(`\x1b]0;${'x'.repeat(1000)}\x07`))!.length).toBe(256);
    expect(s.scan(enc(`\x1b]0;${'y'.repeat(5000)}\x07`))).toBeNull();
    expect(s.scan(enc('\x1b]0;after\x07'))).toBe('after');
  });
});
