import { describe, expect, it } from 'vitest';
import { isSaveShortcut } from './save-shortcut';

const key = (k: string, mods: Partial<Record<'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey', boolean>> = {}) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe('isSaveShortcut', () => {
  it('is Ctrl-S or Cmd-S', () => {
    expect(isSaveShortcut(key('s', { ctrlKey: true }))).toBe(true);
    expect(isSaveShortcut(key('s', { metaKey: true }))).toBe(true);
    expect(isSaveShortcut(key('S', { ctrlKey: true }))).toBe(true); // Caps Lock
  });

  it('is not S alone, another letter, or S with Alt or Shift', () => {
    expect(isSaveShortcut(key('s'))).toBe(false);
    expect(isSaveShortcut(key('d', { ctrlKey: true }))).toBe(false);
    expect(isSaveShortcut(key('s', { ctrlKey: true, altKey: true }))).toBe(false);
    expect(isSaveShortcut(key('S', { ctrlKey: true, shiftKey: true }))).toBe(false);
  });

  it('does not look at the key without Ctrl or Cmd (some synthetic keydowns have none)', () => {
    expect(isSaveShortcut({ ...key('s'), key: undefined as unknown as string })).toBe(false);
  });
});
