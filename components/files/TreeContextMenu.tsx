'use client';
/**
 * Right-click menu of the file tree: new file / folder, upload, rename, download, delete. It only
 * picks the action: naming happens inline in the tree, deleting and replacing ask in a dialog,
 * uploads show their progress in the files panel (FileTree owns all of that).
 */
import { useEffect, useRef } from 'react';
import { baseName, displayName, downloadUrl } from '@/lib/client/file-paths';
import type { TreeEntry } from '@/lib/client/file-tree-state';

export interface MenuTarget {
  /** The entry right-clicked, or null for the tree's empty space (the workspace root). */
  entry: TreeEntry | null;
  x: number;
  y: number;
}

export interface TreeActions {
  newEntry(kind: 'file' | 'folder', entry: TreeEntry | null): void;
  upload(entry: TreeEntry | null, files: File[]): void;
  rename(entry: TreeEntry): void;
  remove(entry: TreeEntry): void;
}

interface Props {
  workspaceId: string;
  target: MenuTarget;
  actions: TreeActions;
  onClose(): void;
  /** Nothing can be changed (a view-only share guest): no new, rename, delete, upload or download. */
  readOnly?: boolean;
  /** Whether upload and download (the `/api/files` endpoints, signed-in users only) are offered. */
  fileTransfers?: boolean;
}

export function TreeContextMenu({ workspaceId, target, actions, onClose, readOnly = false, fileTransfers = true }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const upload = useRef<HTMLInputElement>(null);
  const { entry } = target;

  useEffect(() => {
    const onDown = (e: PointerEvent) => {
      if (ref.current && e.target instanceof Node && !ref.current.contains(e.target)) onClose();
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    document.addEventListener('pointerdown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [onClose]);

  const pick = (fn: () => void) => () => {
    onClose();
    fn();
  };
  const style = { left: Math.min(target.x, window.innerWidth - 240), top: Math.min(target.y, window.innerHeight - 260) };

  return (
    <div className="context-menu" role="menu" data-testid="tree-context-menu" ref={ref} style={style}>
      <div className="context-menu-title">{entry ? displayName(entry.name) : 'Workspace'}</div>
      {!readOnly && (
        <>
          <MenuItem id="new-file" label="New file…" onClick={pick(() => actions.newEntry('file', entry))} />
          <MenuItem id="new-folder" label="New folder…" onClick={pick(() => actions.newEntry('folder', entry))} />
          {fileTransfers && <MenuItem id="upload" label="Upload files…" onClick={() => upload.current?.click()} />}
        </>
      )}
      {entry && !readOnly && (
        <>
          <MenuItem id="rename" label="Rename…" shortcut="F2" onClick={pick(() => actions.rename(entry))} />
          {entry.type !== 'dir' && fileTransfers && (
            <a className="context-menu-item" role="menuitem" data-testid="menu-download" href={downloadUrl(workspaceId, entry.path)} download={baseName(entry.path)} onClick={() => onClose()}>
              Download
            </a>
          )}
          <MenuItem id="delete" label="Delete…" shortcut="Delete" danger onClick={pick(() => actions.remove(entry))} />
        </>
      )}
      <input
        ref={upload}
        type="file"
        multiple
        hidden
        data-testid="tree-upload-input"
        onChange={(e) => {
          const files = Array.from(e.target.files ?? []);
          if (files.length > 0) pick(() => actions.upload(entry, files))();
        }}
      />
    </div>
  );
}

function MenuItem({ id, label, shortcut, danger, onClick }: { id: string; label: string; shortcut?: string; danger?: boolean; onClick(): void }) {
  return (
    <button className="context-menu-item" role="menuitem" data-testid={`menu-${id}`} data-danger={danger} aria-keyshortcuts={shortcut} onClick={onClick}>
      {label}
      {shortcut && (
        <span className="context-menu-key" aria-hidden>
          {shortcut}
        </span>
      )}
    </button>
  );
}
