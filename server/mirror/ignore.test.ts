import { describe, expect, it } from 'vitest';
import { DEFAULT_IGNORE, IgnoreRules } from './ignore';

describe('mirror ignore rules', () => {
  const rules = IgnoreRules.from([...DEFAULT_IGNORE, 'tmp-*'], '*.log\n/secret/\n!keep.log\ndocs/**/draft.md\n');

  it('ignores .git internals, defaults at any depth, and .gitignore patterns', () => {
    expect(rules.ignores('.git/HEAD')).toBe(true);
    expect(rules.ignores('sub/.git/config')).toBe(true);
    expect(rules.ignores('.gitignore')).toBe(false);
    expect(rules.ignores('node_modules/x/i.js')).toBe(true);
    expect(rules.ignores('pkg/node_modules/y')).toBe(true);
    expect(rules.ignores('dist', true)).toBe(true);
    expect(rules.ignores('src/debug.log')).toBe(true);
    expect(rules.ignores('keep.log')).toBe(false);
    expect(rules.ignores('tmp-1')).toBe(true);
    expect(rules.ignores('docs/a/b/draft.md')).toBe(true);
    expect(rules.ignores('docs/final.md')).toBe(false);
  });

  it('anchors a leading slash to the root and matches folders only with a trailing slash', () => {
    expect(rules.ignores('secret/key')).toBe(true);
    expect(rules.ignores('nested/secret/key')).toBe(false);
    expect(rules.ignores('secret')).toBe(false); // a file named secret is not the folder
    expect(rules.ignores('dist')).toBe(false);
  });
});
