/**
 * File tree state: folders load lazily (one `fs.list` per expanded folder) and reload when
 * `fs.watch` reports a change inside them. Pure data and functions; FileTree.tsx does the I/O.
 */
import { isSameOrInside, parentDir } from './file-paths';

export type EntryType = 'file' | 'dir' | 'symlink' | 'other';

export interface TreeEntry {
  name: string;
  path: string;
  type: EntryType;
  size: number;
  mtime: number;
}

export type DirState =
  | { status: 'loading'; entries: readonly TreeEntry[] | null }
  | { status: 'loaded'; entries: readonly TreeEntry[] }
  | { status: 'error'; message: string };

export interface TreeState {
  /** Listing of every folder loaded so far, by path ('' = root). */
  dirs: ReadonlyMap<string, DirState>;
  /** Expanded folders (the root always is). */
  expanded: ReadonlySet<string>;
}

export type WatchEventType = 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir';
export interface WatchEvent {
  type: WatchEventType;
  path: string;
}

export const EMPTY_TREE: TreeState = { dirs: new Map(), expanded: new Set(['']) };

export type TreeAction =
  | { type: 'expand'; dir: string }
  | { type: 'collapse'; dir: string }
  /** A listing request started; keeps showing the previous entries while it runs. */
  | { type: 'loading'; dir: string }
  | { type: 'loaded'; dir: string; entries: readonly TreeEntry[] }
  | { type: 'failed'; dir: string; message: string }
  /** A folder (or file) is gone: forget it and everything below. */
  | { type: 'removed'; path: string };

export function treeReducer(state: TreeState, action: TreeAction): TreeState {
  switch (action.type) {
    case 'expand': {
      if (state.expanded.has(action.dir)) return state;
      const expanded = new Set(state.expanded);
      expanded.add(action.dir);
      return { ...state, expanded };
    }
    case 'collapse': {
      if (action.dir === '' || !state.expanded.has(action.dir)) return state;
      const expanded = new Set(state.expanded);
      expanded.delete(action.dir);
      return { ...state, expanded };
    }
    case 'loading': {
      const prev = state.dirs.get(action.dir);
      const entries = prev && prev.status !== 'error' ? prev.entries : null;
      return withDir(state, action.dir, { status: 'loading', entries });
    }
    case 'loaded':
      return withDir(state, action.dir, { status: 'loaded', entries: action.entries });
    case 'failed':
      return withDir(state, action.dir, { status: 'error', message: action.message });
    case 'removed': {
      if (action.path === '') return state;
      const dirs = new Map([...state.dirs].filter(([d]) => !isSameOrInside(d, action.path)));
      const expanded = new Set([...state.expanded].filter((d) => !isSameOrInside(d, action.path)));
      return { dirs, expanded };
    }
  }
}

function withDir(state: TreeState, dir: string, value: DirState): TreeState {
  const dirs = new Map(state.dirs);
  dirs.set(dir, value);
  return { ...state, dirs };
}

/** What the tree shows, top to bottom. */
export type TreeRow =
  | { kind: 'entry'; entry: TreeEntry; depth: number; expanded: boolean }
  | { kind: 'status'; dir: string; depth: number; text: string };

export function visibleRows(state: TreeState): TreeRow[] {
  const rows: TreeRow[] = [];
  const walk = (dir: string, depth: number) => {
    const d = state.dirs.get(dir);
    if (!d || (d.status === 'loading' && d.entries === null)) {
      rows.push({ kind: 'status', dir, depth, text: 'Loading…' });
      return;
    }
    if (d.status === 'error') {
      rows.push({ kind: 'status', dir, depth, text: d.message });
      return;
    }
    const entries = d.entries ?? [];
    if (entries.length === 0 && dir !== '') rows.push({ kind: 'status', dir, depth, text: 'Empty folder' });
    for (const entry of entries) {
      const expanded = entry.type === 'dir' && state.expanded.has(entry.path);
      rows.push({ kind: 'entry', entry, depth, expanded });
      if (expanded) walk(entry.path, depth + 1);
    }
  };
  walk('', 0);
  return rows;
}

/**
 * Folders whose listing a batch of watch events makes stale: the parent of every added or removed
 * entry, when that parent has been loaded. Content changes ('change') leave listings as they are.
 */
export function staleDirs(state: TreeState, events: readonly WatchEvent[]): string[] {
  const out = new Set<string>();
  for (const ev of events) {
    if (ev.type === 'change') continue;
    const dir = parentDir(ev.path);
    if (state.dirs.has(dir)) out.add(dir);
  }
  return [...out];
}

/** Folders removed by a batch of watch events (to forget with a 'removed' action). */
export function removedDirs(events: readonly WatchEvent[]): string[] {
  return events.filter((e) => e.type === 'unlinkDir').map((e) => e.path);
}

export type NavResult =
  | { type: 'select'; path: string }
  | { type: 'expand'; dir: string }
  | { type: 'collapse'; dir: string }
  | { type: 'open'; path: string }
  | null;

/** Keyboard navigation over the visible rows, as in a desktop file tree. */
export function navigate(rows: readonly TreeRow[], selected: string | null, key: string): NavResult {
  const entries = rows.flatMap((r) => (r.kind === 'entry' ? [r] : []));
  if (entries.length === 0) return null;
  const i = entries.findIndex((r) => r.entry.path === selected);
  if (i < 0) return key === 'ArrowDown' || key === 'ArrowUp' ? { type: 'select', path: entries[0]!.entry.path } : null;
  const row = entries[i]!;
  const isDir = row.entry.type === 'dir';
  switch (key) {
    case 'ArrowDown':
      return i + 1 < entries.length ? { type: 'select', path: entries[i + 1]!.entry.path } : null;
    case 'ArrowUp':
      return i > 0 ? { type: 'select', path: entries[i - 1]!.entry.path } : null;
    case 'ArrowRight':
      if (!isDir) return null;
      if (!row.expanded) return { type: 'expand', dir: row.entry.path };
      {
        const next = entries[i + 1];
        return next && parentDir(next.entry.path) === row.entry.path ? { type: 'select', path: next.entry.path } : null;
      }
    case 'ArrowLeft': {
      if (isDir && row.expanded) return { type: 'collapse', dir: row.entry.path };
      const parent = parentDir(row.entry.path);
      return parent === '' ? null : { type: 'select', path: parent };
    }
    case 'Enter':
      if (isDir) return row.expanded ? { type: 'collapse', dir: row.entry.path } : { type: 'expand', dir: row.entry.path };
      return { type: 'open', path: row.entry.path };
    default:
      return null;
  }
}

/** The root is listed and holds nothing (the tree shows its empty-workspace hint). */
export function rootIsEmpty(state: TreeState): boolean {
  const root = state.dirs.get('');
  return root?.status === 'loaded' && root.entries.length === 0;
}

/**
 * Where the inline "new file / new folder" row goes among `rows`: first among the children of
 * `dir`, right under its row (the top of the tree for the root, or when `dir` is not shown).
 */
export function creationRowAt(rows: readonly TreeRow[], dir: string): { index: number; depth: number } {
  if (dir === '') return { index: 0, depth: 0 };
  const i = rows.findIndex((r) => r.kind === 'entry' && r.entry.path === dir);
  if (i < 0) return { index: 0, depth: 0 };
  return { index: i + 1, depth: rows[i]!.depth + 1 };
}

/** The folder new files go to for a selected entry: the folder itself, a file's folder, else the root. */
export function folderFor(entry: Pick<TreeEntry, 'path' | 'type'> | null): string {
  if (!entry) return '';
  return entry.type === 'dir' ? entry.path : parentDir(entry.path);
}
