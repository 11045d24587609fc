import { describe, expect, it } from 'vitest';
import { baseName, displayName, invalidNameReason, isSameOrInside, joinPath, movedPath, parentDir } from './file-paths';

describe('file paths', () => {
  it('splits and joins workspace-relative paths with "" as the root', () => {
    expect(parentDir('a/b/c.txt')).toBe('a/b');
    expect(parentDir('c.txt')).toBe('');
    expect(baseName('a/b/c.txt')).toBe('c.txt');
    expect(baseName('c.txt')).toBe('c.txt');
    expect(joinPath('', 'x')).toBe('x');
    expect(joinPath('a/b', 'x')).toBe('a/b/x');
  });

  it('knows containment by whole path segments', () => {
    expect(isSameOrInside('a/b', 'a')).toBe(true);
    expect(isSameOrInside('a', 'a')).toBe(true);
    expect(isSameOrInside('ab/c', 'a')).toBe(false);
    expect(isSameOrInside('anything', '')).toBe(true);
  });

  it('re-roots paths after a rename', () => {
    expect(movedPath('a/b/c', 'a/b', 'x')).toBe('x/c');
    expect(movedPath('a/b', 'a/b', 'x/y')).toBe('x/y');
    expect(movedPath('a/bc', 'a/b', 'x')).toBeNull();
  });

  it('refuses names that are not a single path segment', () => {
    expect(invalidNameReason('ok.txt')).toBeNull();
    expect(invalidNameReason('')).not.toBeNull();
    expect(invalidNameReason('..')).not.toBeNull();
    expect(invalidNameReason('a/b')).not.toBeNull();
  });

  it('shows bidi and control characters as inert escapes', () => {
    expect(displayName('plain name.txt')).toBe('plain name.txt');
    expect(displayName('evil\u202Etxt.exe')).toBe('evil\\u{202e}txt.exe');
    expect(displayName('a\nb')).toBe('a\\u{a}b');
    expect(displayName('<b>x</b>')).toBe('<b>x</b>');
  });
});
