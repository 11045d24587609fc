/**
 * A workspace's git state as four object ids, captured without changing the workspace: HEAD (and
 * its branch), the index as a tree, and the whole working tree — tracked changes, deletions,
 * untracked non-ignored files, modes, binaries, submodule pointers — as a tree. Both trees are
 * written through temporary index files (copies of the real one), so the real index, the refs
 * and every file stay byte-for-byte as they were; only unreferenced objects are added.
 *
 * Every command is an argv run by the workspace's runtime: no shell strings built from values.
 */
import type { Runtime } from '../runtimes/runtime';
import { TetherError } from '../errors';

/** Scratch space inside the repository's git dir, removed after each step. */
export const SCRATCH = '.git/tether-migration';

export interface GitState {
  /** Branch name, or null for a detached HEAD. */
  branch: string | null;
  head: string;
  /** Tree of the index (what is staged). */
  indexTree: string;
  /** Tree of the working tree as `git add -A` would see it (tracked + untracked, not ignored). */
  worktreeTree: string;
  /** Gitlinks (submodules) with changes inside them, which do not move. */
  dirtySubmodules: string[];
}

/** A workspace that cannot be moved as asked (git failed, a target refused): said to the user. */
export class MigrationError extends TetherError {
  constructor(message: string, options?: ErrorOptions) {
    super('bad_request', message, options);
  }
}

const IDENTITY = ['GIT_AUTHOR_NAME=Tether', 'GIT_AUTHOR_EMAIL=tether@localhost', 'GIT_COMMITTER_NAME=Tether', 'GIT_COMMITTER_EMAIL=tether@localhost'];

export async function git(rt: Runtime, argv: string[], opts: { env?: string[]; stdin?: Uint8Array; what?: string } = {}): Promise<string> {
  const full = opts.env?.length ? ['env', ...opts.env, 'git', ...argv] : ['git', ...argv];
  const r = await rt.exec(full, { timeoutMs: 10 * 60_000, stdin: opts.stdin });
  if (r.code !== 0) {
    const why = Buffer.from(r.stderr).toString().trim().split('\n').slice(-2).join(' ');
    throw new MigrationError(`${opts.what ?? `git ${argv[0]}`} failed: ${why || `exit ${r.code ?? r.signal}`}`);
  }
  return Buffer.from(r.stdout).toString();
}

export async function isRepository(rt: Runtime): Promise<boolean> {
  const r = await rt.exec(['git', 'rev-parse', '--is-inside-work-tree'], { timeoutMs: 30_000 }).catch(() => null);
  return r?.code === 0 && Buffer.from(r.stdout).toString().trim() === 'true';
}

async function resetScratch(rt: Runtime): Promise<void> {
  await rt.fs.rm(SCRATCH).catch(() => {});
  await rt.fs.mkdir(SCRATCH);
}

export async function removeScratch(rt: Runtime): Promise<void> {
  await rt.fs.rm(SCRATCH).catch(() => {});
}

/** Tree of the current index and of the working tree, written through copies of the index. */
async function trees(rt: Runtime): Promise<{ indexTree: string; worktreeTree: string }> {
  const hasIndex = await rt.fs.stat('.git/index').then(
    () => true,
    () => false,
  );
  const copy = async (name: string) => {
    if (hasIndex) await rt.exec(['cp', '.git/index', `${SCRATCH}/${name}`]);
    return `GIT_INDEX_FILE=${SCRATCH}/${name}`;
  };
  const staged = await copy('index-staged');
  const indexTree = (await git(rt, ['write-tree'], { env: [staged], what: 'reading the index' })).trim();
  const work = await copy('index-worktree');
  await git(rt, ['add', '-A'], { env: [work], what: 'reading the working tree' });
  await refuseUnreadable(rt, work);
  const worktreeTree = (await git(rt, ['write-tree'], { env: [work], what: 'reading the working tree' })).trim();
  return { indexTree, worktreeTree };
}

