'use client';
/**
 * The inline name field of the file tree (new file, new folder, rename), shown as a row where the
 * entry is or will be. Enter submits, Escape or leaving the field cancels; a refusal (the name's
 * own problem first, then the server's) is shown under the field, which keeps the focus.
 */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { invalidNameReason } from '@/lib/client/file-paths';

export type NamingKind = 'file' | 'folder' | 'rename';

const LABELS: Record<NamingKind, string> = { file: 'New file name', folder: 'New folder name', rename: 'New name' };

interface Props {
  kind: NamingKind;
  initial: string;
  depth: number;
  /** Create or rename; resolves to an error sentence to show, or null when done. */
  onSubmit(name: string): Promise<string | null>;
  /** Escape (the tree takes the focus back) or the field lost the focus (it stays where it went). */
  onCancel(how: 'escape' | 'blur'): void;
}

export function TreeNameInput({ kind, initial, depth, onSubmit, onCancel }: Props) {
  const [value, setValue] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const errorId = useId();

  useEffect(() => {
    const el = input.current;
    if (!el) return;
    el.focus();
    // Rename selects the name without its extension, as desktop file managers do.
    const dot = initial.lastIndexOf('.');
    el.setSelectionRange(0, kind === 'rename' && dot > 0 ? dot : initial.length);
  }, [kind, initial]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const name = value.trim();
    const bad = invalidNameReason(name);
    if (bad) return setError(bad);
    setBusy(true);
    setError(null);
    const refused = await onSubmit(name).finally(() => setBusy(false));
    if (refused) {
      setError(refused);
      input.current?.focus();
    }
  }

  return (
    <div className="tree-item tree-naming" role="treeitem" aria-level={depth + 1} aria-selected={false} data-testid="tree-naming" style={{ paddingLeft: 8 + depth * 14 }}>
      <span className="tree-icon" aria-hidden>
        {kind === 'folder' ? '▸' : ''}
      </span>
      <form className="tree-naming-form" onSubmit={submit}>
        <input
          ref={input}
          className="input tree-name-input"
          data-testid="tree-name-input"
          aria-label={LABELS[kind]}
          aria-invalid={error !== null}
          aria-describedby={error ? errorId : undefined}
          readOnly={busy}
          spellCheck={false}
          autoCapitalize="none"
          autoCorrect="off"
          value={value}
          onChange={(e) => {
            setValue(e.target.value);
            setError(null);
          }}
          // The tree's own keys (arrows, Enter, F2, Delete) must not act while typing a name.
          onKeyDown={(e) => {
            e.stopPropagation();
            if (e.key === 'Escape') {
              e.preventDefault();
              onCancel('escape');
            }
          }}
          onBlur={() => {
            if (!busy) onCancel('blur');
          }}
        />
        {error && (
          <span id={errorId} className="field-error tree-naming-error" role="alert" data-testid="tree-name-error">
            {error}
          </span>
        )}
      </form>
    </div>
  );
}
