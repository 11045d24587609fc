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
          // The close button sits beside the tab, not in it (a tab holds no other control); it is
          // the mouse's way to close, hidden from the tablist's owned items — the keyboard closes
          // the focused tab with Delete, as its aria-keyshortcuts says.
          <div key={docKey(doc)} className="tab" data-selected={doc === active}>
            <div
              className="tab-main"
              role="tab"
              tabIndex={doc === active ? 0 : -1}
              data-testid="editor-tab"
              data-path={doc.path}
              data-dirty={doc.dirty}
              aria-selected={doc === active}
              aria-keyshortcuts="Delete"
              title={displayName(doc.path)}
              onClick={() => onSelect(doc)}
              onAuxClick={(e) => {
                if (e.button === 1) onClose(doc);
              }}
              onKeyDown={(e) => {
                if (e.key === 'Delete') {
                  e.preventDefault();
                  onClose(doc);
                }
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
            </div>
            <button
              className="tab-close"
              data-testid="editor-tab-close"
              data-path={doc.path}
              tabIndex={-1}
              aria-hidden="true"
              title={`Close ${displayName(baseName(doc.path))}${hints[i] ? ` · ${displayName(hints[i])}` : ''}`}
              onClick={() => onClose(doc)}
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
