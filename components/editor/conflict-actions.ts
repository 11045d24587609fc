/**
 * The conflict dialog's three answers to a save the server refused (the disk moved on): reload
 * the disk version, overwrite it, or show it beside ours. Each marks the dialog busy meanwhile.
 */
import { displayName } from '@/lib/client/file-paths';
import { errorMessage } from '@/lib/client/trpc';
import type { OpenDoc, ReadResult } from './open-doc';

export interface Conflict {
  doc: OpenDoc;
  disk: string | null;
  busy: boolean;
}

interface Deps {
  read(doc: OpenDoc): Promise<ReadResult>;
  applyRead(doc: OpenDoc, res: ReadResult): void;
  save(doc: OpenDoc, force: boolean): Promise<boolean>;
  notify(message: string, kind?: 'error' | 'info'): void;
}

export function conflictActions(conflict: Conflict | null, setConflict: (conflict: Conflict | null) => void, { read, applyRead, save, notify }: Deps) {
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
  return { resolveReload, resolveOverwrite, showDiff };
}
