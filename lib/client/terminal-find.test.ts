import { describe, expect, it } from 'vitest';
import { findCountText, isFindShortcut, isMacPlatform, regexError } from './terminal-find';

type Mods = Partial<Record<'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey', boolean>>;
const key = (k: string, mods: Mods = {}, code = `Key${k.toUpperCase()}`) => ({
  key: k,
  code,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe('isMacPlatform', () => {
  it('is true for Apple platforms only', () => {
    expect(isMacPlatform('MacIntel')).toBe(true);
    expect(isMacPlatform('macOS')).toBe(true);
    expect(isMacPlatform('iPhone')).toBe(true);
    expect(isMacPlatform('iPad')).toBe(true);
    expect(isMacPlatform('Linux x86_64')).toBe(false);
    expect(isMacPlatform('Win32')).toBe(false);
    expect(isMacPlatform(undefined)).toBe(false);
  });
});

describe('isFindShortcut', () => {
  it('is Ctrl-F elsewhere and Cmd-F on a Mac', () => {
    expect(isFindShortcut(key('f', { ctrlKey: true }), false)).toBe(true);
    expect(isFindShortcut(key('F', { ctrlKey: true }), false)).toBe(true); // Caps Lock
    expect(isFindShortcut(key('f', { metaKey: true }), true)).toBe(true);
  });

  it('leaves Ctrl-F to the program on a Mac, and Cmd/Super-F elsewhere', () => {
    expect(isFindShortcut(key('f', { ctrlKey: true }), true)).toBe(false);
    expect(isFindShortcut(key('f', { metaKey: true }), false)).toBe(false);
    expect(isFindShortcut(key('f', { ctrlKey: true, metaKey: true }), false)).toBe(false);
    expect(isFindShortcut(key('f', { ctrlKey: true, metaKey: true }), true)).toBe(false);
  });

  it('is not F alone, another letter, or F with Alt or Shift', () => {
    expect(isFindShortcut(key('f'), false)).toBe(false);
    expect(isFindShortcut(key('g', { ctrlKey: true }), false)).toBe(false);
    expect(isFindShortcut(key('f', { ctrlKey: true, shiftKey: true }), false)).toBe(false);
    expect(isFindShortcut(key('f', { ctrlKey: true, altKey: true }), false)).toBe(false);
  });

  it('finds the F key on a non-Latin layout, but not another Latin letter placed there', () => {
    expect(isFindShortcut(key('а', { ctrlKey: true }, 'KeyF'), false)).toBe(true);
    expect(isFindShortcut(key('u', { ctrlKey: true }, 'KeyF'), false)).toBe(false); // Dvorak's U
    expect(isFindShortcut(key('f', { ctrlKey: true }, 'KeyY'), false)).toBe(true); // Dvorak's F
  });
});

describe('findCountText', () => {
  it('says nothing before a query', () => {
    expect(findCountText('', { resultIndex: 0, resultCount: 3 }, 1000)).toBe('');
    expect(findCountText('x', null, 1000)).toBe('');
  });

  it('counts matches', () => {
    expect(findCountText('x', { resultIndex: -1, resultCount: 0 }, 1000)).toBe('No results');
    expect(findCountText('x', { resultIndex: 0, resultCount: 3 }, 1000)).toBe('1 of 3');
    expect(findCountText('x', { resultIndex: 2, resultCount: 3 }, 1000)).toBe('3 of 3');
    expect(findCountText('x', { resultIndex: -1, resultCount: 3 }, 1000)).toBe('3 results');
    expect(findCountText('x', { resultIndex: -1, resultCount: 1 }, 1000)).toBe('1 result');
  });

  it('says when the addon stopped counting', () => {
    expect(findCountText('x', { resultIndex: 4, resultCount: 1000 }, 1000)).toBe('5 of 1000+');
    expect(findCountText('x', { resultIndex: -1, resultCount: 1000 }, 1000)).toBe('1000+ results');
  });
});

describe('regexError', () => {
  it('accepts valid patterns and names invalid ones', () => {
    expect(regexError('line-2\\d\\d$')).toBeNull();
    expect(regexError('a(b')).toBe('Invalid regex');
    expect(regexError('[')).toBe('Invalid regex');
  });
});
