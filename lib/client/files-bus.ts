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

/**
 * "Open" requests made before the editor has loaded (its code is fetched on first use), held in
 * order until the editor — now listening itself — takes them. Once taken nothing more is held.
 * `onFirst` runs at the first request: time to load the editor.
 */
export interface HeldOpens {
  take(): Array<[path: string, line?: number]>;
  dispose(): void;
}

export function holdOpens(bus: FilesBus, onFirst?: () => void): HeldOpens {
  let held: Array<[path: string, line?: number]> | null = [];
  const off = bus.on('open', (path, line) => {
    if (!held) return;
    held.push(line === undefined ? [path] : [path, line]);
    if (held.length === 1) onFirst?.();
  });
  return {
    take() {
      const out = held ?? [];
      held = null;
      off();
      return out;
    },
    dispose: off,
  };
}
