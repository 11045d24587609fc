/**
 * Quick-open by file name and text search, over any RuntimeFs. Bounded in files visited, bytes
 * read, matches returned and time spent, so a huge workspace answers partially ("truncated")
 * instead of stalling the gateway. node_modules and .git are skipped.
 */
import type { RuntimeFs } from '../runtimes/runtime';

const SKIP_DIRS = new Set(['node_modules', '.git']);
const MAX_FILES = 20_000;
const MAX_SEARCH_FILE_BYTES = 1024 * 1024;
const MAX_LINE_CHARS = 2000;
const TIME_BUDGET_MS = 3000;

async function* walk(fs: RuntimeFs, deadline: number, state: { truncated: boolean }): AsyncGenerator<string> {
  const queue = [''];
  let files = 0;
  while (queue.length > 0) {
    const dir = queue.shift()!;
    const entries = await fs.readdir(dir).catch(() => []);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = dir === '' ? e.name : `${dir}/${e.name}`;
      if (e.type === 'dir') {
        if (!SKIP_DIRS.has(e.name)) queue.push(p);
      } else if (e.type === 'file') {
        if (++files > MAX_FILES || Date.now() > deadline) {
          state.truncated = true;
          return;
        }
        yield p;
      }
    }
  }
}

/** Subsequence score of `query` in `path` (higher is better), or -1 when it does not match. */
export function fuzzyScore(query: string, path: string): number {
  const q = query.toLowerCase();
  const p = path.toLowerCase();
  const base = p.slice(p.lastIndexOf('/') + 1);
  if (base.includes(q)) return 1000 - base.length + (base.startsWith(q) ? 500 : 0);
  let score = 0;
  let at = 0;
  let run = 0;
  for (const ch of q) {
    const i = p.indexOf(ch, at);
    if (i < 0) return -1;
    run = i === at ? run + 1 : 0;
    score += 1 + run * 2;
    at = i + 1;
  }
  return score - p.length / 100;
}

export async function findFiles(fs: RuntimeFs, query: string, limit = 50): Promise<{ paths: string[]; truncated: boolean }> {
  const state = { truncated: false };
  const scored: { path: string; score: number }[] = [];
  for await (const p of walk(fs, Date.now() + TIME_BUDGET_MS, state)) {
    const score = query === '' ? 0 : fuzzyScore(query, p);
    if (score >= 0) scored.push({ path: p, score });
  }
  scored.sort((a, b) => b.score - a.score || a.path.length - b.path.length || (a.path < b.path ? -1 : 1));
  return { paths: scored.slice(0, limit).map((s) => s.path), truncated: state.truncated };
}

export class SearchQueryError extends Error {
  readonly code = 'bad_query' as const;
}

export interface SearchMatch {
  path: string;
  line: number;
  column: number;
  text: string;
}

export async function searchText(
  fs: RuntimeFs,
  opts: { query: string; regex?: boolean; caseSensitive?: boolean; limit?: number },
): Promise<{ matches: SearchMatch[]; truncated: boolean }> {
  const limit = opts.limit ?? 500;
  let re: RegExp;
  try {
    const source = opts.regex ? opts.query : opts.query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    re = new RegExp(source, opts.caseSensitive ? '' : 'i');
  } catch (err) {
    throw new SearchQueryError(`not a valid regular expression: ${(err as Error).message}`);
  }
  const state = { truncated: false };
  const matches: SearchMatch[] = [];
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for await (const p of walk(fs, Date.now() + TIME_BUDGET_MS, state)) {
    let text: string;
    try {
      const data = await fs.readFile(p, MAX_SEARCH_FILE_BYTES);
      if (data.subarray(0, 8192).includes(0)) continue;
      text = decoder.decode(data);
    } catch {
      continue; // binary, too large, vanished or refused: not searchable
    }
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.slice(0, MAX_LINE_CHARS);
      const m = re.exec(line);
      if (!m) continue;
      matches.push({ path: p, line: i + 1, column: m.index + 1, text: line.slice(0, 300) });
      if (matches.length >= limit) return { matches, truncated: true };
    }
  }
  return { matches, truncated: state.truncated };
}
