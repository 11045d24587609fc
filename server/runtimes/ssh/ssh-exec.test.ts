import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellQuote } from './ssh-exec';

describe('shellQuote', () => {
  it('passes any word through a POSIX shell unchanged', () => {
    const words = ["it's", '$HOME', '`id`', 'a b\tc\nd', '"', "'", '\\', '-n', '', '☃'];
    const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${words.map(shellQuote).join(' ')}`]).toString();
    expect(out.split('\0').slice(0, -1)).toEqual(words);
  });
  it('refuses a NUL instead of letting the shell cut the word short', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });
});
