/**
 * Find in a terminal's scrollback (components/terminal/TerminalFind.tsx, on @xterm/addon-search):
 * which key opens the bar, what its count says, and whether a regex pattern can be searched.
 */

import { chordFor, isMacPlatform, matchesChord, type KeyFields, type Keybinding } from './keybindings';

export { isMacPlatform };

/**
 * The find key: Cmd-F on a Mac (where Ctrl-F stays the program's: readline's forward-char),
 * Ctrl-F elsewhere; never with Alt or Shift. The letter is read from `key`, or from the key's
 * position when the layout types a non-Latin letter there (e.g. Cyrillic).
 */
export const FIND_KEYBINDING: Keybinding = { key: 'ctrl+f', mac: 'cmd+f' };

export function isFindShortcut(e: KeyFields, mac: boolean): boolean {
  return matchesChord(chordFor(FIND_KEYBINDING, mac), e);
}

/** What the search addon reports (`onDidChangeResults`, with decorations on). */
export interface FindResults {
  /** The current match, 0-based; -1 when none is selected (or it lies past the highlight limit). */
  resultIndex: number;
  resultCount: number;
}

/**
 * The bar's count: "" before anything is typed, "No results", "2 of 3", or — the addon stops
 * counting at `limit` — "2 of 1000+". With matches but none current: "3 results".
 */
export function findCountText(query: string, results: FindResults | null, limit: number): string {
  if (query === '' || results === null) return '';
  const { resultIndex, resultCount } = results;
  if (resultCount <= 0) return 'No results';
  const total = resultCount >= limit ? `${limit}+` : String(resultCount);
  if (resultIndex < 0) return `${total} ${resultCount === 1 ? 'result' : 'results'}`;
  return `${resultIndex + 1} of ${total}`;
}

/** Why `pattern` cannot be searched as a regex (the addon would throw), or null if it can. */
export function regexError(pattern: string): string | null {
  try {
    new RegExp(pattern, 'g');
    return null;
  } catch {
    return 'Invalid regex';
  }
}
