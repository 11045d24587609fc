import { describe, expect, it } from 'vitest';
import { fuzzyFilter, fuzzyMatch } from './fuzzy';

describe('fuzzyMatch', () => {
  it('matches a subsequence, case-insensitively, and says where', () => {
    const m = fuzzyMatch('ntt', 'New Terminal Tab');
    expect(m).not.toBeNull();
    expect(m!.positions.map((i) => 'New Terminal Tab'[i]).join('').toLowerCase()).toBe('ntt');
    expect(fuzzyMatch('xyz', 'New Terminal')).toBeNull();
    expect(fuzzyMatch('NEW', 'new terminal')).not.toBeNull();
  });
  it('takes words in any order, each of which must match', () => {
    expect(fuzzyMatch('term new', 'Terminal: New Terminal')).not.toBeNull();
    expect(fuzzyMatch('term zebra', 'Terminal: New Terminal')).toBeNull();
  });
  it('an empty query matches everything', () => {
    expect(fuzzyMatch('  ', 'anything')).toEqual({ score: 0, positions: [] });
  });
  it('prefers word starts and runs to scattered letters', () => {
    const starts = fuzzyMatch('nt', 'Terminal: New Terminal')!;
    const scattered = fuzzyMatch('nt', 'Kill Contents')!;
    expect(starts.score).toBeGreaterThan(scattered.score);
    // The best placement is the word starts N(ew) T(erminal), not the "n" and "t" inside words.
    const text = 'Terminal: New Terminal';
    expect(starts.positions).toEqual([text.indexOf('New'), text.lastIndexOf('Terminal')]);
  });
});

describe('fuzzyFilter', () => {
  const titles = ['Terminal: Next Terminal', 'Terminal: New Terminal', 'File: Save', 'Go to File…', 'View: Focus Next Part'];
  it('keeps the matches, best first', () => {
    const out = fuzzyFilter('new term', titles, (t) => t).map((r) => r.item);
    expect(out[0]).toBe('Terminal: New Terminal');
    expect(out).not.toContain('File: Save');
  });
  it('ranks a prefix of a word above letters spread over the text', () => {
    expect(fuzzyFilter('save', titles, (t) => t)[0]?.item).toBe('File: Save');
    expect(fuzzyFilter('file', titles, (t) => t).map((r) => r.item).slice(0, 2).sort()).toEqual(['File: Save', 'Go to File…']);
  });
  it('lists everything alphabetically for an empty query', () => {
    expect(fuzzyFilter('', titles, (t) => t).map((r) => r.item)).toEqual([...titles].sort((a, b) => a.localeCompare(b)));
  });
});
