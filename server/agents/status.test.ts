import { describe, expect, it } from 'vitest';
import { deriveStatus, looksLikePrompt, WORKING_MS, type StatusInput } from './status';

const base: StatusInput = { now: 100_000, exited: false, lastOutputAt: 100_000, attentionAt: null, lastLine: '' };

describe('deriveStatus', () => {
  it('is working while output keeps coming, then idle once it goes quiet', () => {
    expect(deriveStatus({ ...base, lastLine: 'compiling 31/200' })).toBe('working');
    expect(deriveStatus({ ...base, now: base.now + WORKING_MS - 1, lastLine: 'compiling 31/200' })).toBe('working');
    expect(deriveStatus({ ...base, now: base.now + WORKING_MS, lastLine: 'compiling 31/200' })).toBe('idle');
  });

  it('is waiting after a bell or a notification that came with the last output', () => {
    const quiet = base.now + WORKING_MS + 1;
    expect(deriveStatus({ ...base, now: quiet, attentionAt: base.lastOutputAt, lastLine: 'done' })).toBe('waiting');
    // A bell long before the last output is old news.
    expect(deriveStatus({ ...base, now: quiet, attentionAt: base.lastOutputAt - 10_000, lastLine: 'done' })).toBe('idle');
    // While output still flows it is working, bell or not.
    expect(deriveStatus({ ...base, attentionAt: base.lastOutputAt, lastLine: 'done' })).toBe('working');
  });

  it('is waiting when the last line asks something, idle at a shell prompt', () => {
    const quiet = { ...base, now: base.now + WORKING_MS + 1 };
    expect(deriveStatus({ ...quiet, lastLine: 'Do you want to apply these changes? (y/n)' })).toBe('waiting');
    expect(deriveStatus({ ...quiet, lastLine: 'user@host:~/src$ ' })).toBe('idle');
  });

  it('is exited once the process ended, whatever it printed last', () => {
    expect(deriveStatus({ ...base, exited: true, lastLine: 'Continue? [Y/n]' })).toBe('exited');
  });
});

describe('looksLikePrompt', () => {
  it.each([
    ['Do you want to proceed?', true],
    ['Overwrite file? [y/N] ', true],
    ['Continue (yes/no)?', true],
    ['Enter passphrase for key /root/.ssh/id_ed25519: ', true],
    ['Password:', true],
    ['Press Enter to continue', true],
    ['> ', true],
    ['❯', true],
    ['root@box:/work# ', false],
    ['~/src $', false],
    ['% ', false],
    ['Build finished in 3.2s', false],
    ['', false],
  ])('%j → %s', (line, expected) => {
    expect(looksLikePrompt(line)).toBe(expected);
  });
});
