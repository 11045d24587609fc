/**
 * Quick-open by file name and text search. Text search runs ripgrep through Runtime.exec when the
 * workspace's machine has it (argv only, never a shell string) and otherwise walks the RuntimeFs
 * in Node. Both are bounded in files, bytes, matches and time, so a huge workspace answers
 * partially ("truncated") instead of stalling the gateway. node_modules and .git are skipped;
 * ripgrep also honours .gitignore and skips hidden files.
 *
 * Neither answers with a line or a name of a file that fs.read would refuse (a symlink leading
 * out, a file with several hard links — one may be outside): the Node walk reads through
 * RuntimeFs.readFile, and every file ripgrep matched, or quick-open would list, is put to
 * RuntimeFs.readable — the same jail — before it is returned. Only the files in the answer are
 * checked, in batches, never the whole tree.
 */
import type { Runtime, RuntimeFs } from '../runtimes/runtime';
import { TetherError } from '../errors';

const SKIP_DIRS = new Set(['node_modules', '.git']);
const MAX_FILES = 20_000;
const MAX_SEARCH_FILE_BYTES = 1024 * 1024;
const MAX_LINE_CHARS = 2000;
const TIME_BUDGET_MS = 3000;
/** Distinct paths put to RuntimeFs.readable at a time. */
const CHECK_BATCH = 64;

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
  const { kept } = await keepReadable(fs, scored, limit);
  return { paths: kept.map((s) => s.path), truncated: state.truncated };
}

/**
 * The first `limit` of `items` (in order) whose path fs.read would open — RuntimeFs.readable, asked
 * once per distinct path, CHECK_BATCH at a time and only as far as needed; `full` when it stopped
 * at `limit`.
 */
async function keepReadable<T extends { path: string }>(fs: RuntimeFs, items: readonly T[], limit: number): Promise<{ kept: T[]; full: boolean }> {
  const verdict = new Map<string, boolean>();
  const kept: T[] = [];
  let i = 0;
  while (i < items.length) {
    const ask = new Set<string>();
    for (let j = i; j < items.length && ask.size < CHECK_BATCH; j++) {
      const p = items[j]!.path;
      if (!verdict.has(p)) ask.add(p);
    }
    const asked = [...ask];
    const ok = await fs.readable(asked);
    asked.forEach((p, k) => verdict.set(p, ok[k] === true));
    for (; i < items.length; i++) {
      const v = verdict.get(items[i]!.path);
      if (v === undefined) break;
      if (!v) continue;
      kept.push(items[i]!);
      if (kept.length >= limit) return { kept, full: true };
    }
  }
  return { kept, full: false };
}

export interface SearchMatch {
  path: string;
  line: number;
  /** 1-based, in UTF-16 code units of `text` (as JavaScript strings count). */
  column: number;
  /** The first match's length on the line, in UTF-16 code units (0 for an empty regex match). */
  length: number;
  text: string;
}

function compile(opts: SearchOptions): RegExp {
  try {
    const source = opts.regex ? opts.query : opts.query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(source, opts.caseSensitive ? '' : 'i');
  } catch (err) {
    throw new TetherError('bad_request', `not a valid regular expression: ${(err as Error).message}`);
  }
}

export interface SearchOptions {
  query: string;
  regex?: boolean;
  caseSensitive?: boolean;
  limit?: number;
}

export interface SearchResult {
  matches: SearchMatch[];
  truncated: boolean;
  engine: 'ripgrep' | 'node';
}

export async function searchText(runtime: Runtime, opts: SearchOptions, useRipgrep = true): Promise<SearchResult> {
  const re = compile(opts); // the same syntax check for both engines
  if (useRipgrep) {
    const r = await ripgrep(runtime, opts);
    if (r) return r;
  }
  return nodeSearch(runtime.fs, re, opts.limit ?? 500);
}

interface RgMatch {
  type: string;
  data?: { path?: { text?: string }; lines?: { text?: string }; line_number?: number; submatches?: { start: number; end: number }[] };
}

/** null when ripgrep is missing or refused the pattern: the caller falls back to Node. */
async function ripgrep(runtime: Runtime, opts: SearchOptions): Promise<SearchResult | null> {
  const limit = opts.limit ?? 500;
  const argv = [
    // --no-config: a RIPGREP_CONFIG_PATH in the machine's environment cannot add --follow and the like.
    'rg', '--no-config', '--json', '--max-filesize', '1M', '--max-columns', String(MAX_LINE_CHARS),
    '--glob', '!node_modules', '--glob', '!.git',
    opts.caseSensitive ? '--case-sensitive' : '--ignore-case',
    ...(opts.regex ? [] : ['--fixed-strings']),
    '--regexp', opts.query, '--', '.',
  ];
  let res;
  try {
    res = await runtime.exec(argv, { timeoutMs: TIME_BUDGET_MS, maxOutputBytes: 8 * 1024 * 1024 });
  } catch {
    return null; // not installed (spawn failed)
  }
  if (res.code === 1) return { matches: [], truncated: false, engine: 'ripgrep' };
  const cut = res.signal !== null; // killed on the time or output budget: partial results
  if (res.code !== 0 && !cut) return null; // 2: e.g. a pattern Rust's regex does not accept
  const found: SearchMatch[] = [];
  for (const line of new TextDecoder().decode(res.stdout).split('\n')) {
    if (!line.startsWith('{"type":"match"')) continue;
    let m: RgMatch;
    try {
      m = JSON.parse(line) as RgMatch;
    } catch {
      continue; // the last line of a cut-off output
    }
    // A name that is not UTF-8 comes as `path.bytes`: it could not be opened by name anyway.
    const p = (m.data?.path?.text ?? '').replace(/^\.\//, '');
    if (p === '') continue;
    const text = (m.data?.lines?.text ?? '').replace(/\r?\n$/, '');
    const byteStart = m.data?.submatches?.[0]?.start ?? 0;
    const byteEnd = m.data?.submatches?.[0]?.end ?? byteStart;
    const bytes = new TextEncoder().encode(text);
    const column = new TextDecoder().decode(bytes.subarray(0, byteStart)).length + 1;
    const length = new TextDecoder().decode(bytes.subarray(byteStart, byteEnd)).length;
    found.push({ path: p, line: m.data?.line_number ?? 0, column, length, text: text.slice(0, 300) });
  }
  // ripgrep read these files itself: keep only lines of files fs.read would open.
  const { kept, full } = await keepReadable(runtime.fs, found, limit);
  return { matches: kept, truncated: full || cut, engine: 'ripgrep' };
}

/** Reads every file through fs.readFile, whose jail refuses what fs.read refuses. */
async function nodeSearch(fs: RuntimeFs, re: RegExp, limit: number): Promise<SearchResult> {
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
      const line = lines[i]!.replace(/\r$/, '').slice(0, MAX_LINE_CHARS);
      const m = re.exec(line);
      if (!m) continue;
      matches.push({ path: p, line: i + 1, column: m.index + 1, length: m[0].length, text: line.slice(0, 300) });
      if (matches.length >= limit) return { matches, truncated: true, engine: 'node' };
    }
  }
  return { matches, truncated: state.truncated, engine: 'node' };
}
