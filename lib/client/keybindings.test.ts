import { describe, expect, it } from 'vitest';
import { bindingText, chordFor, eventKey, formatChord, isMacPlatform, matchesChord, parseChord, type KeyFields } from './keybindings';

function ev(key: string, code: string, mods: Partial<Pick<KeyFields, 'ctrlKey' | 'shiftKey' | 'altKey' | 'metaKey'>> = {}): KeyFields {
  return { key, code, ctrlKey: false, shiftKey: false, altKey: false, metaKey: false, ...mods };
}

describe('parseChord', () => {
  it('reads modifiers in any order and the key last', () => {
    expect(parseChord('ctrl+shift+p')).toEqual({ ctrl: true, shift: true, alt: false, meta: false, key: 'p' });
    expect(parseChord('Shift+Cmd+P')).toEqual({ ctrl: false, shift: true, alt: false, meta: true, key: 'p' });
    expect(parseChord('f1')).toEqual({ ctrl: false, shift: false, alt: false, meta: false, key: 'f1' });
  });
  it('throws on a binding that names no key or an unknown modifier', () => {
    expect(() => parseChord('ctrl+shift')).toThrow(/names no key/);
    expect(() => parseChord('hyper+p')).toThrow(/not a modifier/);
    expect(() => parseChord('ctrl+ctrl+p')).toThrow(/repeats/);
  });
  it('uses the mac variant on a Mac only', () => {
    expect(chordFor({ key: 'ctrl+p', mac: 'cmd+p' }, true).meta).toBe(true);
    expect(chordFor({ key: 'ctrl+p', mac: 'cmd+p' }, false).ctrl).toBe(true);
    expect(chordFor({ key: 'ctrl+`' }, true)).toMatchObject({ ctrl: true, key: '`' });
  });
});

describe('matching key events', () => {
  it('matches Ctrl-Shift-P however Shift cases the letter, and only with exactly those modifiers', () => {
    const chord = parseChord('ctrl+shift+p');
    expect(matchesChord(chord, ev('P', 'KeyP', { ctrlKey: true, shiftKey: true }))).toBe(true);
    expect(matchesChord(chord, ev('p', 'KeyP', { ctrlKey: true }))).toBe(false);
    expect(matchesChord(chord, ev('P', 'KeyP', { ctrlKey: true, shiftKey: true, altKey: true }))).toBe(false);
    expect(matchesChord(chord, ev('P', 'KeyP', { metaKey: true, shiftKey: true }))).toBe(false);
  });
  it('reads letters from the layout (Dvorak) and from the position for non-Latin layouts', () => {
    const chord = parseChord('ctrl+p');
    // Dvorak types "p" where QWERTY has R: that is Ctrl-P.
    expect(matchesChord(chord, ev('p', 'KeyR', { ctrlKey: true }))).toBe(true);
    expect(matchesChord(chord, ev('r', 'KeyP', { ctrlKey: true }))).toBe(false);
    // Russian: the P key types "з".
    expect(matchesChord(chord, ev('з', 'KeyP', { ctrlKey: true }))).toBe(true);
  });
  it('reads punctuation by position: Ctrl-Shift-` reports "~" and still matches', () => {
    expect(matchesChord(parseChord('ctrl+shift+`'), ev('~', 'Backquote', { ctrlKey: true, shiftKey: true }))).toBe(true);
    expect(matchesChord(parseChord('ctrl+`'), ev('Dead', 'Backquote', { ctrlKey: true }))).toBe(true);
    expect(matchesChord(parseChord('cmd+shift+]'), ev('}', 'BracketRight', { metaKey: true, shiftKey: true }))).toBe(true);
  });
  it('reads named keys from key', () => {
    expect(matchesChord(parseChord('f1'), ev('F1', 'F1'))).toBe(true);
    expect(matchesChord(parseChord('shift+f6'), ev('F6', 'F6', { shiftKey: true }))).toBe(true);
    expect(matchesChord(parseChord('ctrl+pagedown'), ev('PageDown', 'PageDown', { ctrlKey: true }))).toBe(true);
    expect(eventKey(ev('Control', 'ControlLeft', { ctrlKey: true }))).toBeNull();
  });
});

describe('formatChord', () => {
  it('writes Ctrl+Shift+P elsewhere and Apple symbols on a Mac', () => {
    expect(formatChord(parseChord('ctrl+shift+p'), false)).toBe('Ctrl+Shift+P');
    expect(formatChord(parseChord('ctrl+pagedown'), false)).toBe('Ctrl+PageDown');
    expect(formatChord(parseChord('ctrl+shift+`'), false)).toBe('Ctrl+Shift+`');
    expect(formatChord(parseChord('shift+f6'), false)).toBe('Shift+F6');
    expect(formatChord(parseChord('cmd+shift+p'), true)).toBe('⇧⌘P');
    expect(formatChord(parseChord('ctrl+shift+m'), true)).toBe('⌃⇧M');
  });
});

describe('isMacPlatform', () => {
  it('knows Apple platforms', () => {
    expect(isMacPlatform('MacIntel')).toBe(true);
    expect(isMacPlatform('iPad')).toBe(true);
    expect(isMacPlatform('Linux x86_64')).toBe(false);
    expect(isMacPlatform(undefined)).toBe(false);
  });
});

describe('bindingText', () => {
  const ev = (key: string, code: string, mods: Partial<KeyFields> = {}): KeyFields => ({ key, code, ctrlKey: false, shiftKey: false, altKey: false, metaKey: false, ...mods });
  it('writes a key press as a binding that parses back to a chord matching it', () => {
    for (const e of [ev('O', 'KeyO', { ctrlKey: true, shiftKey: true }), ev('~', 'Backquote', { ctrlKey: true, shiftKey: true }), ev('F8', 'F8'), ev('PageDown', 'PageDown', { altKey: true }), ev('k', 'KeyK', { metaKey: true })]) {
      const text = bindingText(e)!;
      expect(matchesChord(parseChord(text), e), text).toBe(true);
    }
    expect(bindingText(ev('O', 'KeyO', { ctrlKey: true, shiftKey: true }))).toBe('ctrl+shift+o');
    expect(bindingText(ev('k', 'KeyK', { metaKey: true }))).toBe('cmd+k');
  });
  it('is null for a modifier on its own', () => {
    expect(bindingText(ev('Control', 'ControlLeft', { ctrlKey: true }))).toBeNull();
    expect(bindingText(ev('Shift', 'ShiftLeft', { shiftKey: true }))).toBeNull();
  });
});
