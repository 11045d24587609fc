/**
 * Moving git objects between runtimes: a bundle (v2: header + pack) of everything the target
 * lacks — the branches, tags and the two state commits, minus what the target already has
 * (incremental) — built on the source into its scratch folder, streamed file to file through the
 * Runtime contract (no whole-repository buffer), and fetched on the target.
 */
import type { Runtime } from '../runtimes/runtime';
import { git, MigrationError, SCRATCH } from './git-state';

const BUNDLE = `${SCRATCH}/objects.bundle`;
const STATE_REFS = { index: 'refs/tether/index', worktree: 'refs/tether/worktree' } as const;

/** Commits the target has, that the source has too: the bundle can leave them (and their history) out. */
export async function commonCommits(source: Runtime, target: Runtime): Promise<string[]> {
  const theirs = await git(target, ['for-each-ref', '--format=%(objectname)', 'refs/heads', 'refs/tags']).catch(() => '');
  const out: string[] = [];
  for (const sha of new Set(theirs.split('\n').filter((l) => /^[0-9a-f]{40,64}$/.test(l)))) {
    const r = await source.exec(['git', 'cat-file', '-e', `${sha}^{commit}`]);
    if (r.code === 0) out.push(sha);
  }
  return out;
}

/**
 * Write the bundle on the source; returns its size. `prerequisites`: commits the target has.
 * The source's refs are not touched: the state commits are named only inside the bundle.
 */
export async function buildBundle(source: Runtime, state: { index: string; worktree: string }, prerequisites: string[]): Promise<number> {
  const refs = (await git(source, ['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads', 'refs/tags'])).split('\n').filter(Boolean);
  const lines = [...refs, `${state.index} ${STATE_REFS.index}`, `${state.worktree} ${STATE_REFS.worktree}`];
  const tips = lines.map((l) => l.split(' ')[0]!);
  // Peel annotated tags for the revision walk; the header names the tag objects themselves.
  const revs = [...new Set(tips), ...prerequisites.map((p) => `^${p}`)].join('\n') + '\n';
  const header = `# v2 git bundle\n${prerequisites.map((p) => `-${p}\n`).join('')}${lines.join('\n')}\n\n`;
  await source.fs.writeFile(`${SCRATCH}/revs`, new TextEncoder().encode(revs));
  await source.fs.writeFile(`${SCRATCH}/header`, new TextEncoder().encode(header));
  // Paths reach the shell as positional parameters, never inside the script text.
  const r = await source.exec(
    ['sh', '-c', 'git pack-objects --stdout --revs --thin --delta-base-offset --quiet < "$1" > "$2" && cat "$3" "$2" > "$4"', 'sh', `${SCRATCH}/revs`, `${SCRATCH}/pack`, `${SCRATCH}/header`, BUNDLE],
    { timeoutMs: 30 * 60_000 },
  );
  if (r.code !== 0) throw new MigrationError(`packing the repository failed: ${Buffer.from(r.stderr).toString().trim()}`);
  return (await source.fs.stat(BUNDLE)).size;
}

/** Stream the bundle from source to target, reporting bytes as they go. */
export async function copyBundle(source: Runtime, target: Runtime, onBytes: (n: number) => void, signal: AbortSignal): Promise<void> {
  const { stream, close } = await source.fs.readStream(BUNDLE);
  async function* counted() {
    for await (const chunk of stream) {
      if (signal.aborted) throw new MigrationError('cancelled');
      onBytes(chunk.byteLength);
      yield chunk;
    }
  }
  try {
    await target.fs.mkdir(SCRATCH).catch(() => {});
    await target.fs.writeFile(BUNDLE, counted());
  } finally {
    await close();
  }
}

/** Fetch everything in the bundle on the target; returns the state commits. */
export async function fetchBundle(target: Runtime): Promise<void> {
  await git(target, ['bundle', 'verify', '--quiet', BUNDLE], { what: 'checking the transferred objects' });
  await git(target, ['fetch', '--quiet', '--update-head-ok', '--force', BUNDLE, '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*', '+refs/tether/*:refs/tether/*'], {
    what: 'unpacking the transferred objects',
  });
}

export async function dropStateRefs(target: Runtime): Promise<void> {
  for (const ref of Object.values(STATE_REFS)) await target.exec(['git', 'update-ref', '-d', ref]).catch(() => {});
}
