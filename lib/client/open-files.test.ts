import { describe, expect, it } from 'vitest';
import { renameOpenPaths, watchReactions } from './open-files';

describe('open file reactions', () => {
  it('checks changed files and marks deleted ones, including under a removed folder', () => {
    const r = watchReactions(
      [
        { type: 'change', path: 'a.txt' },
        { type: 'add', path: 'new.txt' },
        { type: 'unlinkDir', path: 'src' },
        { type: 'change', path: 'srcx/y.ts' },
      ],
      ['a.txt', 'src/deep/z.ts', 'srcx/y.ts', 'untouched.md'],
    );
    expect([...r]).toEqual([
      ['a.txt', 'check'],
      ['src/deep/z.ts', 'deleted'],
      ['srcx/y.ts', 'check'],
    ]);
  });

  it('lets the last event for a path win (delete then recreate)', () => {
    const r = watchReactions(
      [
        { type: 'unlink', path: 'a.txt' },
        { type: 'add', path: 'a.txt' },
      ],
      ['a.txt'],
    );
    expect(r.get('a.txt')).toBe('check');
  });

  it('re-roots open paths after a folder rename', () => {
    expect([...renameOpenPaths(['src/a.ts', 'srcx/b.ts', 'src'], 'src', 'lib')]).toEqual([
      ['src/a.ts', 'lib/a.ts'],
      ['src', 'lib'],
    ]);
  });
});
