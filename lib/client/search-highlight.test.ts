import { describe, expect, it } from 'vitest';
import { highlightParts } from './search-highlight';

describe('highlightParts', () => {
  it('cuts the line around the match', () => {
    expect(highlightParts('let b = "todo";', 10, 4)).toEqual([
      { text: 'let b = "', match: false },
      { text: 'todo', match: true },
      { text: '";', match: false },
    ]);
  });
  it('handles a match at either end and the whole line', () => {
    expect(highlightParts('todo x', 1, 4)).toEqual([{ text: 'todo', match: true }, { text: ' x', match: false }]);
    expect(highlightParts('x todo', 3, 4)).toEqual([{ text: 'x ', match: false }, { text: 'todo', match: true }]);
    expect(highlightParts('todo', 1, 4)).toEqual([{ text: 'todo', match: true }]);
  });
  it('counts in UTF-16 units, as the server does', () => {
    expect(highlightParts('a 😀b', 3, 2)).toEqual([{ text: 'a ', match: false }, { text: '😀', match: true }, { text: 'b', match: false }]);
  });
  it('clamps a range beyond a cut-off line and shows nothing for an empty match', () => {
    expect(highlightParts('abc', 2, 50)).toEqual([{ text: 'a', match: false }, { text: 'bc', match: true }]);
    expect(highlightParts('abc', 9, 3)).toEqual([{ text: 'abc', match: false }]);
    expect(highlightParts('abc', 2, 0)).toEqual([{ text: 'a', match: false }, { text: 'bc', match: false }]);
    expect(highlightParts('', 1, 1)).toEqual([{ text: '', match: false }]);
  });
  it('keeps markup as text', () => {
    expect(highlightParts('<img src=x onerror=alert(1)>', 2, 3)).toEqual([
      { text: '<', match: false },
      { text: 'img', match: true },
      { text: ' src=x onerror=alert(1)>', match: false },
    ]);
  });
});
