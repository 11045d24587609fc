'use client';
/**
 * The editor area: one tab per open file, one CodeMirror view whose state is swapped per tab.
 *
 * Each open file remembers the version it was last read or saved at. Saves send that version and
 * the server refuses with CONFLICT when the disk moved on; the conflict dialog resolves it. Watch
 * events re-read open files: a clean tab reloads silently, a dirty one gets a "Changed on disk"
 * banner. The saved document (`saved`) is an immutable CodeMirror Text, so "dirty" is a cheap
 * structural comparison with the current one.
 */
import { useEffect, useRef, useState } from 'react';
import { useOptionalCommands, useRegisterCommands } from '@/components/commands/commands-context';
import { COMMAND_KEYS } from '@/lib/client/command-keys';
import { baseName, displayName, downloadUrl } from '@/lib/client/file-paths';
import type { FilesBus, HeldOpens } from '@/lib/client/files-bus';
import { useSettings } from '@/components/settings/SettingsProvider';
import { ConflictDialog } from './ConflictDialog';
import { editorAppearance } from './file-state';
import { conflictActions, type Conflict } from './conflict-actions';
import { EditorTabs } from './EditorTabs';
import { NoFileOpen } from './NoFileOpen';
import { formatBytes, type OpenDoc } from './open-doc';
import { useDocLoading } from './use-doc-loading';
import { useDocSave, type SaveDoc } from './use-doc-save';
import { useDocTabs } from './use-doc-tabs';
import { useEditorView } from './use-editor-view';
import { useFilesBus } from './use-files-bus';

interface Props {
  workspaceId: string;
  bus: FilesBus;
  onActiveChange(path: string | null): void;
  notify(message: string, kind?: 'error' | 'info'): void;
  /** Show files without letting them change (a view-only share guest): not editable, no save. */
  readOnly?: boolean;
  /** Whether to offer downloads (the `/api/files` endpoint, signed-in users only). */
  fileTransfers?: boolean;
  /** Opens asked for before this pane's code had loaded (LazyEditorPane): opened once it listens. */
  heldOpens?: HeldOpens;
}

export function EditorPane({ workspaceId, bus, onActiveChange, notify, readOnly = false, fileTransfers = true, heldOpens }: Props) {
  // Read when states are built and saves asked for; fixed for the pane's life in practice.
  const readOnlyRef = useRef(readOnly);
  readOnlyRef.current = readOnly;
  const activeRef = useRef<OpenDoc | null>(null);
  // Hook order is effect order: the view first, then "Tab moves focus", then the bus.
  const { settings, resolvedTheme } = useSettings();
  const view = useEditorView(activeRef, editorAppearance(resolvedTheme, settings.editorFontSize));
  const { host, current } = view;
  // "Tab moves focus" (Ctrl-M) is the page's: the view follows it instead of keeping its own.
  const commands = useOptionalCommands();
  useEffect(() => {
    if (!commands) return;
    const apply = () => view.viewRef.current?.setTabFocusMode(commands.tabMovesFocus);
    apply();
    return commands.onChange(apply);
  }, [commands, view.viewRef]);
  const tabs = useDocTabs(activeRef, view, onActiveChange);
  const { docs, active, rerender, isOpen, activate, close } = tabs;
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const saveRef = useRef<SaveDoc | null>(null);
  const { read, applyRead, checkDisk, open, checkDiskAndReload } = useDocLoading({
    workspaceId,
    readOnlyRef,
    activeRef,
    view,
    tabs,
    saveRef,
    notify,
  });
  const save = useDocSave({ workspaceId, readOnlyRef, activeRef, saveRef, current, rerender, notify, checkDisk, setConflict });
  useFilesBus({ bus, docs, activeRef, open, checkDisk, rerender, onActiveChange, heldOpens });
  const { resolveReload, resolveOverwrite, showDiff } = conflictActions(conflict, setConflict, { read, applyRead, save, notify });
  // Outside the editor (the tree, the search box) Ctrl/Cmd-S saves the active file instead of the
  // page; inside it the editor's keymap does; a terminal keeps the key (XOFF).
  useRegisterCommands([
    {
      ...COMMAND_KEYS['file.save'],
      enabled: () => !readOnlyRef.current && activeRef.current?.kind === 'text',
      run: () => {
        if (activeRef.current) void save(activeRef.current, false);
      },
    },
    {
      id: 'editor.close',
      title: 'View: Close Editor',
      enabled: () => activeRef.current !== null,
      run: () => {
        if (activeRef.current) close(activeRef.current);
      },
    },
  ]);

  const list = docs.current;
  const showing = active && isOpen(active) ? active : null;

  return (
    // Focusable for F6 / Ctrl-` when no file is open (components/workspace/focus-region.ts).
    <section className="editor-pane" data-testid="editor-pane" data-readonly={readOnly} tabIndex={-1} aria-label="Editor">
      <EditorTabs docs={list} active={showing} onSelect={activate} onClose={close} />
      {showing?.diskChanged && (
        <div className="editor-banner" role="status" data-testid="editor-disk-changed">
          Changed on disk. Saving will ask whether to overwrite it.
          <button className="btn" onClick={() => void checkDiskAndReload(showing)}>
            Reload
          </button>
        </div>
      )}
      {showing?.deleted && (
        <div className="editor-banner" role="status" data-testid="editor-deleted">
          {readOnly ? 'Deleted on disk.' : 'Deleted on disk. Save to create it again.'}
        </div>
      )}
      <div className="editor-stack">
        <div ref={host} className="editor-host" data-visible={showing?.kind === 'text'} />
        {!showing && <NoFileOpen />}
        {showing?.kind === 'loading' && <div className="editor-empty">Loading {displayName(showing.path)}…</div>}
        {showing?.kind === 'error' && <div className="editor-empty">{showing.error}</div>}
        {(showing?.kind === 'binary' || showing?.kind === 'tooLarge') && (
          <div className="editor-empty" data-testid="editor-readonly">
            <p>
              {showing.kind === 'binary'
                ? 'This is a binary file; it is not shown in the editor.'
                : `This file is too large to edit here (${formatBytes(showing.size)}; the limit is 10 MiB).`}
            </p>
            {!readOnly && fileTransfers && (
              <a className="btn" href={downloadUrl(workspaceId, showing.path)} download={baseName(showing.path)}>
                Download
              </a>
            )}
          </div>
        )}
      </div>
      {conflict && isOpen(conflict.doc) && (
        <ConflictDialog
          path={conflict.doc.path}
          disk={conflict.disk}
          mine={current(conflict.doc)?.sliceDoc() ?? ''}
          busy={conflict.busy}
          onReload={() => void resolveReload()}
          onOverwrite={() => void resolveOverwrite()}
          onShowDiff={() => void showDiff()}
          onCancel={() => setConflict(null)}
        />
      )}
    </section>
  );
}
