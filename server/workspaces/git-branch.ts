/**
 * The git branch a workspace is on, for the status bar: asked of git through the workspace's own
 * runtime (here, an SSH host or a cloud worker alike), as an argv. Not a repository, no git
 * installed, or a runtime that cannot answer now: null — the status bar then shows no branch.
 */
import type { Runtime } from '../runtimes/runtime';

const GIT_TIMEOUT_MS = 5_000;
const MAX_OUTPUT_BYTES = 4096;

export interface GitBranch {
  /** The branch name, or the short commit id when HEAD is detached. */
  name: string;
  detached: boolean;
}

export async function gitBranch(rt: Runtime): Promise<GitBranch | null> {
  const run = async (argv: string[]) => {
    const r = await rt.exec(argv, { timeoutMs: GIT_TIMEOUT_MS, maxOutputBytes: MAX_OUTPUT_BYTES });
    return { code: r.code, out: new TextDecoder().decode(r.stdout).trim() };
  };
  try {
    // Works in a repository with no commit yet (where rev-parse HEAD fails); exit 1: detached.
    const ref = await run(['git', 'symbolic-ref', '--short', '-q', 'HEAD']);
    if (ref.code === 0 && ref.out) return { name: ref.out, detached: false };
    if (ref.code !== 1) return null;
    const head = await run(['git', 'rev-parse', '--short', 'HEAD']);
    return head.code === 0 && head.out ? { name: head.out, detached: true } : null;
  } catch {
    return null;
  }
}
