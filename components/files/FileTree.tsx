'use client';
/**
 * The workspace file tree: folders list lazily (`fs.list`, paged) on expand and re-list when the
 * watcher reports entries added or removed inside them. Names render as text, never HTML, with
 * bidi and control characters escaped (lib/client/file-paths.ts `displayName`).
 *
 * Changing files: New file / New folder / Upload buttons above the tree, the context menu, F2 and
 * Delete on the focused tree (`fileTree` commands: the editor and terminals keep those keys), and
 * files dropped on a folder row or on the tree's empty space. Names are typed inline.
 */
import { useCallback, useEffect, useReducer, useRef, useState, type DragEvent, type KeyboardEvent, type MouseEvent } from 'react';
import { useRegisterCommands } from '@/components/commands/commands-context';
import { COMMAND_KEYS } from '@/lib/client/command-keys';
import { displayName, joinPath, parentDir } from '@/lib/client/file-paths';
import type { FilesBus } from '@/lib/client/files-bus';
import {
  creationRowAt,
  EMPTY_TREE,
  folderFor,
  navigate,
  removedDirs,
  rootIsEmpty,
  staleDirs,
  treeReducer,
  visibleRows,
  type TreeEntry,
} from '@/lib/client/file-tree-state';
import { errorMessage, useTRPCClient } from '@/lib/client/trpc';
import { FilesToolbar } from './FilesToolbar';
import { TreeEmptyHint } from './TreeEmptyHint';
import { TreeContextMenu, type MenuTarget, type TreeActions } from './TreeContextMenu';
import { TreeNameInput, type NamingKind } from './TreeNameInput';
import { useConfirm } from './use-confirm';
import { useUploads } from './use-uploads';

const PAGE_SIZE = 1000;

interface Props {
  workspaceId: string;
  bus: FilesBus;
  /** Path of the active editor tab, highlighted in the tree. */
  activePath: string | null;
  notify(message: string, kind?: 'error' | 'info'): void;
  /** Browse only (a view-only share guest): no menu to create, rename, delete or upload. */
  readOnly?: boolean;
  /** Whether upload and download (the `/api/files` endpoints, signed-in users only) are offered. */
  fileTransfers?: boolean;
}

/** An inline name being typed: a new entry in `dir`, or a new name for `entry`. */
type Naming = { kind: 'file' | 'folder'; dir: string } | { kind: 'rename'; entry: TreeEntry };

