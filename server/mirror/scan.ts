/**
 * What one side of a mirror holds, asked of its runtime in few round trips: one `find` lists a
 * whole tree (or the subtrees named by watch events) with type, size, mode, mtime and symlink
 * target; `sha256sum` hashes files where they are, in batches, so content never crosses the wire
 * to be compared. Both run through `Runtime.exec` with the workspace root as working directory,
 * so the runtime's own confinement applies; neither follows a symlink (find lists links as links,
 * and only regular files are hashed).
 */
import type { Runtime } from '../runtimes/runtime';
import type { IgnoreRules } from './ignore';

export type EntryType = 'file' | 'dir' | 'symlink';

/** One path on one side, as scanned. `hash` is filled in for files by `hashFiles`. */
export interface Entry {
  type: EntryType;
  size: number;
  /** Permission bits (0o777 mask); 0 for symlinks. */
  mode: number;
  mtime: number;
  /** sha256 hex of a file's content. */
  hash?: string;
  /** A symlink's target, as written (never resolved). */
  target?: string;
}

export type Tree = Map<string, Entry>;

/** Paths per `sha256sum` call: well under any argv limit. */
const HASH_BATCH = 400;
const EXEC_TIMEOUT_MS = 5 * 60_000;
const MAX_LIST_BYTES = 256 * 1024 * 1024;
/** Folders never descended into (their content is ignored anyway and they can be huge). */
const PRUNE = ['.git', 'node_modules'];

const dec = new TextDecoder();

/** A side could not be asked at all (unreachable, program missing): the mirror waits and retries. */
export class SideUnavailableError extends Error {
  override readonly name = 'SideUnavailableError';
}

/** `./a/b` → `a/b`; `.` → ''. */
function rel(p: string): string {
  if (p === '.') return '';
  return p.startsWith('./') ? p.slice(2) : p;
}

/**
 * Entries below `roots` ('' = the whole tree), the roots themselves included, minus ignored ones.
 * A root that does not exist is simply absent from the answer.
 */
export async function scanTree(rt: Runtime, roots: readonly string[], ignore: IgnoreRules): Promise<Tree> {
  return (await scan(rt, roots, ignore, false)).tree;
}

/**
 * The same listing and the hashes of every regular file below `roots`, in ONE round trip (a
 * shell runs find, then sha256sum): for the few paths of a watch event, where latency counts.
 */
export async function scanAndHash(rt: Runtime, roots: readonly string[], ignore: IgnoreRules): Promise<{ tree: Tree; hashes: Map<string, string>; failures: Map<string, string> }> {
  const { tree, rest, stderr } = await scan(rt, roots, ignore, true);
  const hashes = new Map<string, string>();
  for (const line of rest.split('\0')) {
    const m = /^\\?([0-9a-f]{64}) [ *](.*)$/s.exec(line);
    if (m) hashes.set(rel(m[2]!), m[1]!);
  }
  return { tree, hashes, failures: hashFailures(stderr) };
}

function hashFailures(stderr: string): Map<string, string> {
  const failures = new Map<string, string>();
  for (const line of stderr.split('\n')) {
    const m = /^sha256sum: \.\/(.*): (.+)$/.exec(line);
    if (m) failures.set(m[1]!, m[2]!);
  }
  return failures;
}

const PRINTF = '%y\\0%s\\0%m\\0%T@\\0%p\\0%l\\0';

async function scan(rt: Runtime, roots: readonly string[], ignore: IgnoreRules, withHashes: boolean): Promise<{ tree: Tree; rest: string; stderr: string }> {
  const starts = roots.length ? roots.map((r) => (r ? `./${r}` : '.')) : ['.'];
  const prune = PRUNE.flatMap((n, i) => (i ? ['-o', '-name', n] : ['-name', n]));
  const pruneSh = PRUNE.map((n) => `-name ${n}`).join(' -o ');
  // The listing, an empty record as the separator, then `sha256sum -z` lines.
  const argv = withHashes
    ? ['sh', '-c', `find "$@" \\( ${pruneSh} \\) -prune -o -printf '${PRINTF}'; printf '\\0\\0\\0\\0\\0\\0'; find "$@" \\( ${pruneSh} \\) -prune -o -type f -exec sha256sum -z -- {} +`, 'sh', ...starts]
    : ['find', ...starts, '(', ...prune, ')', '-prune', '-o', '-printf', PRINTF];
  let r;
  try {
    r = await rt.exec(argv, { timeoutMs: EXEC_TIMEOUT_MS, maxOutputBytes: MAX_LIST_BYTES });
  } catch (err) {
    throw new SideUnavailableError(`could not list files: ${(err as Error).message}`, { cause: err });
  }
  const out = dec.decode(r.stdout);
  if (r.code !== 0 && !out) {
    const why = dec.decode(r.stderr).trim();
    // A root that vanished between the event and the scan is an answer (nothing there), not a failure.
    if (!/No such file or directory/.test(why) || r.code === null) throw new SideUnavailableError(`could not list files: ${why || `exit ${r.code ?? r.signal}`}`);
  }
  const fields = out.split('\0');
  const tree: Tree = new Map();
  let i = 0;
  for (; i + 5 < fields.length; i += 6) {
    const [y, size, mode, mtime, p, target] = fields.slice(i, i + 6) as [string, string, string, string, string, string];
    if (!y) break; // the separator before the hashes
    const path = rel(p);
    if (!path) continue;
    const type: EntryType | null = y === 'f' ? 'file' : y === 'd' ? 'dir' : y === 'l' ? 'symlink' : null;
    if (!type || ignore.ignores(path, type === 'dir')) continue;
    tree.set(path, {
      type,
      size: type === 'file' ? Number(size) : 0,
      mode: type === 'symlink' ? 0 : parseInt(mode, 8) & 0o777,
      mtime: Math.floor(Number(mtime) * 1000),
      ...(type === 'symlink' ? { target } : {}),
    });
  }
  return { tree, rest: fields.slice(i + 6).join('\0'), stderr: dec.decode(r.stderr) };
}

/**
 * sha256 of each path (regular files), where they are. A path missing from the answer could not
 * be read (gone, or refused); `failures` says why when the program did.
 */
export async function hashFiles(rt: Runtime, paths: readonly string[]): Promise<{ hashes: Map<string, string>; failures: Map<string, string> }> {
  const hashes = new Map<string, string>();
  const failures = new Map<string, string>();
  for (let i = 0; i < paths.length; i += HASH_BATCH) {
    const batch = paths.slice(i, i + HASH_BATCH);
    let r;
    try {
      r = await rt.exec(['sha256sum', '-z', '--', ...batch.map((p) => `./${p}`)], { timeoutMs: EXEC_TIMEOUT_MS, maxOutputBytes: 16 * 1024 * 1024 });
    } catch (err) {
      throw new SideUnavailableError(`could not hash files: ${(err as Error).message}`, { cause: err });
    }
    if (r.code === null) throw new SideUnavailableError(`could not hash files: ${r.signal ?? 'killed'}`);
    for (const line of dec.decode(r.stdout).split('\0')) {
      const m = /^\\?([0-9a-f]{64}) [ *](.*)$/s.exec(line);
      if (m) hashes.set(rel(m[2]!), m[1]!);
    }
    for (const [p, why] of hashFailures(dec.decode(r.stderr))) failures.set(p, why);
  }
  return { hashes, failures };
}
