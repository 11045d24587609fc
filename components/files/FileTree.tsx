'use client';
/**
 * The workspace file tree: folders list lazily (`fs.list`, paged) on expand and re-list when the
 * watcher reports entries added or removed inside them. Names render as text, never HTML, with
 * bidi and control characters escaped (lib/client/file-paths.ts `displayName`).
 */
import { useCallback, useEffect, useReducer, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { displayName } from '@/lib/client/file-paths';
import type { FilesBus } from '@/lib/client/files-bus';
import { EMPTY_TREE, navigate, removedDirs, staleDirs, treeReducer, visibleRows, type TreeEntry } from '@/lib/client/file-tree-state';
import { errorMessage, useTRPCClient } from '@/lib/client/trpc';
import { TreeContextMenu, type MenuTarget } from './TreeContextMenu';

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

export function FileTree({ workspaceId, bus, activePath, notify, readOnly = false, fileTransfers = true }: Props) {
  const client = useTRPCClient();
  const [state, dispatch] = useReducer(treeReducer, EMPTY_TREE);
  const [selected, setSelected] = useState<string | null>(null);
  const [menu, setMenu] = useState<MenuTarget | null>(null);
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

  const rows = visibleRows(state);

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

  return (
    <div className="file-tree-wrap">
      <div
        className="file-tree"
        data-testid="file-tree"
        role="tree"
        aria-label="Files"
        tabIndex={0}
        ref={listRef}
        onKeyDown={onKeyDown}
        onContextMenu={(e) => openMenu(e, null)}
      >
        {rows.map((row) =>
          row.kind === 'status' ? (
            <div key={`status:${row.dir}`} className="tree-status" style={{ paddingLeft: 8 + row.depth * 14 }}>
              {row.text}
            </div>
          ) : (
            <div
              key={row.entry.path}
              className="tree-item"
              data-testid="tree-item"
              data-path={row.entry.path}
              data-type={row.entry.type}
              data-selected={row.entry.path === selected}
              data-active={row.entry.path === activePath}
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
            </div>
          ),
        )}
      </div>
      {menu && (
        <TreeContextMenu
          workspaceId={workspaceId}
          target={menu}
          bus={bus}
          notify={notify}
          onClose={() => setMenu(null)}
          readOnly={readOnly}
          fileTransfers={fileTransfers}
          onChanged={(dir) => {
            if (dir !== '') expand(dir);
            void load(dir);
          }}
        />
      )}
    </div>
  );
}
