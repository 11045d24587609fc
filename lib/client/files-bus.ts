/**
 * The workspace view's file events, shared by the tree, the editor and quick-open: one `fs.watch`
 * subscription feeds every listener, and "open this file" travels the same way.
 */
import { Emitter } from './emitter';
import type { WatchEvent } from './file-tree-state';

export interface FilesEvents {
  /** A batch from `fs.watch`. */
  watch: [events: readonly WatchEvent[]];
  /** The watch subscription restarted: events may have been missed, so re-read what is shown. */
  resync: [];
  /** Open (or focus) a file in the editor, optionally at a 1-based line. */
  open: [path: string, line?: number];
  /** A rename made from this tab (the watcher reports it too, as unlink + add). */
  renamed: [from: string, to: string];
}

export type FilesBus = Emitter<FilesEvents>;

export function createFilesBus(): FilesBus {
  return new Emitter<FilesEvents>();
}
