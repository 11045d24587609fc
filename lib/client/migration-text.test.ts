import { describe, expect, it } from 'vitest';
import {
  currentTargetValue,
  failureText,
  formatBytes,
  formatSeconds,
  isFinalStep,
  parseTargetValue,
  planLines,
  progressFraction,
  reopenedText,
  resultText,
  stepStates,
  targetValue,
  transferText,
  type MigrationPlan,
} from './migration-text';

const HEAD = '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b';

describe('target values', () => {
  it('round-trips the three kinds', () => {
    expect(targetValue({ kind: 'local' })).toBe('local');
    expect(targetValue({ kind: 'cloud', size: 'large' })).toBe('cloud');
    expect(targetValue({ kind: 'ssh', hostId: 'h1', path: '/srv/x' })).toBe('ssh:h1');
    expect(parseTargetValue('local')).toEqual({ kind: 'local' });
    expect(parseTargetValue('cloud')).toEqual({ kind: 'cloud' });
    expect(parseTargetValue('cloud', { size: 'medium' })).toEqual({ kind: 'cloud', size: 'medium' });
    expect(parseTargetValue('ssh:h1')).toEqual({ kind: 'ssh', hostId: 'h1' });
  });
  it('keeps an SSH folder only when one is given', () => {
    expect(parseTargetValue('ssh:h1', { path: '  ~/code/app ' })).toEqual({ kind: 'ssh', hostId: 'h1', path: '~/code/app' });
    expect(parseTargetValue('ssh:h1', { path: '   ' })).toEqual({ kind: 'ssh', hostId: 'h1' });
    expect(parseTargetValue('local', { path: '/x' })).toEqual({ kind: 'local' });
  });
  it('refuses values that are no target', () => {
    expect(parseTargetValue('')).toBeNull();
    expect(parseTargetValue('ssh:')).toBeNull();
    expect(parseTargetValue('mars')).toBeNull();
  });
  it('names where a workspace runs now', () => {
    expect(currentTargetValue({ kind: 'local' })).toBe('local');
    expect(currentTargetValue({ kind: 'cloud', hostId: null })).toBe('cloud');
    expect(currentTargetValue({ kind: 'ssh', hostId: 'h2' })).toBe('ssh:h2');
  });
});

describe('numbers', () => {
  it('formats sizes', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(10 * 1024 - 1)).toBe('10 KB');
    expect(formatBytes(12 * 1024 * 1024)).toBe('12 MB');
    expect(formatBytes(1.25 * 1024 ** 3)).toBe('1.3 GB');
    expect(formatBytes(-1)).toBe('? B');
  });
  it('formats durations', () => {
    expect(formatSeconds(0.42)).toBe('0.4 s');
    expect(formatSeconds(3.25)).toBe('3.3 s');
    expect(formatSeconds(12.4)).toBe('12 s');
    expect(formatSeconds(125)).toBe('2 min 5 s');
    expect(formatSeconds(120)).toBe('2 min');
  });
});

describe('planLines', () => {
  const plan: MigrationPlan = {
    from: { kind: 'local', label: 'This machine' },
    to: { kind: 'cloud', label: 'Cloud worker' },
    branch: 'main',
    head: HEAD,
    changedFiles: 1,
    untrackedFiles: 0,
    repoBytes: 2048,
    terminals: 2,
    warnings: [],
  };
  const text = (p: MigrationPlan) => Object.fromEntries(planLines(p).map((l) => [l.key, l.text]));
  it('says what moves', () => {
    expect(text(plan)).toEqual({
      'from-to': 'This machine → Cloud worker',
      branch: 'Branch main at 1a2b3c4',
      changes: '1 changed file, 0 untracked files',
      size: '2.0 KB',
      terminals: '2 running',
    });
  });
  it('covers a detached HEAD, a clean tree and no terminals', () => {
    const t = text({ ...plan, branch: null, changedFiles: 0, untrackedFiles: 0, terminals: 0 });
    expect(t.branch).toBe('Detached HEAD at 1a2b3c4');
    expect(t.changes).toBe('No uncommitted changes');
    expect(t.terminals).toBe('None running');
    expect(text({ ...plan, changedFiles: 3, untrackedFiles: 1, terminals: 1 })).toMatchObject({
      changes: '3 changed files, 1 untracked file',
      terminals: '1 running',
    });
  });
});

