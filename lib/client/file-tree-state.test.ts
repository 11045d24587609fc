import { describe, expect, it } from 'vitest';
import { creationRowAt, EMPTY_TREE, folderFor, navigate, removedDirs, rootIsEmpty, staleDirs, treeReducer, visibleRows, type TreeEntry, type TreeState } from './file-tree-state';

const dir = (path: string): TreeEntry => ({ name: path.split('/').pop()!, path, type: 'dir', size: 0, mtime: 0 });
const file = (path: string): TreeEntry => ({ name: path.split('/').pop()!, path, type: 'file', size: 1, mtime: 0 });

function tree(): TreeState {
  let s = treeReducer(EMPTY_TREE, { type: 'loaded', dir: '', entries: [dir('src'), file('a.txt')] });
  s = treeReducer(s, { type: 'expand', dir: 'src' });
  s = treeReducer(s, { type: 'loaded', dir: 'src', entries: [file('src/x.ts')] });
  return s;
}

const paths = (s: TreeState) => visibleRows(s).map((r) => (r.kind === 'entry' ? r.entry.path : `(${r.text})`));

describe('file tree state', () => {
  it('shows expanded folders depth-first and a loading row for folders not listed yet', () => {
    expect(paths(EMPTY_TREE)).toEqual(['(Loading…)']);
    expect(paths(tree())).toEqual(['src', 'src/x.ts', 'a.txt']);
    const collapsed = treeReducer(tree(), { type: 'collapse', dir: 'src' });
    expect(paths(collapsed)).toEqual(['src', 'a.txt']);
    const depths = visibleRows(tree()).map((r) => r.depth);
    expect(depths).toEqual([0, 1, 0]);
  });

  it('keeps old entries while a folder reloads, and shows errors', () => {
    const s = treeReducer(tree(), { type: 'loading', dir: 'src' });
    expect(paths(s)).toEqual(['src', 'src/x.ts', 'a.txt']);
    const failed = treeReducer(s, { type: 'failed', dir: 'src', message: 'Permission denied' });
    expect(paths(failed)).toEqual(['src', '(Permission denied)', 'a.txt']);
  });

  it('reloads only loaded parents of added and removed entries', () => {
    const s = tree();
    expect(
      staleDirs(s, [
        { type: 'add', path: 'hello.txt' },
        { type: 'change', path: 'src/x.ts' },
        { type: 'add', path: 'other/deep.txt' },
        { type: 'unlink', path: 'src/x.ts' },
      ]),
    ).toEqual(['', 'src']);
  });

  it('forgets a removed folder and everything below it', () => {
    const s = treeReducer(tree(), { type: 'removed', path: 'src' });
    expect(s.dirs.has('src')).toBe(false);
    expect(s.expanded.has('src')).toBe(false);
    expect(s.expanded.has('')).toBe(true);
    expect(removedDirs([{ type: 'unlinkDir', path: 'src' }, { type: 'unlink', path: 'a' }])).toEqual(['src']);
  });

  it('navigates with the arrow keys and Enter', () => {
    const rows = visibleRows(tree());
    expect(navigate(rows, null, 'ArrowDown')).toEqual({ type: 'select', path: 'src' });
    expect(navigate(rows, 'src', 'ArrowDown')).toEqual({ type: 'select', path: 'src/x.ts' });
    expect(navigate(rows, 'src/x.ts', 'ArrowUp')).toEqual({ type: 'select', path: 'src' });
    expect(navigate(rows, 'src', 'ArrowRight')).toEqual({ type: 'select', path: 'src/x.ts' });
    expect(navigate(rows, 'src', 'ArrowLeft')).toEqual({ type: 'collapse', dir: 'src' });
    expect(navigate(rows, 'src/x.ts', 'ArrowLeft')).toEqual({ type: 'select', path: 'src' });
    expect(navigate(rows, 'src/x.ts', 'Enter')).toEqual({ type: 'open', path: 'src/x.ts' });
    const collapsed = visibleRows(treeReducer(tree(), { type: 'collapse', dir: 'src' }));
    expect(navigate(collapsed, 'src', 'ArrowRight')).toEqual({ type: 'expand', dir: 'src' });
    expect(navigate(collapsed, 'src', 'Enter')).toEqual({ type: 'expand', dir: 'src' });
  });

  it('knows an empty workspace only once its root is listed', () => {
    expect(rootIsEmpty(EMPTY_TREE)).toBe(false);
    expect(rootIsEmpty(treeReducer(EMPTY_TREE, { type: 'loaded', dir: '', entries: [] }))).toBe(true);
    expect(rootIsEmpty(treeReducer(EMPTY_TREE, { type: 'failed', dir: '', message: 'x' }))).toBe(false);
    expect(rootIsEmpty(tree())).toBe(false);
  });

  it('puts the inline new-entry row first among the folder children, one level deeper', () => {
    const rows = visibleRows(tree());
    expect(creationRowAt(rows, '')).toEqual({ index: 0, depth: 0 });
    expect(creationRowAt(rows, 'src')).toEqual({ index: 1, depth: 1 });
    expect(creationRowAt(rows, 'gone')).toEqual({ index: 0, depth: 0 });
  });

  it('creates in the selected folder, beside a selected file, or at the root', () => {
    expect(folderFor(dir('src'))).toBe('src');
    expect(folderFor(file('src/x.ts'))).toBe('src');
    expect(folderFor(file('a.txt'))).toBe('');
    expect(folderFor(null)).toBe('');
  });
});
