'use client';
/** The editor's tab bar: one tab per open file, ● while it has unsaved changes, and a folder hint
 * on tabs whose files share a name (lib/client/tab-hints.ts). */
import { baseName, displayName } from '@/lib/client/file-paths';
import { tabHints } from '@/lib/client/tab-hints';
import type { OpenDoc } from './open-doc';

interface Props {
  docs: readonly OpenDoc[];
  active: OpenDoc | null;
  onSelect(doc: OpenDoc): void;
  onClose(doc: OpenDoc): void;
}

export function EditorTabs({ docs, active, onSelect, onClose }: Props) {
  const hints = tabHints(docs.map((d) => d.path));
  return (
    <div className="tabbar">
      <div className="tabs" role="tablist" aria-label="Open files">
        {docs.map((doc, i) => (
          <div
            key={docKey(doc)}
            className="tab"
            role="tab"
            data-testid="editor-tab"
            data-path={doc.path}
            data-dirty={doc.dirty}
            aria-selected={doc === active}
            title={displayName(doc.path)}
            onClick={() => onSelect(doc)}
            onAuxClick={(e) => {
              if (e.button === 1) onClose(doc);
            }}
          >
            <span className="tab-label">{displayName(baseName(doc.path))}</span>
            {hints[i] && (
              <span className="tab-hint" data-testid="editor-tab-hint">
                {' · '}
                {displayName(hints[i])}
              </span>
            )}
            {doc.dirty && (
              <span className="tab-dirty" aria-label="unsaved changes">
                ●
              </span>
            )}
            <button
              className="tab-close"
              data-testid="editor-tab-close"
              aria-label={`Close ${displayName(baseName(doc.path))}${hints[i] ? ` · ${displayName(hints[i])}` : ''}`}
              onClick={(e) => {
                e.stopPropagation();
                onClose(doc);
              }}
            >
              ×
            </button>
          </div>
        ))}
      </div>
    </div>
  );
}

const keys = new WeakMap<OpenDoc, string>();
let keyCounter = 0;
/** Stable React key per open doc: it survives renames of the doc's path. */
function docKey(doc: OpenDoc): string {
  let k = keys.get(doc);
  if (!k) {
    k = `doc${++keyCounter}`;
    keys.set(doc, k);
  }
  return k;
}
