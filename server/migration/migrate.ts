/**
 * Move a workspace's git state from one runtime to another and prove it arrived:
 * capture (source unchanged) → pack what the target lacks → stream → fetch and restore on the
 * target → capture there and compare (HEAD, branch, staged tree, working-tree tree: the same
 * tree ids mean the same content and modes of every tracked and untracked non-ignored file).
 * Scratch files are removed on both sides whatever happens; the caller switches the workspace
 * only after this returns.
 */
import type { Runtime } from '../runtimes/runtime';
import { captureState, git, isRepository, MigrationError, removeScratch, restoreState, SCRATCH, stateCommits, type GitState } from './git-state';
import { buildBundle, commonCommits, copyBundle, dropStateRefs, fetchBundle } from './transfer';

export type MigrationStep = 'capture' | 'pack' | 'transfer' | 'restore' | 'verify' | 'switch' | 'done' | 'failed' | 'cancelled';

export interface MigrationProgress {
  step: MigrationStep;
  message: string;
  bytes?: number;
  totalBytes?: number;
}

export interface MigrationOutcome {
  state: GitState;
  bytes: number;
  incremental: boolean;
}

export async function migrateGitState(
  source: Runtime,
  target: Runtime,
  opts: { onProgress(p: MigrationProgress): void; signal: AbortSignal },
): Promise<MigrationOutcome> {
  const check = () => {
    if (opts.signal.aborted) throw new MigrationError('cancelled');
  };
  try {
    opts.onProgress({ step: 'capture', message: 'Reading the branch, staged and unstaged changes and untracked files' });
    const state = await captureState(source);
    check();
    opts.onProgress({ step: 'pack', message: 'Packing what the target does not have' });
    await source.fs.mkdir(SCRATCH);
    const commits = await stateCommits(source, state);
    if (!(await isRepository(target))) await git(target, ['init', '-q'], { what: 'creating the repository on the target' });
    const prerequisites = await commonCommits(source, target);
    const size = await buildBundle(source, commits, prerequisites);
    check();
    let sent = 0;
    opts.onProgress({ step: 'transfer', message: 'Copying', bytes: 0, totalBytes: size });
    let last = 0;
    await copyBundle(
      source,
      target,
      (n) => {
        sent += n;
        if (sent - last >= 256 * 1024 || sent === size) {
          last = sent;
          opts.onProgress({ step: 'transfer', message: 'Copying', bytes: sent, totalBytes: size });
        }
      },
      opts.signal,
    );
    check();
    opts.onProgress({ step: 'restore', message: 'Restoring the branch and the working tree' });
    await fetchBundle(target);
    await restoreState(target, state, commits);
    await dropStateRefs(target);
    await removeScratch(target);
    check();
    opts.onProgress({ step: 'verify', message: 'Comparing both sides' });
    const arrived = await captureState(target);
    const same = arrived.head === state.head && arrived.branch === state.branch && arrived.indexTree === state.indexTree && arrived.worktreeTree === state.worktreeTree;
    if (!same) {
      throw new MigrationError(
        `the target does not match the source (HEAD ${arrived.head.slice(0, 12)} vs ${state.head.slice(0, 12)}, working tree ${arrived.worktreeTree.slice(0, 12)} vs ${state.worktreeTree.slice(0, 12)})`,
      );
    }
    return { state, bytes: size, incremental: prerequisites.length > 0 };
  } finally {
    await removeScratch(source);
    await removeScratch(target).catch(() => {});
  }
}