/** Paths put to RuntimeFs.readable per call. */
const READABLE_BATCH = 500;

/**
 * `git add -A` read the working tree by itself; every regular file whose content it took (new or
 * changed since HEAD) must be one fs.read would open (RuntimeFs.readable: the same jail), or the
 * migration would carry content of a file with several hard links — one may be outside the
 * workspace — to the target, where it is an ordinary file. Symlinks travel as links (their target
 * text), never as what they point to, so they need no check.
 */
async function refuseUnreadable(rt: Runtime, indexEnv: string): Promise<void> {
  // -z raw: ":<old mode> <new mode> <old id> <new id> <status>\0<path>\0" per change.
  const raw = await git(rt, ['diff-index', '--cached', '--no-renames', '-z', 'HEAD'], { env: [indexEnv], what: 'reading the working tree' });
  const fields = raw.split('\0');
  const files: string[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const newMode = fields[i]!.split(' ')[1];
    if (newMode === '100644' || newMode === '100755') files.push(fields[i + 1]!);
  }
  for (let i = 0; i < files.length; i += READABLE_BATCH) {
    const batch = files.slice(i, i + READABLE_BATCH);
    const ok = await rt.fs.readable(batch);
    const refused = batch.filter((_, k) => !ok[k]);
    if (refused.length > 0) {
      const named = refused.slice(0, 3).map((p) => JSON.stringify(p)).join(', ') + (refused.length > 3 ? ` and ${refused.length - 3} more` : '');
      throw new MigrationError(
        `${named} cannot be opened under the workspace's file rules (a file with several hard links, or not readable), so ${refused.length === 1 ? 'it is' : 'they are'} not carried over; replace ${refused.length === 1 ? 'it' : 'them'} with a plain copy and migrate again`,
      );
    }
  }
}

export async function captureState(rt: Runtime): Promise<GitState> {
  if (!(await isRepository(rt))) throw new MigrationError('this workspace is not a git repository (run git init and commit first)');
  await resetScratch(rt);
  try {
    const head = (await git(rt, ['rev-parse', '--verify', 'HEAD'], { what: 'reading HEAD (is there a first commit?)' })).trim();
    const branch = (await rt.exec(['git', 'symbolic-ref', '-q', '--short', 'HEAD'])).stdout;
    const { indexTree, worktreeTree } = await trees(rt);
    const status = await git(rt, ['--no-optional-locks', 'submodule', 'status', '--recursive']).catch(() => '');
    const dirtySubmodules = status
      .split('\n')
      .filter((l) => l.startsWith('+'))
      .map((l) => l.trim().split(/\s+/)[1] ?? '');
    return { branch: Buffer.from(branch).toString().trim() || null, head, indexTree, worktreeTree, dirtySubmodules };
  } finally {
    await removeScratch(rt);
  }
}

/** Commits to carry the two trees (children of HEAD), so they travel in a bundle like history does. */
export async function stateCommits(rt: Runtime, s: GitState): Promise<{ index: string; worktree: string }> {
  const commit = async (tree: string, msg: string) => (await git(rt, ['commit-tree', tree, '-p', s.head, '-m', msg], { env: IDENTITY })).trim();
  return { index: await commit(s.indexTree, 'tether: staged changes'), worktree: await commit(s.worktreeTree, 'tether: working tree') };
}

export async function restoreState(rt: Runtime, s: GitState, commits: { index: string; worktree: string }): Promise<void> {
  if (s.branch) {
    await git(rt, ['checkout', '-q', '-f', '-B', s.branch, s.head], { what: `checking out ${s.branch}` });
  } else {
    await git(rt, ['checkout', '-q', '-f', '--detach', s.head], { what: 'checking out HEAD' });
  }
  await git(rt, ['read-tree', '--reset', '-u', commits.worktree], { what: 'restoring the working tree' });
  await git(rt, ['read-tree', '--reset', commits.index], { what: 'restoring the staged changes' });
}
