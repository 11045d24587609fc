import { describe, expect, it } from 'vitest';
import { ALL_KEYS, applyStickyCtrl, applyStickyModifiers, arrowBytes, ctrlCode, KEY_DEFS, keyBytes, keyPressPlan, parseFontSize, PHONE_FONT } from './keybar';

describe('keyBytes', () => {
  it('sends the plain keys', () => {
    expect(keyBytes('esc')).toBe('\x1b');
    expect(keyBytes('tab')).toBe('\t');
    expect(keyBytes('ctrl-c')).toBe('\x03');
    expect(keyBytes('ctrl-d')).toBe('\x04');
  });

  it('sends CSI arrows in normal cursor mode', () => {
    expect(keyBytes('up')).toBe('\x1b[A');
    expect(keyBytes('down')).toBe('\x1b[B');
    expect(keyBytes('right')).toBe('\x1b[C');
    expect(keyBytes('left')).toBe('\x1b[D');
    expect(keyBytes('up', { applicationCursor: false })).toBe('\x1b[A');
  });

  it('sends SS3 arrows in application cursor mode', () => {
    expect(keyBytes('up', { applicationCursor: true })).toBe('\x1bOA');
    expect(keyBytes('down', { applicationCursor: true })).toBe('\x1bOB');
    expect(keyBytes('right', { applicationCursor: true })).toBe('\x1bOC');
    expect(keyBytes('left', { applicationCursor: true })).toBe('\x1bOD');
  });

  it('sends Ctrl+arrow in its modified form in either mode', () => {
    expect(arrowBytes('left', { ctrl: true })).toBe('\x1b[1;5D');
    expect(arrowBytes('right', { ctrl: true, applicationCursor: true })).toBe('\x1b[1;5C');
  });

  it('leaves non-arrow keys alone when Ctrl is armed', () => {
    expect(keyBytes('esc', { ctrl: true })).toBe('\x1b');
    expect(keyBytes('tab', { ctrl: true })).toBe('\t');
  });
});

describe('keyBytes: Home, End, PgUp, PgDn, Alt and the extra keys', () => {
  it('sends Home and End as CSI H / F, SS3 in application cursor mode', () => {
    expect(keyBytes('home')).toBe('\x1b[H');
    expect(keyBytes('end')).toBe('\x1b[F');
    expect(keyBytes('home', { applicationCursor: true })).toBe('\x1bOH');
    expect(keyBytes('end', { applicationCursor: true })).toBe('\x1bOF');
  });

  it('sends PgUp and PgDn as CSI 5~ / 6~ in either cursor mode', () => {
    expect(keyBytes('pgup')).toBe('\x1b[5~');
    expect(keyBytes('pgdn')).toBe('\x1b[6~');
    expect(keyBytes('pgup', { applicationCursor: true })).toBe('\x1b[5~');
  });

  it('modifies cursor and page keys with xterm parameters: 3 Alt, 5 Ctrl, 7 both', () => {
    expect(keyBytes('left', { alt: true })).toBe('\x1b[1;3D');
    expect(keyBytes('home', { ctrl: true, applicationCursor: true })).toBe('\x1b[1;5H');
    expect(keyBytes('up', { ctrl: true, alt: true })).toBe('\x1b[1;7A');
    expect(keyBytes('pgdn', { ctrl: true })).toBe('\x1b[6;5~');
    expect(keyBytes('pgup', { alt: true })).toBe('\x1b[5;3~');
  });

  it('prefixes ESC for Alt on the other keys', () => {
    expect(keyBytes('esc', { alt: true })).toBe('\x1b\x1b');
    expect(keyBytes('tab', { alt: true })).toBe('\x1b\t');
    expect(keyBytes('ctrl-c', { alt: true })).toBe('\x1b\x03');
  });

  it('sends the character keys, with Ctrl and Alt as for typed characters', () => {
    expect(keyBytes('pipe')).toBe('|');
    expect(keyBytes('tilde')).toBe('~');
    expect(keyBytes('dash')).toBe('-');
    expect(keyBytes('slash', { ctrl: true })).toBe('\x1f');
    expect(keyBytes('dash', { alt: true })).toBe('\x1b-');
    expect(keyBytes('ctrl-z')).toBe('\x1a');
    expect(keyBytes('ctrl-d')).toBe('\x04');
  });

  it('names every key with its visible text inside the accessible name', () => {
    for (const k of ALL_KEYS) expect(KEY_DEFS[k].name).toContain(KEY_DEFS[k].text);
  });
});

