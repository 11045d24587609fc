'use client';
/**
 * Right-click menu of the file tree: new file / folder, rename, delete, upload, download. Names
 * are typed into the menu itself; the server has the last word on what is allowed and its
 * refusals are shown as they come.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { baseName, displayName, downloadUrl, invalidNameReason, joinPath, parentDir, uploadUrl } from '@/lib/client/file-paths';
import type { FilesBus } from '@/lib/client/files-bus';
import type { TreeEntry } from '@/lib/client/file-tree-state';
import { errorMessage, useTRPCClient } from '@/lib/client/trpc';

export interface MenuTarget {
  /** The entry right-clicked, or null for the tree's empty space (the workspace root). */
  entry: TreeEntry | null;
  x: number;
  y: number;
}

interface Props {
  workspaceId: string;
  target: MenuTarget;
  bus: FilesBus;
  notify(message: string, kind?: 'error' | 'info'): void;
  onClose(): void;
  /** A folder whose listing changed (re-list it now rather than wait for the watcher). */
  onChanged(dir: string): void;
  /** Nothing can be changed (a view-only share guest): no new, rename, delete, upload or download. */
  readOnly?: boolean;
  /** Whether upload and download (the `/api/files` endpoints, signed-in users only) are offered. */
  fileTransfers?: boolean;
}

type Naming = { kind: 'file' | 'folder' | 'rename'; value: string };

export function TreeContextMenu({ workspaceId, target, bus, notify, onClose, onChanged, readOnly = false, fileTransfers = true }: Props) {
  const client = useTRPCClient();
  const ref = useRef<HTMLDivElement>(null);
  const upload = useRef<HTMLInputElement>(null);
  const [naming, setNaming] = useState<Naming | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const { entry } = target;
  const dir = entry?.type === 'dir' ? entry.path : entry ? parentDir(entry.path) : '';

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

  async function run(fn: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await fn();
      onClose();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  function submitName(e: FormEvent) {
    e.preventDefault();
    if (!naming) return;
    const name = naming.value.trim();
    const bad = invalidNameReason(name);
    if (bad) return setError(bad);
    if (naming.kind === 'rename' && entry) {
      const to = joinPath(parentDir(entry.path), name);
      if (to === entry.path) return onClose();
      return void run(async () => {
        await client.fs.rename.mutate({ workspaceId, from: entry.path, to });
        bus.emit('renamed', entry.path, to);
        onChanged(parentDir(entry.path));
      });
    }
    const path = joinPath(dir, name);
    if (naming.kind === 'file') {
      return void run(async () => {
        await client.fs.create.mutate({ workspaceId, path, content: '' });
        onChanged(dir);
        bus.emit('open', path);
      });
    }
    return void run(async () => {
      await client.fs.mkdir.mutate({ workspaceId, path });
      onChanged(dir);
    });
  }

  async function uploadFiles(files: FileList) {
    await run(async () => {
      for (const file of Array.from(files)) {
        const path = joinPath(dir, file.name);
        let res = await fetch(uploadUrl(workspaceId, path), { method: 'POST', body: file, credentials: 'same-origin' });
        if (res.status === 409 && window.confirm(`${displayName(path)} already exists. Replace it?`)) {
          res = await fetch(uploadUrl(workspaceId, path, true), { method: 'POST', body: file, credentials: 'same-origin' });
        }
        if (res.status === 409) continue;
        if (!res.ok) {
          const body: unknown = await res.json().catch(() => null);
          const msg = typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'string' ? body.error : res.statusText;
          throw new Error(`Could not upload ${displayName(file.name)}: ${msg}`);
        }
      }
      onChanged(dir);
    });
  }

  const style = { left: Math.min(target.x, window.innerWidth - 240), top: Math.min(target.y, window.innerHeight - 260) };

  return (
    <div className="context-menu" role="menu" data-testid="tree-context-menu" ref={ref} style={style}>
      <div className="context-menu-title">{entry ? displayName(entry.name) : 'Workspace'}</div>
      {naming ? (
        <form onSubmit={submitName} className="context-menu-form">
          <input
            className="input"
            autoFocus
            data-testid="tree-name-input"
            aria-label={naming.kind === 'rename' ? 'New name' : naming.kind === 'file' ? 'New file name' : 'New folder name'}
            value={naming.value}
            disabled={busy}
            onChange={(e) => setNaming({ ...naming, value: e.target.value })}
          />
          <button className="btn btn-primary" type="submit" disabled={busy} data-testid="tree-name-submit">
            {naming.kind === 'rename' ? 'Rename' : 'Create'}
          </button>
        </form>
      ) : (
        <>
          {!readOnly && (
            <>
              <MenuItem id="new-file" label="New file…" onClick={() => setNaming({ kind: 'file', value: '' })} />
              <MenuItem id="new-folder" label="New folder…" onClick={() => setNaming({ kind: 'folder', value: '' })} />
              {fileTransfers && <MenuItem id="upload" label="Upload files…" onClick={() => upload.current?.click()} />}
            </>
          )}
          {entry && !readOnly && (
            <>
              <MenuItem id="rename" label="Rename…" onClick={() => setNaming({ kind: 'rename', value: entry.name })} />
              {entry.type !== 'dir' && fileTransfers && (
                <a className="context-menu-item" role="menuitem" data-testid="menu-download" href={downloadUrl(workspaceId, entry.path)} download={baseName(entry.path)} onClick={() => onClose()}>
                  Download
                </a>
              )}
              <MenuItem
                id="delete"
                label="Delete"
                danger
                onClick={() => {
                  const what = entry.type === 'dir' ? `the folder ${displayName(entry.path)} and everything in it` : displayName(entry.path);
                  if (!window.confirm(`Delete ${what}? This cannot be undone.`)) return;
                  void run(async () => {
                    await client.fs.delete.mutate({ workspaceId, path: entry.path });
                    onChanged(parentDir(entry.path));
                  });
                }}
              />
            </>
          )}
        </>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <input
        ref={upload}
        type="file"
        multiple
        hidden
        data-testid="tree-upload-input"
        onChange={(e) => {
          if (e.target.files && e.target.files.length > 0) void uploadFiles(e.target.files);
        }}
      />
    </div>
  );
}

function MenuItem({ id, label, danger, onClick }: { id: string; label: string; danger?: boolean; onClick(): void }) {
  return (
    <button className="context-menu-item" role="menuitem" data-testid={`menu-${id}`} data-danger={danger} onClick={onClick}>
      {label}
    </button>
  );
}
