import { describe, expect, it } from 'vitest';
import { terminalTargetKey } from './terminal-target';

describe('terminalTargetKey', () => {
  it('names an attach by its session, and whether it starts from a snapshot', () => {
    expect(terminalTargetKey({ kind: 'attach', session: 's1' })).toBe('attach:s1');
    expect(terminalTargetKey({ kind: 'attach', session: 's1', snapshot: false })).toBe('attach:s1');
    expect(terminalTargetKey({ kind: 'attach', session: 's1', snapshot: true })).toBe('attach:s1:snapshot');
  });

  it('names a create by its workspace and cwd (no cwd is the same as an empty one)', () => {
    expect(terminalTargetKey({ kind: 'create', workspace: 'w1' })).toBe('create:w1:');
    expect(terminalTargetKey({ kind: 'create', workspace: 'w1', cwd: '' })).toBe('create:w1:');
    expect(terminalTargetKey({ kind: 'create', workspace: 'w1', cwd: 'src/app' })).toBe('create:w1:src/app');
  });

  it('is the same for equal targets and differs when any part differs', () => {
    const keys = [
      terminalTargetKey({ kind: 'attach', session: 'a' }),
      terminalTargetKey({ kind: 'attach', session: 'b' }),
      terminalTargetKey({ kind: 'attach', session: 'a', snapshot: true }),
      terminalTargetKey({ kind: 'create', workspace: 'a' }),
      terminalTargetKey({ kind: 'create', workspace: 'b' }),
      terminalTargetKey({ kind: 'create', workspace: 'a', cwd: 'x' }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(terminalTargetKey({ kind: 'create', workspace: 'a', cwd: 'x' })).toBe(keys[5]);
  });
});
