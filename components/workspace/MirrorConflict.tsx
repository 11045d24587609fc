'use client';
/**
 * One mirror conflict: this workspace's version beside the other side's, as a diff. The left
 * side is editable — it is what "Save merged" writes to both sides; "Keep mine" and "Keep theirs"
 * copy one side's current version over the other. A version that is not text (binary, too large,
 * deleted, a folder or a link) is described instead, and only the keep buttons apply.
 */
import { MergeView } from '@codemirror/merge';
import { EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { basicSetup } from '@/components/editor/basic-setup';
import { editorAppearance } from '@/components/editor/file-state';
import { useSettings } from '@/components/settings/SettingsProvider';
import { errorMessage, useTRPC } from '@/lib/client/trpc';

interface Version {
  type: 'file' | 'dir' | 'symlink' | null;
  size?: number;
  target?: string;
  text: string | null;
  binary: boolean;
}

interface Props {
  mirrorId: string;
  conflict: { path: string; a: Version; b: Version };
  /** Which side of the mirror this workspace is. */
  mine: 'a' | 'b';
  peer: string;
  onDone(): void;
}

function describe(v: Version): string {
  if (v.type === null) return 'deleted';
  if (v.type === 'dir') return 'a folder';
  if (v.type === 'symlink') return `a link to ${v.target ?? ''}`;
  if (v.binary) return `a binary file (${v.size ?? 0} bytes)`;
  if (v.text === null) return `a file too large to compare here (${v.size ?? 0} bytes)`;
  return 'text';
}

export function MirrorConflict({ mirrorId, conflict, mine, peer, onDone }: Props) {
  const trpc = useTRPC();
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<MergeView | null>(null);
  const { settings, resolvedTheme } = useSettings();
  const appearance = editorAppearance(resolvedTheme, settings.editorFontSize);
  const ours = conflict[mine];
  const theirs = conflict[mine === 'a' ? 'b' : 'a'];
  const texts = ours.text !== null && theirs.text !== null;
  const resolve = useMutation(trpc.mirrors.resolve.mutationOptions({ onSuccess: onDone }));

  useEffect(() => {
    if (!host.current || !texts) return;
    const v = new MergeView({
      a: { doc: ours.text!, extensions: [basicSetup, appearance, EditorView.contentAttributes.of({ 'aria-label': 'Your version (editable: the merged result)' })] },
      b: { doc: theirs.text!, extensions: [basicSetup, appearance, EditorState.readOnly.of(true), EditorView.editable.of(false), EditorView.contentAttributes.of({ 'aria-label': `${peer}'s version` })] },
      parent: host.current,
      collapseUnchanged: { margin: 3, minSize: 6 },
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
  }, [ours.text, theirs.text, texts, appearance, peer]);

  const keep = (side: 'a' | 'b') => resolve.mutate({ id: mirrorId, path: conflict.path, resolution: { kind: 'keep', side } });
  return (
    <div className="mirror-conflict" data-testid="mirror-conflict">
      <p className="muted">
        This file changed here and on {peer} since they last agreed. Both versions are kept until you choose.
      </p>
      {texts ? (
        <div data-testid="mirror-conflict-diff">
          <div className="mirror-conflict-heads" aria-hidden="true">
            <span>Yours (edit to merge)</span>
            <span>{peer}</span>
          </div>
          <div ref={host} className="mirror-conflict-host" />
        </div>
      ) : (
        <p>
          Yours: {describe(ours)}. {peer}: {describe(theirs)}.
        </p>
      )}
      {resolve.isError && <p className="field-error">{errorMessage(resolve.error)}</p>}
      <div className="modal-actions">
        <button className="btn" data-testid="mirror-keep-mine" disabled={resolve.isPending} onClick={() => keep(mine)}>
          Keep mine
        </button>
        <button className="btn" data-testid="mirror-keep-theirs" disabled={resolve.isPending} onClick={() => keep(mine === 'a' ? 'b' : 'a')}>
          Keep theirs
        </button>
        {texts && (
          <button
            className="btn btn-primary"
            data-testid="mirror-save-merged"
            disabled={resolve.isPending}
            onClick={() => resolve.mutate({ id: mirrorId, path: conflict.path, resolution: { kind: 'merged', content: view.current?.a.state.doc.toString() ?? ours.text! } })}
          >
            Save merged
          </button>
        )}
        <span className="spacer" />
        <button className="btn" onClick={onDone}>
          Back
        </button>
      </div>
    </div>
  );
}
