/**
 * How open editor tabs react to `fs.watch` batches and to renames/deletes made from the tree.
 * A tab whose file changed on disk is re-read ('check'): a clean tab then reloads silently, a
 * dirty one shows "Changed on disk" (and its next save meets the server's CONFLICT).
 */
import { isSameOrInside, movedPath } from './file-paths';
import type { WatchEvent } from './file-tree-state';

export type TabReaction = 'check' | 'deleted';

/** For each open path touched by the batch, what to do; the last event for a path wins. */
export function watchReactions(events: readonly WatchEvent[], openPaths: readonly string[]): Map<string, TabReaction> {
  const out = new Map<string, TabReaction>();
  for (const ev of events) {
    for (const p of openPaths) {
      if (ev.type === 'unlinkDir' ? isSameOrInside(p, ev.path) : p === ev.path) {
        out.set(p, ev.type === 'unlink' || ev.type === 'unlinkDir' ? 'deleted' : 'check');
      }
    }
  }
  return out;
}

/** Open paths re-rooted after `from` was renamed to `to` (paths elsewhere unchanged). */
export function renameOpenPaths(openPaths: readonly string[], from: string, to: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of openPaths) {
    const moved = movedPath(p, from, to);
    if (moved !== null) out.set(p, moved);
  }
  return out;
}
