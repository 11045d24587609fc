/**
 * Reading open docs from disk: opening a file (or revealing a line in an open one), installing
 * what was read as the doc's clean state, re-checking after watch events (a clean tab reloads, a
 * dirty one is flagged "Changed on disk") and the banner's explicit reload.
 */
import { EditorSelection, type EditorState } from '@codemirror/state';
import { useCallback, type RefObject } from 'react';
import { displayName } from '@/lib/client/file-paths';
import { errorMessage, trpcErrorCode, useTRPCClient } from '@/lib/client/trpc';
import { createFileState, loadLanguage } from './file-state';
import { newDoc, type OpenDoc, type ReadResult } from './open-doc';
import type { SaveDoc } from './use-doc-save';
import type { DocTabs } from './use-doc-tabs';
import type { EditorViewSlot } from './use-editor-view';

interface Options {
  workspaceId: string;
  /** Read when states are built. */
  readOnlyRef: RefObject<boolean>;
  activeRef: RefObject<OpenDoc | null>;
  view: EditorViewSlot;
  tabs: Pick<DocTabs, 'docs' | 'rerender' | 'isOpen' | 'activate'>;
  /** The latest save (Mod-S inside the editor calls it). */
  saveRef: RefObject<SaveDoc | null>;
  notify(message: string, kind?: 'error' | 'info'): void;
}

export interface DocLoading {
  read(doc: OpenDoc): Promise<ReadResult>;
  /** Install freshly read content as the doc's clean state (keeps the cursor where it can). */
  applyRead(doc: OpenDoc, res: ReadResult): void;
  /** Re-read an open file after a watch event: reload a clean tab, flag a dirty one. */
  checkDisk(doc: OpenDoc): Promise<void>;
  open(path: string, line?: number): void;
  /** The "Changed on disk" banner's Reload: load the disk version (asking first if dirty). */
  checkDiskAndReload(doc: OpenDoc): Promise<void>;
}

export function useDocLoading({ workspaceId, readOnlyRef, activeRef, view, tabs, saveRef, notify }: Options): DocLoading {
  const client = useTRPCClient();
  const { viewRef, inView, current, showInView } = view;
  const { docs, rerender, isOpen, activate } = tabs;

  const hooksFor = useCallback(
    (doc: OpenDoc) => ({
      save: () => void saveRef.current?.(doc, false),
      changed: (u: { state: EditorState }) => {
        if (inView.current === doc) doc.state = u.state;
        const dirty = doc.saved ? !u.state.doc.eq(doc.saved) : false;
        if (dirty !== doc.dirty) {
          doc.dirty = dirty;
          rerender();
        }
      },
      label: () => displayName(doc.path),
    }),
    [saveRef, inView, rerender],
  );

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
    [hooksFor, rerender, showInView, current, readOnlyRef, activeRef, inView, viewRef],
  );

  const read = useCallback(
    (doc: OpenDoc) => client.fs.read.query({ workspaceId, path: doc.path }),
    [client, workspaceId],
  );

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
    [read, applyRead, rerender, isOpen],
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
    [activate, read, applyRead, rerender, docs, isOpen, inView, viewRef],
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

  return { read, applyRead, checkDisk, open, checkDiskAndReload };
}
