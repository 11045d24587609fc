import { describe, expect, it } from 'vitest';
import { mirrorLabel, mirrorSentence, type MirrorStatusView } from './mirror-status';

const base: MirrorStatusView = { state: 'in-sync', pending: 0, conflicts: 0, errors: [], detail: null };

describe('mirror status words', () => {
  it('labels each state briefly', () => {
    expect(mirrorLabel(base)).toBe('In sync');
    expect(mirrorLabel({ ...base, state: 'syncing', pending: 3 })).toBe('Syncing 3');
    expect(mirrorLabel({ ...base, state: 'conflicts', conflicts: 1 })).toBe('1 conflict');
    expect(mirrorLabel({ ...base, state: 'conflicts', conflicts: 2 })).toBe('2 conflicts');
    expect(mirrorLabel({ ...base, state: 'paused' })).toBe('Paused');
    expect(mirrorLabel({ ...base, state: 'error', detail: 'x' })).toBe('Error');
    expect(mirrorLabel({ ...base, errors: [{ path: 'a', reason: 'full' }] })).toBe('1 file stopped');
  });

  it('says what is going on and what to do in a sentence', () => {
    expect(mirrorSentence({ ...base, state: 'error', detail: 'could not list files: connection refused' }, 'box')).toBe('Mirror with box: could not list files: connection refused; retrying');
    expect(mirrorSentence({ ...base, state: 'conflicts', conflicts: 2 }, 'box')).toContain('choose which version to keep');
  });
});
