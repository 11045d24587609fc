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
import { EditorSelection, type EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { useCallback, useEffect, useRef, useState } from 'react';
import { baseName, displayName, downloadUrl } from '@/lib/client/file-paths';
import type { FilesBus } from '@/lib/client/files-bus';
import { renameOpenPaths, watchReactions } from '@/lib/client/open-files';
import { registerEditor } from '@/lib/client/test-hook';
import { errorMessage, trpcErrorCode, useTRPCClient } from '@/lib/client/trpc';
import { ConflictDialog } from './ConflictDialog';
import { EditorTabs } from './EditorTabs';
import { formatBytes, newDoc, type OpenDoc, type ReadResult } from './open-doc';
import { createFileState, loadLanguage } from './file-state';

interface Conflict {
  doc: OpenDoc;
  disk: string | null;
  busy: boolean;
}

interface Props {
  workspaceId: string;
  bus: FilesBus;
  onActiveChange(path: string | null): void;
  notify(message: string, kind?: 'error' | 'info'): void;
  /** Show files without letting them change (a view-only share guest): not editable, no save. */
  readOnly?: boolean;
  /** Whether to offer downloads (the `/api/files` endpoint, signed-in users only). */
  fileTransfers?: boolean;
}

export function EditorPane({ workspaceId, bus, onActiveChange, notify, readOnly = false, fileTransfers = true }: Props) {
  const client = useTRPCClient();
  // Read when states are built and saves asked for; fixed for the pane's life in practice.
  const readOnlyRef = useRef(readOnly);
  readOnlyRef.current = readOnly;
  const host = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  /** The doc whose state the view currently holds. */
  const inView = useRef<OpenDoc | null>(null);
  const docs = useRef<OpenDoc[]>([]);
  const [active, setActive] = useState<OpenDoc | null>(null);
  const activeRef = useRef<OpenDoc | null>(null);
  const [, setTick] = useState(0);
  const rerender = useCallback(() => setTick((n) => n + 1), []);
  const [conflict, setConflict] = useState<Conflict | null>(null);

  const current = (doc: OpenDoc): EditorState | null => (inView.current === doc && viewRef.current ? viewRef.current.state : doc.state);
  const isOpen = (doc: OpenDoc) => docs.current.includes(doc);

  // ---- view ----
  useEffect(() => {
    if (!host.current) return;
    const view = new EditorView({ parent: host.current });
    viewRef.current = view;
    // A remount (React strict mode) gets a fresh view: put the active file back into it.
    const shown = activeRef.current;
    if (shown?.state) {
      view.setState(shown.state);
      inView.current = shown;
    }
    const unregister = registerEditor({
      text: () => {
        const d = activeRef.current;
        return d ? (current(d)?.sliceDoc() ?? '') : '';
      },
      path: () => activeRef.current?.path ?? null,
    });
    return () => {
      unregister();
      view.destroy();
      viewRef.current = null;
      inView.current = null;
    };
  }, []);

  /** Put `doc`'s state into the view (or take the view's state back out when it leaves). */
  const showInView = useCallback((doc: OpenDoc | null) => {
    const view = viewRef.current;
    if (!view) return;
    const prev = inView.current;
    if (prev && prev !== doc) prev.state = view.state;
    if (doc?.state && (prev !== doc || view.state !== doc.state)) view.setState(doc.state);
    inView.current = doc?.state ? doc : null;
  }, []);

  const activate = useCallback(
    (doc: OpenDoc | null) => {
      activeRef.current = doc;
      setActive(doc);
      showInView(doc);
      onActiveChange(doc?.path ?? null);
      if (doc?.kind === 'text') requestAnimationFrame(() => viewRef.current?.focus());
    },
    [showInView, onActiveChange],
  );

  // ---- reading ----
  const hooksFor = useCallback(
    (doc: OpenDoc) => ({
      save: () => void saveRef.current(doc, false),
      changed: (u: { state: EditorState }) => {
        if (inView.current === doc) doc.state = u.state;
        const dirty = doc.saved ? !u.state.doc.eq(doc.saved) : false;
        if (dirty !== doc.dirty) {
          doc.dirty = dirty;
          rerender();
        }
      },
    }),
    [rerender],
  );

  /** Install freshly read content as the doc's clean state (keeps the cursor where it can). */
  const applyRead = useCallback(
    (doc: OpenDoc, res: ReadResult) => {
      doc.version = res.version;
      doc.size = res.size;
      doc.diskChanged = false;
      doc.deleted = false;
      doc.error = null;
      if (res.content === null) {
        if (inView.current === doc) inView.current = null;
        doc.kind = res.binary ? 'binary' : 'tooLarge';
        doc.state = null;
        doc.saved = null;
        doc.dirty = false;
      } else {
        const old = current(doc);
        if (old && doc.kind === 'text' && old.sliceDoc() === res.content) {
          doc.saved = old.doc;
          doc.dirty = false;
        } else {
          let state = createFileState(res.content, hooksFor(doc), readOnlyRef.current);
          const line = doc.revealLine;
          if (old) {
            const head = Math.min(old.selection.main.head, state.doc.length);
            state = state.update({ selection: EditorSelection.cursor(head) }).state;
          } else if (line !== null) {
            const pos = state.doc.line(Math.max(1, Math.min(line, state.doc.lines))).from;
            state = state.update({ selection: EditorSelection.cursor(pos), scrollIntoView: true }).state;
          }
          doc.revealLine = null;
          doc.kind = 'text';
          doc.state = state;
          doc.saved = state.doc;
          doc.dirty = false;
          if (inView.current === doc || activeRef.current === doc) {
            inView.current = null;
            showInView(doc);
          }
          loadLanguage(doc.path, (effect) => {
            if (inView.current === doc) viewRef.current?.dispatch({ effects: effect });
            else if (doc.state) doc.state = doc.state.update({ effects: effect }).state;
          });
        }
      }
      rerender();
    },
    [hooksFor, rerender, showInView],
  );

  const read = useCallback(
    (doc: OpenDoc) => client.fs.read.query({ workspaceId, path: doc.path }),
    [client, workspaceId],
  );

  /** Re-read an open file after a watch event: reload a clean tab, flag a dirty one. */
  const checkDisk = useCallback(
    async (doc: OpenDoc) => {
      if (doc.saving) {
        doc.recheck = true;
        return;
      }
      let res: ReadResult;
      try {
        res = await read(doc);
      } catch (err) {
        if (trpcErrorCode(err) === 'NOT_FOUND' && isOpen(doc)) {
          doc.deleted = true;
          rerender();
        }
        return;
      }
      if (!isOpen(doc) || doc.saving) return;
      if (res.version === doc.version) {
        if (doc.deleted) {
          doc.deleted = false;
          rerender();
        }
        return;
      }
      if (doc.dirty) {
        doc.diskChanged = true;
        doc.deleted = false;
        rerender();
      } else {
        applyRead(doc, res);
      }
    },
    [read, applyRead, rerender],
  );

  const open = useCallback(
    (path: string, line?: number) => {
      const existing = docs.current.find((d) => d.path === path);
      if (existing) {
        activate(existing);
        if (line !== undefined && existing.kind === 'text' && inView.current === existing && viewRef.current) {
          const v = viewRef.current;
          const pos = v.state.doc.line(Math.max(1, Math.min(line, v.state.doc.lines))).from;
          v.dispatch({ selection: EditorSelection.cursor(pos), scrollIntoView: true });
        }
        return;
      }
      const doc = newDoc(path, line ?? null);
      docs.current = [...docs.current, doc];
      activate(doc);
      read(doc).then(
        (res) => {
          if (isOpen(doc)) applyRead(doc, res);
        },
        (err: unknown) => {
          doc.kind = 'error';
          doc.error = errorMessage(err);
          rerender();
        },
      );
    },
    [activate, read, applyRead, rerender],
  );

  // ---- saving ----
  const save = useCallback(
    async (doc: OpenDoc, force: boolean): Promise<boolean> => {
      const state = current(doc);
      if (readOnlyRef.current || doc.kind !== 'text' || !state || doc.saving) return false;
      const sent = state.doc;
      doc.saving = true;
      try {
        const res = await client.fs.write.mutate({
          workspaceId,
          path: doc.path,
          content: state.sliceDoc(),
          expectedVersion: doc.version,
          ...(force ? { force: true } : {}),
        });
        doc.version = res.version;
        doc.size = res.size;
        doc.saved = sent;
        doc.dirty = !(current(doc)?.doc ?? sent).eq(sent);
        doc.diskChanged = false;
        doc.deleted = false;
        rerender();
        return true;
      } catch (err) {
        if (trpcErrorCode(err) === 'CONFLICT' && !force) setConflict({ doc, disk: null, busy: false });
        else notify(`Could not save ${displayName(doc.path)}: ${errorMessage(err)}`);
        return false;
      } finally {
        doc.saving = false;
        if (doc.recheck) {
          doc.recheck = false;
          void checkDisk(doc);
        }
      }
    },
    [client, workspaceId, rerender, notify, checkDisk],
  );
  const saveRef = useRef(save);
  saveRef.current = save;

  // Ctrl/Cmd-S outside the editor (e.g. in the tree) saves the active file instead of the page;
  // a terminal keeps the key (Ctrl-S is XOFF there).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || !(e.ctrlKey || e.metaKey) || e.key.toLowerCase() !== 's' || e.altKey || e.shiftKey) return;
      if (e.target instanceof Element && e.target.closest('.term-panel')) return;
      const doc = activeRef.current;
      if (!doc) return;
      e.preventDefault();
      void saveRef.current(doc, false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // ---- closing ----
  const close = (doc: OpenDoc) => {
    if (doc.dirty && !window.confirm(`Discard unsaved changes to ${displayName(doc.path)}?`)) return;
    const i = docs.current.indexOf(doc);
    docs.current = docs.current.filter((d) => d !== doc);
    if (inView.current === doc) inView.current = null;
    if (activeRef.current === doc) activate(docs.current[Math.min(i, docs.current.length - 1)] ?? null);
    else rerender();
  };

  // ---- bus: open requests, watch events, renames ----
  useEffect(() => {
    const offOpen = bus.on('open', (path, line) => open(path, line));
    const offWatch = bus.on('watch', (events) => {
      const reactions = watchReactions(
        events,
        docs.current.map((d) => d.path),
      );
      for (const [path, reaction] of reactions) {
        const doc = docs.current.find((d) => d.path === path);
        if (!doc) continue;
        if (reaction === 'check') void checkDisk(doc);
        else if (!doc.deleted) {
          doc.deleted = true;
          rerender();
        }
      }
    });
    const offResync = bus.on('resync', () => {
      for (const doc of docs.current) void checkDisk(doc);
    });
    const offRenamed = bus.on('renamed', (from, to) => {
      const moved = renameOpenPaths(
        docs.current.map((d) => d.path),
        from,
        to,
      );
      for (const doc of docs.current) {
        const next = moved.get(doc.path);
        if (next !== undefined) {
          doc.path = next;
          doc.deleted = false;
        }
      }
      if (moved.size > 0) {
        onActiveChange(activeRef.current?.path ?? null);
        rerender();
      }
    });
    return () => {
      offOpen();
      offWatch();
      offResync();
      offRenamed();
    };
  }, [bus, open, checkDisk, rerender, onActiveChange]);

  // ---- conflict resolution ----
  const resolveReload = async () => {
    if (!conflict) return;
    const { doc } = conflict;
    setConflict({ ...conflict, busy: true });
    try {
      const res = await read(doc);
      doc.dirty = false;
      applyRead(doc, res);
      setConflict(null);
    } catch (err) {
      notify(`Could not reload ${displayName(doc.path)}: ${errorMessage(err)}`);
      setConflict({ ...conflict, busy: false });
    }
  };
  const resolveOverwrite = async () => {
    if (!conflict) return;
    setConflict({ ...conflict, busy: true });
    const ok = await save(conflict.doc, true);
    setConflict(ok ? null : { ...conflict, busy: false });
  };
  const showDiff = async () => {
    if (!conflict) return;
    setConflict({ ...conflict, busy: true });
    try {
      const res = await read(conflict.doc);
      setConflict({
        ...conflict,
        busy: false,
        disk: res.content ?? (res.binary ? '(the file on disk is now binary)' : '(the file on disk is too large to show)'),
      });
    } catch (err) {
      setConflict({ ...conflict, busy: false, disk: `(could not read the file on disk: ${errorMessage(err)})` });
    }
  };

  const list = docs.current;
  const showing = active && isOpen(active) ? active : null;

  return (
    <section className="editor-pane" data-testid="editor-pane" data-readonly={readOnly}>
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
        {!showing && <div className="editor-empty">Open a file from the tree{'\u00a0'}— or press Ctrl-P.</div>}
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

  async function checkDiskAndReload(doc: OpenDoc) {
    if (doc.dirty && !window.confirm(`Discard your changes to ${displayName(doc.path)} and load the disk version?`)) return;
    try {
      const res = await read(doc);
      doc.dirty = false;
      applyRead(doc, res);
    } catch (err) {
      notify(`Could not reload ${displayName(doc.path)}: ${errorMessage(err)}`);
    }
  }
}
