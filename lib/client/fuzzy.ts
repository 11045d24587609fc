/**
 * Fuzzy filtering for the command palette: every word of the query must appear in the text as a
 * subsequence (case-insensitive, words in any order — "new term" finds "Terminal: New Terminal").
 * Matches at the start of a word and runs of consecutive letters score higher, so "nt" ranks
 * "New Terminal" above "Next Tab"'s scattered letters.
 */

export interface FuzzyMatch {
  score: number;
  /** Indices into the text of the matched characters, ascending, for highlighting. */
  positions: number[];
}

const WORD_START_BONUS = 8;
const CONSECUTIVE_BONUS = 6;
const FIRST_CHAR_BONUS = 4;
const GAP_PENALTY = 1;

function isWordStart(text: string, i: number): boolean {
  if (i === 0) return true;
  const prev = text[i - 1]!;
  const cur = text[i]!;
  if (/[\s:\-_/.()…]/.test(prev)) return true;
  return prev === prev.toLowerCase() && cur !== cur.toLowerCase(); // camelCase
}

/** The best way `word` (no spaces) is a subsequence of `text`, or null. Dynamic programming over (word, text). */
function matchWord(word: string, text: string): FuzzyMatch | null {
  const w = word.toLowerCase();
  const t = text.toLowerCase();
  const n = w.length;
  const m = t.length;
  if (n === 0) return { score: 0, positions: [] };
  if (n > m) return null;
  // best[i][j]: the best score with word[0..i] matched and word[i] at text[j]; -Infinity if impossible.
  const best: number[][] = [];
  const from: number[][] = [];
  for (let i = 0; i < n; i++) {
    best.push(new Array<number>(m).fill(-Infinity));
    from.push(new Array<number>(m).fill(-1));
    for (let j = i; j < m; j++) {
      if (t[j] !== w[i]) continue;
      const here = 1 + (isWordStart(text, j) ? WORD_START_BONUS : 0) + (j === 0 ? FIRST_CHAR_BONUS : 0);
      if (i === 0) {
        best[0]![j] = here - Math.min(j, 10) * GAP_PENALTY * 0.1;
        continue;
      }
      const row = best[i - 1]!;
      for (let k = i - 1; k < j; k++) {
        if (row[k] === -Infinity) continue;
        const s = row[k]! + here + (k === j - 1 ? CONSECUTIVE_BONUS : -GAP_PENALTY * Math.min(j - k - 1, 5) * 0.2);
        if (s > best[i]![j]!) {
          best[i]![j] = s;
          from[i]![j] = k;
        }
      }
    }
  }
  let end = -1;
  for (let j = 0; j < m; j++) if (best[n - 1]![j]! > (end < 0 ? -Infinity : best[n - 1]![end]!)) end = j;
  if (end < 0 || best[n - 1]![end] === -Infinity) return null;
  const positions: number[] = [];
  for (let i = n - 1, j = end; i >= 0; j = from[i]![j]!, i--) positions.unshift(j);
  return { score: best[n - 1]![end]!, positions };
}

/** How well `query` matches `text`, or null when some word of it does not. An empty query matches with score 0. */
export function fuzzyMatch(query: string, text: string): FuzzyMatch | null {
  const words = query.trim().split(/\s+/).filter(Boolean);
  let score = 0;
  const positions = new Set<number>();
  for (const word of words) {
    const m = matchWord(word, text);
    if (!m) return null;
    score += m.score;
    for (const p of m.positions) positions.add(p);
  }
  return { score, positions: [...positions].sort((a, b) => a - b) };
}

/**
 * `items` that match `query`, best first (ties, and everything for an empty query, in
 * alphabetical order of their text), each with the positions to highlight.
 */
export function fuzzyFilter<T>(query: string, items: readonly T[], textOf: (item: T) => string): Array<{ item: T; positions: number[] }> {
  const scored: Array<{ item: T; text: string; score: number; positions: number[] }> = [];
  for (const item of items) {
    const text = textOf(item);
    const m = fuzzyMatch(query, text);
    if (m) scored.push({ item, text, score: m.score, positions: m.positions });
  }
  scored.sort((a, b) => b.score - a.score || a.text.localeCompare(b.text));
  return scored.map(({ item, positions }) => ({ item, positions }));
}
