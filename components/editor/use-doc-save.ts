/**
 * Saving open docs: a save sends the version the doc was read or saved at, and a CONFLICT (the
 * disk moved on) opens the conflict dialog. (Ctrl/Cmd-S is the editor's keymap inside it and the
 * "File: Save" command outside it — EditorPane.)
 */
import type { EditorState } from '@codemirror/state';
import { useCallback, type RefObject } from 'react';
import { displayName } from '@/lib/client/file-paths';
import { errorMessage, trpcErrorCode, useTRPCClient } from '@/lib/client/trpc';
import type { Conflict } from './conflict-actions';
import type { OpenDoc } from './open-doc';

/** Save `doc`; `force` overwrites whatever is on disk. Resolves whether it was saved. */
export type SaveDoc = (doc: OpenDoc, force: boolean) => Promise<boolean>;

interface Options {
  workspaceId: string;
  /** Read when a save is asked for. */
  readOnlyRef: RefObject<boolean>;
  activeRef: RefObject<OpenDoc | null>;
  /** Set to the latest save on every render. */
  saveRef: RefObject<SaveDoc | null>;
  current(doc: OpenDoc): EditorState | null;
  rerender(): void;
  notify(message: string, kind?: 'error' | 'info'): void;
  /** Re-read a doc whose watch event came during its save. */
  checkDisk(doc: OpenDoc): Promise<void>;
  setConflict(conflict: Conflict): void;
}

export function useDocSave({ workspaceId, readOnlyRef, activeRef, saveRef, current, rerender, notify, checkDisk, setConflict }: Options): SaveDoc {
  const client = useTRPCClient();

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
    [client, workspaceId, rerender, notify, checkDisk, current, readOnlyRef, setConflict],
  );
  saveRef.current = save;

  return save;
}