export function FileTree({ workspaceId, bus, activePath, notify, readOnly = false, fileTransfers = true }: Props) {
  const client = useTRPCClient();
  const [state, dispatch] = useReducer(treeReducer, EMPTY_TREE);
  const [selected, setSelected] = useState<string | null>(null);
  const [menu, setMenu] = useState<MenuTarget | null>(null);
  const [naming, setNaming] = useState<Naming | null>(null);
  /** The folder files would be dropped into ('' = root), while something is dragged over. */
  const [dropDir, setDropDir] = useState<string | null>(null);
  const [confirmDialog, ask] = useConfirm();
  const stateRef = useRef(state);
  stateRef.current = state;
  const listRef = useRef<HTMLDivElement>(null);
  // One listing per folder at a time; a request made while one runs is queued behind it.
  const inflight = useRef(new Map<string, { again: boolean }>());

  const load = useCallback(
    async (dir: string) => {
      const running = inflight.current.get(dir);
      if (running) {
        running.again = true;
        return;
      }
      const slot = { again: false };
      inflight.current.set(dir, slot);
      try {
        do {
          slot.again = false;
          dispatch({ type: 'loading', dir });
          try {
            const entries: TreeEntry[] = [];
            let cursor: string | undefined;
            for (;;) {
              const page = await client.fs.list.query({ workspaceId, dir, cursor, limit: PAGE_SIZE });
              entries.push(...page.entries);
              if (page.nextCursor === null) break;
              cursor = page.nextCursor;
            }
            dispatch({ type: 'loaded', dir, entries });
          } catch (err) {
            dispatch({ type: 'failed', dir, message: errorMessage(err) });
          }
        } while (slot.again);
      } finally {
        inflight.current.delete(dir);
      }
    },
    [client, workspaceId],
  );

  useEffect(() => {
    void load('');
  }, [load]);

  useEffect(() => {
    const offWatch = bus.on('watch', (events) => {
      for (const d of removedDirs(events)) dispatch({ type: 'removed', path: d });
      for (const d of staleDirs(stateRef.current, events)) void load(d);
    });
    const offResync = bus.on('resync', () => {
      for (const d of stateRef.current.dirs.keys()) void load(d);
    });
    return () => {
      offWatch();
      offResync();
    };
  }, [bus, load]);

  const expand = useCallback(
    (dir: string) => {
      dispatch({ type: 'expand', dir });
      if (!stateRef.current.dirs.has(dir)) void load(dir);
    },
    [load],
  );

  /** A folder whose listing changed: re-list it now rather than wait for the watcher. */
  const changed = useCallback(
    (dir: string) => {
      if (dir !== '') expand(dir);
      void load(dir);
    },
    [expand, load],
  );

  const rows = visibleRows(state);
  const entryAt = (path: string | null) => {
    const row = path === null ? undefined : rows.find((r) => r.kind === 'entry' && r.entry.path === path);
    return row?.kind === 'entry' ? row.entry : null;
  };
  const selectedEntry = entryAt(selected);

  const { upload, panel: uploadPanel } = useUploads({
    workspaceId,
    exists: (dir, name) => {
      const d = stateRef.current.dirs.get(dir);
      return d && d.status === 'loaded' ? d.entries.some((e) => e.name === name) : null;
    },
    ask,
    onUploaded: changed,
  });

  const focusTree = () => requestAnimationFrame(() => listRef.current?.focus());

  const actions: TreeActions = {
    newEntry(kind, entry) {
      const dir = folderFor(entry);
      if (dir !== '') expand(dir);
      setNaming({ kind, dir });
    },
    upload: (entry, files) => void upload(folderFor(entry), files),
    rename(entry) {
      setSelected(entry.path);
      setNaming({ kind: 'rename', entry });
    },
    async remove(entry) {
      const what = entry.type === 'dir' ? `the folder ${displayName(entry.path)} and everything in it` : displayName(entry.path);
      const yes = await ask({ title: `Delete ${displayName(entry.name)}?`, body: `This deletes ${what}. It cannot be undone.`, action: 'Delete', danger: true });
      if (!yes) {
        // From the context menu the focus had nowhere to go back to: the tree takes it.
        if (document.activeElement === document.body) focusTree();
        return;
      }
      try {
        await client.fs.delete.mutate({ workspaceId, path: entry.path });
        const rowsNow = visibleRows(stateRef.current).flatMap((r) => (r.kind === 'entry' ? [r.entry.path] : []));
        const i = rowsNow.indexOf(entry.path);
        // The selection moves to a neighbour, so Delete can be pressed again.
        setSelected(rowsNow.filter((p) => !p.startsWith(`${entry.path}/`) && p !== entry.path)[Math.max(0, i - 1)] ?? null);
        changed(parentDir(entry.path));
      } catch (err) {
        notify(`Could not delete ${displayName(entry.path)}: ${errorMessage(err)}`, 'error');
      }
      focusTree();
    },
  };

  /** Create or rename from the inline field; the server's refusal comes back as the sentence to show. */
  async function submitName(name: string): Promise<string | null> {
    if (!naming) return null;
    try {
      if (naming.kind === 'rename') {
        const { entry } = naming;
        const to = joinPath(parentDir(entry.path), name);
        if (to !== entry.path) {
          await client.fs.rename.mutate({ workspaceId, from: entry.path, to });
          bus.emit('renamed', entry.path, to);
          changed(parentDir(entry.path));
        }
        setSelected(to);
      } else {
        const path = joinPath(naming.dir, name);
        if (naming.kind === 'file') await client.fs.create.mutate({ workspaceId, path, content: '' });
        else await client.fs.mkdir.mutate({ workspaceId, path });
        changed(naming.dir);
        setSelected(path);
        if (naming.kind === 'file') bus.emit('open', path);
      }
    } catch (err) {
      return errorMessage(err);
    }
    setNaming(null);
    // A new file opens in the editor, which takes the focus; otherwise the tree keeps it.
    if (naming.kind !== 'file') focusTree();
    return null;
  }

  const cancelNaming = (how: 'escape' | 'blur') => {
    setNaming(null);
    // Escape gives the focus back to the tree; a click elsewhere keeps it where it went.
    if (how === 'escape') focusTree();
  };

  const canChange = !readOnly;
  useRegisterCommands([
    { id: 'files.newFile', title: 'Files: New File…', enabled: () => canChange, run: () => actions.newEntry('file', selectedEntry) },
    { id: 'files.newFolder', title: 'Files: New Folder…', enabled: () => canChange, run: () => actions.newEntry('folder', selectedEntry) },
    {
      ...COMMAND_KEYS['files.rename'],
      enabled: () => canChange && selectedEntry !== null,
      run: () => selectedEntry && actions.rename(selectedEntry),
    },
    {
      ...COMMAND_KEYS['files.delete'],
      enabled: () => canChange && selectedEntry !== null,
      run: () => selectedEntry && void actions.remove(selectedEntry),
    },
  ]);

  const activate = (entry: TreeEntry) => {
    setSelected(entry.path);
    if (entry.type === 'dir') {
      if (state.expanded.has(entry.path)) dispatch({ type: 'collapse', dir: entry.path });
      else expand(entry.path);
    } else {
      bus.emit('open', entry.path);
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.target !== e.currentTarget) return;
    const r = navigate(rows, selected, e.key);
    if (!r) return;
    e.preventDefault();
    if (r.type === 'select') setSelected(r.path);
    else if (r.type === 'expand') expand(r.dir);
    else if (r.type === 'collapse') dispatch({ type: 'collapse', dir: r.dir });
    else bus.emit('open', r.path);
  };

  useEffect(() => {
    if (!selected) return;
    const el = listRef.current?.querySelector(`[data-path="${CSS.escape(selected)}"]`);
    el?.scrollIntoView({ block: 'nearest' });
  }, [selected]);

  const openMenu = (e: MouseEvent, entry: TreeEntry | null) => {
    // Read-only, the menu would offer nothing: leave the browser's own.
    if (readOnly) return;
    e.preventDefault();
    e.stopPropagation();
    if (entry) setSelected(entry.path);
    setMenu({ entry, x: e.clientX, y: e.clientY });
  };

  const canDrop = canChange && fileTransfers;
  /** The folder under the pointer of a drag: a folder row, a file's folder, or the root. */
  const dropTarget = (e: DragEvent): string => {
    const row = e.target instanceof Element ? e.target.closest<HTMLElement>('[data-path]') : null;
    return folderFor(row ? { path: row.dataset.path ?? '', type: row.dataset.type === 'dir' ? 'dir' : 'file' } : null);
  };
  const dragHandlers = canDrop
    ? {
        onDragOver: (e: DragEvent) => {
          if (!e.dataTransfer.types.includes('Files')) return;
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
          setDropDir(dropTarget(e));
        },
        onDragLeave: (e: DragEvent) => {
          if (!(e.relatedTarget instanceof Node && e.currentTarget.contains(e.relatedTarget))) setDropDir(null);
        },
        onDrop: (e: DragEvent) => {
          const files = Array.from(e.dataTransfer.files);
          setDropDir(null);
          if (files.length === 0) return;
          e.preventDefault();
          void upload(dropTarget(e), files);
        },
      }
    : {};

  const creating = naming && naming.kind !== 'rename' ? creationRowAt(rows, naming.dir) : null;
  const nameInput = (kind: NamingKind, initial: string, depth: number) => (
    <TreeNameInput key={`naming:${kind}`} kind={kind} initial={initial} depth={depth} onSubmit={submitName} onCancel={cancelNaming} />
  );
  const empty = rootIsEmpty(state) && !naming;

  return (
    <div className="file-tree-wrap" data-drop-target={dropDir === '' ? 'root' : undefined} {...dragHandlers}>
      {canChange && (
        <FilesToolbar
          fileTransfers={fileTransfers}
          onNew={(kind) => actions.newEntry(kind, selectedEntry)}
          onUpload={(files) => actions.upload(selectedEntry, files)}
        />
      )}
      {uploadPanel}
      {empty && <TreeEmptyHint canChange={canChange} canDrop={canDrop} onNew={(kind) => actions.newEntry(kind, null)} />}
      <div
        className="file-tree"
        data-testid="file-tree"
        data-key-scope="file-tree"
        role="tree"
        aria-label="Files"
        tabIndex={0}
        ref={listRef}
        onKeyDown={onKeyDown}
        onContextMenu={(e) => openMenu(e, null)}
      >
        {rows.map((row, i) => {
          const before = creating && creating.index === i ? nameInput(naming!.kind, '', creating.depth) : null;
          if (row.kind === 'status') {
            return [
              before,
              <div key={`status:${row.dir}`} className="tree-status" style={{ paddingLeft: 8 + row.depth * 14 }}>
                {row.text}
              </div>,
            ];
          }
          if (naming?.kind === 'rename' && naming.entry.path === row.entry.path) return [before, nameInput('rename', row.entry.name, row.depth)];
          return [
            before,
            <div
              key={row.entry.path}
              className="tree-item"
              data-testid="tree-item"
              data-path={row.entry.path}
              data-type={row.entry.type}
              data-selected={row.entry.path === selected}
              data-active={row.entry.path === activePath}
              data-drop-target={row.entry.type === 'dir' && dropDir === row.entry.path ? 'true' : undefined}
              role="treeitem"
              aria-level={row.depth + 1}
              aria-expanded={row.entry.type === 'dir' ? row.expanded : undefined}
              aria-selected={row.entry.path === selected}
              title={displayName(row.entry.path)}
              style={{ paddingLeft: 8 + row.depth * 14 }}
              onClick={() => activate(row.entry)}
              onContextMenu={(e) => openMenu(e, row.entry)}
            >
              <span className="tree-icon" aria-hidden>
                {row.entry.type === 'dir' ? (row.expanded ? '▾' : '▸') : ''}
              </span>
              <span className="tree-name">{displayName(row.entry.name)}</span>
            </div>,
          ];
        })}
        {creating && creating.index >= rows.length && nameInput(naming!.kind, '', creating.depth)}
      </div>
      {menu && (
        <TreeContextMenu
          workspaceId={workspaceId}
          target={menu}
          actions={actions}
          onClose={() => setMenu(null)}
          readOnly={readOnly}
          fileTransfers={fileTransfers}
        />
      )}
      {confirmDialog}
    </div>
  );
}

