import { describe, expect, it } from 'vitest';
import { tabHints } from './tab-hints';

describe('tabHints', () => {
  it('gives unique names no hint', () => {
    expect(tabHints(['src/a.ts', 'src/b.ts', 'README.md'])).toEqual(['', '', '']);
  });
  it('tells same-named files apart by their nearest folder', () => {
    expect(tabHints(['src/a/index.ts', 'src/b/index.ts', 'main.ts'])).toEqual(['a', 'b', '']);
  });
  it('walks up as far as it takes, and no further', () => {
    expect(tabHints(['x/src/index.ts', 'y/src/index.ts'])).toEqual(['x/src', 'y/src']);
    expect(tabHints(['src/index.ts', 'lib/src/index.ts'])).toEqual(['src', 'lib/src']);
    expect(tabHints(['p/q/a/index.ts', 'p/q/b/index.ts', 'r/q/b/index.ts'])).toEqual(['p/q/a', 'p/q/b', 'r/q/b']);
  });
  it('leaves a file at the root without a hint when others have one', () => {
    expect(tabHints(['index.ts', 'src/index.ts'])).toEqual(['', 'src']);
  });
  it('hints each group on its own', () => {
    expect(tabHints(['a/x.ts', 'b/x.ts', 'a/y.ts', 'c/d/y.ts'])).toEqual(['a', 'b', 'a', 'd']);
  });
});