describe('progress', () => {
  it('highlights the current step and marks the earlier ones done', () => {
    expect(stepStates(null, null)).toEqual({ capture: 'pending', pack: 'pending', transfer: 'pending', restore: 'pending', verify: 'pending', switch: 'pending' });
    expect(stepStates('transfer', 'transfer')).toEqual({ capture: 'done', pack: 'done', transfer: 'current', restore: 'pending', verify: 'pending', switch: 'pending' });
  });
  it('marks where a failed or cancelled move stopped', () => {
    expect(stepStates('failed', 'restore')).toMatchObject({ transfer: 'done', restore: 'failed', verify: 'pending' });
    expect(stepStates('cancelled', 'pack')).toMatchObject({ capture: 'done', pack: 'failed', transfer: 'pending' });
    expect(stepStates('failed', null)).toMatchObject({ capture: 'pending' });
  });
  it('marks every step done when the move is', () => {
    expect(Object.values(stepStates('done', 'switch')).every((s) => s === 'done')).toBe(true);
  });
  it('knows the final steps', () => {
    expect(['done', 'failed', 'cancelled'].every((s) => isFinalStep(s as never))).toBe(true);
    expect(isFinalStep('verify')).toBe(false);
  });
  it('computes the transfer bar', () => {
    expect(progressFraction(null)).toBeNull();
    expect(progressFraction({ bytes: 5 })).toBeNull();
    expect(progressFraction({ bytes: 5, totalBytes: 0 })).toBeNull();
    expect(progressFraction({ bytes: 25, totalBytes: 100 })).toBe(0.25);
    expect(progressFraction({ bytes: 250, totalBytes: 100 })).toBe(1);
    expect(transferText({ bytes: 1024, totalBytes: 4096 })).toBe('1.0 KB of 4.0 KB');
    expect(transferText({ bytes: 100 })).toBe('100 B');
    expect(transferText({})).toBeNull();
  });
});

describe('outcome', () => {
  const result = { verified: { branch: 'main', head: HEAD, files: 'identical' as const }, bytes: 3 * 1024 * 1024, incremental: false, seconds: 4.2, terminalsReopened: 1 };
  it('says where it went and what was verified', () => {
    expect(resultText('Cloud worker', result)).toBe('Moved to Cloud worker · branch main at 1a2b3c4 · files identical · 3.0 MB in 4.2 s');
    expect(resultText('devbox', { ...result, verified: { ...result.verified, branch: null }, incremental: true, seconds: 30 })).toBe(
      'Moved to devbox · a detached HEAD at 1a2b3c4 · files identical · 3.0 MB (only what was missing) in 30 s',
    );
  });
  it('counts reopened terminals', () => {
    expect(reopenedText(0)).toBeNull();
    expect(reopenedText(1)).toBe('1 terminal was reopened there.');
    expect(reopenedText(3)).toBe('3 terminals were reopened there.');
  });
  it('says the workspace stayed where it was', () => {
    expect(failureText({ step: 'failed', error: 'git fetch failed: no space left.', message: 'x' })).toBe(
      'Move failed: git fetch failed: no space left. The workspace stays where it was.',
    );
    expect(failureText({ step: 'failed', message: '' })).toBe('Move failed: the workspace stays where it was.');
    expect(failureText({ step: 'failed', message: 'the worker went away' })).toMatch(/^Move failed: the worker went away\. The workspace stays where it was\.$/);
    expect(failureText({ step: 'cancelled', message: 'cancelled' })).toBe('Move cancelled: the workspace stays where it was.');
  });
});