describe('applyStickyModifiers', () => {
  it('does nothing with no modifier armed', () => {
    expect(applyStickyModifiers('c', {})).toEqual({ data: 'c', consumed: false });
  });

  it('prefixes ESC for Alt, after the control code with both', () => {
    expect(applyStickyModifiers('b', { alt: true })).toEqual({ data: '\x1bb', consumed: true });
    expect(applyStickyModifiers('c', { ctrl: true, alt: true })).toEqual({ data: '\x1b\x03', consumed: true });
    expect(applyStickyModifiers('bc', { alt: true })).toEqual({ data: '\x1bbc', consumed: true });
  });

  it('lets escape sequences through with the modifiers still armed', () => {
    expect(applyStickyModifiers('\x1b[I', { alt: true })).toEqual({ data: '\x1b[I', consumed: false });
  });
});

describe('keyPressPlan', () => {
  it('sends the draft first, then the key, as two writes (Tab completes what was typed)', () => {
    expect(keyPressPlan('ech', '\t')).toEqual([
      { kind: 'type', data: 'ech' },
      { kind: 'type', data: '\t' },
    ]);
  });

  it('sends only the key when the composer is empty', () => {
    expect(keyPressPlan('', '\x1b[A')).toEqual([{ kind: 'type', data: '\x1b[A' }]);
  });

  it('pastes a draft of several lines, so its newlines do not run it, then sends the key', () => {
    expect(keyPressPlan('a\nb', '\r')).toEqual([
      { kind: 'paste', data: 'a\nb' },
      { kind: 'type', data: '\r' },
    ]);
  });

  it('sends the draft alone for a key without bytes', () => {
    expect(keyPressPlan('ls', '')).toEqual([{ kind: 'type', data: 'ls' }]);
  });
});

describe('ctrlCode', () => {
  it('maps letters of either case to 0x01…0x1a', () => {
    expect(ctrlCode('a')).toBe('\x01');
    expect(ctrlCode('c')).toBe('\x03');
    expect(ctrlCode('C')).toBe('\x03');
    expect(ctrlCode('d')).toBe('\x04');
    expect(ctrlCode('z')).toBe('\x1a');
    expect(ctrlCode('Z')).toBe('\x1a');
  });

  it('maps @ [ \\ ] ^ _ to 0x00 and 0x1b…0x1f', () => {
    expect(ctrlCode('@')).toBe('\x00');
    expect(ctrlCode('[')).toBe('\x1b');
    expect(ctrlCode('\\')).toBe('\x1c');
    expect(ctrlCode(']')).toBe('\x1d');
    expect(ctrlCode('^')).toBe('\x1e');
    expect(ctrlCode('_')).toBe('\x1f');
  });

  it('maps the usual extras and nothing else', () => {
    expect(ctrlCode(' ')).toBe('\x00');
    expect(ctrlCode('/')).toBe('\x1f');
    expect(ctrlCode('?')).toBe('\x7f');
    expect(ctrlCode('1')).toBeNull();
    expect(ctrlCode('é')).toBeNull();
    expect(ctrlCode('')).toBeNull();
    expect(ctrlCode('ab')).toBeNull();
  });
});

describe('applyStickyCtrl', () => {
  it('turns the next character into its control code and is used up', () => {
    expect(applyStickyCtrl('c')).toEqual({ data: '\x03', consumed: true });
    expect(applyStickyCtrl('[')).toEqual({ data: '\x1b', consumed: true });
  });

  it('applies to the first character of a multi-character IME commit only', () => {
    expect(applyStickyCtrl('cat')).toEqual({ data: '\x03at', consumed: true });
  });

  it('sends a character without a control code unchanged but still releases', () => {
    expect(applyStickyCtrl('1')).toEqual({ data: '1', consumed: true });
    expect(applyStickyCtrl('😀x')).toEqual({ data: '😀x', consumed: true });
  });

  it('lets escape sequences (terminal replies, hardware arrows) through and stays armed', () => {
    expect(applyStickyCtrl('\x1b[I')).toEqual({ data: '\x1b[I', consumed: false });
    expect(applyStickyCtrl('\x1b[12;1R')).toEqual({ data: '\x1b[12;1R', consumed: false });
    expect(applyStickyCtrl('')).toEqual({ data: '', consumed: false });
  });

  it('treats a lone Esc as the key', () => {
    expect(applyStickyCtrl('\x1b')).toEqual({ data: '\x1b', consumed: true });
  });
});

describe('parseFontSize', () => {
  it('reads, rounds and clamps stored sizes', () => {
    expect(parseFontSize(null)).toBe(PHONE_FONT.default);
    expect(parseFontSize('junk')).toBe(PHONE_FONT.default);
    expect(parseFontSize('11')).toBe(11);
    expect(parseFontSize('11.6')).toBe(12);
    expect(parseFontSize('2')).toBe(PHONE_FONT.min);
    expect(parseFontSize('99')).toBe(PHONE_FONT.max);
  });
});
