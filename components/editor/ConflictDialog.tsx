'use client';
/**
 * Shown when a save meets the server's CONFLICT (the file changed on disk since it was read):
 * reload the disk version, overwrite it with mine, or look at the difference first.
 */
import { EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { MergeView } from '@codemirror/merge';
import { basicSetup } from './basic-setup';
import { useEffect, useRef } from 'react';
import { useSettings } from '@/components/settings/SettingsProvider';
import { editorAppearance } from './file-state';
import { displayName } from '@/lib/client/file-paths';

interface Props {
  path: string;
  /** The disk version, once "Show diff" has fetched it. */
  disk: string | null;
  mine: string;
  busy: boolean;
  onReload(): void;
  onOverwrite(): void;
  onShowDiff(): void;
  onCancel(): void;
}

const readOnly = [basicSetup, EditorState.readOnly.of(true), EditorView.editable.of(false)];

function DiffView({ disk, mine }: { disk: string; mine: string }) {
  const host = useRef<HTMLDivElement>(null);
  const { settings, resolvedTheme } = useSettings();
  const appearance = editorAppearance(resolvedTheme, settings.editorFontSize);
  useEffect(() => {
    if (!host.current) return;
    const extensions = [...readOnly, appearance];
    const view = new MergeView({
      a: { doc: disk, extensions },
      b: { doc: mine, extensions },
      parent: host.current,
      collapseUnchanged: { margin: 3, minSize: 6 },
    });
    return () => view.destroy();
  }, [disk, mine, appearance]);
  return (
    <div className="conflict-diff" data-testid="conflict-diff">
      <div className="conflict-diff-heads">
        <span>On disk</span>
        <span>Yours</span>
      </div>
      <div ref={host} className="conflict-diff-host" />
    </div>
  );
}

export function ConflictDialog({ path, disk, mine, busy, onReload, onOverwrite, onShowDiff, onCancel }: Props) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onCancel();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onCancel]);
  return (
    <div className="modal-backdrop">
      <div className="modal conflict-dialog" role="alertdialog" aria-modal="true" aria-labelledby="conflict-title" data-testid="conflict-dialog">
        <h2 id="conflict-title">{displayName(path)} changed on disk</h2>
        <p className="muted">
          Someone or something changed this file after you opened it. Keep the disk version, replace it with yours, or
          compare them first.
        </p>
        {disk !== null && <DiffView disk={disk} mine={mine} />}
        <div className="modal-actions">
          <button className="btn" data-testid="conflict-reload" disabled={busy} onClick={onReload}>
            Reload (discard mine)
          </button>
          <button className="btn btn-danger" data-testid="conflict-overwrite" disabled={busy} onClick={onOverwrite}>
            Overwrite
          </button>
          {disk === null && (
            <button className="btn" data-testid="conflict-diff-button" disabled={busy} onClick={onShowDiff}>
              Show diff
            </button>
          )}
          <span className="spacer" />
          <button className="btn" data-testid="conflict-cancel" disabled={busy} onClick={onCancel}>
            Cancel
          </button>
        </div>
      </div>
    </div>
  );
}
