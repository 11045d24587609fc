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

describe('TitleScanner.scanAll', () => {
  it('rings the bell only for a BEL outside escape strings', () => {
    const s = new TitleScanner();
    expect(s.scanAll(enc('done\x07')).bell).toBe(true);
    expect(s.scanAll(enc('\x1b]0;title\x07text')).bell).toBe(false);
    expect(s.scanAll(enc('\x1b[31mred\x1b[0m then \x07')).bell).toBe(true);
    expect(s.scanAll(enc('no bell here')).bell).toBe(false);
  });

  it('finds OSC 9 and OSC 777 notifications, split anywhere, and ignores OSC 9 progress', () => {
    const full = enc('x\x1b]777;notify;Claude;Waiting for your input\x1b\\y');
    for (let cut = 1; cut < full.length; cut++) {
      const s = new TitleScanner();
      const found = [s.scanAll(full.subarray(0, cut)).notify, s.scanAll(full.subarray(cut)).notify].filter(Boolean);
      expect(found).toEqual([{ title: 'Claude', body: 'Waiting for your input' }]);
    }
    const s = new TitleScanner();
    expect(s.scanAll(enc('\x1b]9;Build finished\x07')).notify).toEqual({ body: 'Build finished' });
    expect(s.scanAll(enc('\x1b]9;4;1;50\x07')).notify).toBeNull();
    expect(s.scanAll(enc('\x1b]9;Build finished\x07')).bell).toBe(false);
  });
});
