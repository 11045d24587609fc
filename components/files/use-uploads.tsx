'use client';
/**
 * Uploads of the file tree (dropped files, the Upload button, the context menu): one file at a
 * time through the streaming route, each with a progress bar in the files panel and a Cancel
 * button. A name that exists is replaced only after asking. Refusals stay listed until dismissed.
 */
import { useRef, useState, type ReactNode } from 'react';
import { displayName } from '@/lib/client/file-paths';
import { formatBytes, oversizeReason, percentOf, sendFile, uploadPath, type UploadProgress } from '@/lib/client/uploads';
import type { Question } from './use-confirm';

interface Deps {
  workspaceId: string;
  /** Whether `name` is already listed in `dir` (null: the folder is not loaded, ask the server). */
  exists(dir: string, name: string): boolean | null;
  ask(q: Question): Promise<boolean>;
  /** A folder whose listing changed. */
  onUploaded(dir: string): void;
}

interface Running extends UploadProgress {
  abort: AbortController;
}

let nextId = 1;

export function useUploads({ workspaceId, exists, ask, onUploaded }: Deps) {
  const [running, setRunning] = useState<Running[]>([]);
  const [errors, setErrors] = useState<{ id: number; text: string }[]>([]);
  const queue = useRef<Promise<void>>(Promise.resolve());
  const fail = (text: string) => setErrors((list) => [...list, { id: nextId++, text }]);
  const replaceQuestion = (path: string): Question => ({
    title: `Replace ${displayName(path)}?`,
    body: `A file named ${displayName(path)} already exists. Replacing it overwrites its content.`,
    action: 'Replace',
    danger: true,
  });

  const uploadOne = async (dir: string, file: File) => {
    const path = uploadPath(dir, file.name);
    const tooBig = oversizeReason(displayName(file.name), file.size);
    if (tooBig) return fail(`Could not upload ${displayName(file.name)}: ${tooBig}.`);
    let overwrite = false;
    if (exists(dir, file.name)) {
      if (!(await ask(replaceQuestion(path)))) return;
      overwrite = true;
    }
    const item: Running = { id: nextId++, name: file.name, path, sent: 0, total: file.size, abort: new AbortController() };
    setRunning((list) => [...list, item]);
    const progress = (sent: number) => setRunning((list) => list.map((r) => (r.id === item.id ? { ...r, sent } : r)));
    try {
      let outcome = await sendFile(workspaceId, path, file, overwrite, progress, item.abort.signal);
      if (outcome.kind === 'exists') {
        if (!(await ask(replaceQuestion(path)))) return;
        progress(0);
        outcome = await sendFile(workspaceId, path, file, true, progress, item.abort.signal);
      }
      if (outcome.kind === 'failed') fail(`Could not upload ${displayName(file.name)}: ${outcome.message}. Nothing was changed.`);
      else onUploaded(dir);
    } finally {
      setRunning((list) => list.filter((r) => r.id !== item.id));
    }
  };

  /** Queue `files` for `dir`; batches run one after another. */
  const upload = (dir: string, files: readonly File[]) => {
    const next = queue.current.then(async () => {
      for (const f of files) await uploadOne(dir, f);
    });
    queue.current = next.catch(() => {});
    return next;
  };

  const panel: ReactNode =
    running.length + errors.length === 0 ? null : (
      <div className="upload-panel" data-testid="upload-panel">
        {running.map((r) => {
          const pct = percentOf(r.sent, r.total);
          const text = `${formatBytes(r.sent)} of ${formatBytes(r.total)} (${pct}%)`;
          return (
            <div className="upload-item" key={r.id} data-testid="upload-item" data-path={r.path}>
              <div className="upload-line">
                <span className="upload-name">{displayName(r.name)}</span>
                <span className="upload-bytes">{text}</span>
                <button className="icon-btn" aria-label={`Cancel upload of ${displayName(r.name)}`} title="Cancel upload" onClick={() => r.abort.abort()}>
                  <span aria-hidden>×</span>
                </button>
              </div>
              <div
                className="upload-bar"
                role="progressbar"
                aria-label={`Uploading ${displayName(r.name)}`}
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={pct}
                aria-valuetext={text}
                data-testid="upload-progress"
              >
                <div className="upload-bar-fill" style={{ width: `${pct}%` }} />
              </div>
            </div>
          );
        })}
        {errors.map((e) => (
          <div className="upload-error" key={e.id} role="alert" data-testid="upload-error">
            <span>{e.text}</span>
            <button className="icon-btn" aria-label="Dismiss" title="Dismiss" onClick={() => setErrors((list) => list.filter((x) => x.id !== e.id))}>
              <span aria-hidden>×</span>
            </button>
          </div>
        ))}
      </div>
    );

  return { upload, panel };
}
