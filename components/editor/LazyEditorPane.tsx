'use client';
/**
 * The editor pane, kept out of a workspace's first load: CodeMirror and its languages are about a
 * fifth of the page's scripts and nothing needs them until a file is opened. Until then an empty
 * pane that looks and focuses like the real one stands in. Its code is fetched on the first sign of
 * use (the pointer or focus reaching the files sidebar or this pane, see `preloadEditor`), and the
 * pane is mounted at the first "open": requests made while it loads are held and handed over.
 */
import dynamic from 'next/dynamic';
import { useEffect, useState, type ComponentProps } from 'react';
import { holdOpens, type HeldOpens } from '@/lib/client/files-bus';
import type { EditorPane as EditorPaneType } from './EditorPane';
import { NoFileOpen } from './NoFileOpen';

const loadEditorPane = () => import('./EditorPane').then((m) => m.EditorPane);

/** Start fetching the editor's code (idempotent: the module is fetched once). */
export function preloadEditor(): void {
  void loadEditorPane();
}

const EditorPane = dynamic(loadEditorPane, { ssr: false, loading: () => <EmptyEditorPane /> });

type Props = Omit<ComponentProps<typeof EditorPaneType>, 'heldOpens'>;

export function LazyEditorPane(props: Props) {
  const { bus } = props;
  const [held, setHeld] = useState<HeldOpens | null>(null);
  const [wanted, setWanted] = useState(false);
  useEffect(() => {
    const h = holdOpens(bus, () => setWanted(true));
    setHeld(h);
    return () => h.dispose();
  }, [bus]);
  if (!wanted || !held) return <EmptyEditorPane />;
  return <EditorPane {...props} heldOpens={held} />;
}

/** The real pane's empty state: same element, test id, label and focus behaviour. */
function EmptyEditorPane() {
  return (
    // Focusable for F6 / Ctrl-` when no file is open (components/workspace/focus-region.ts).
    <section className="editor-pane" data-testid="editor-pane" tabIndex={-1} aria-label="Editor" onFocus={preloadEditor} onPointerEnter={preloadEditor}>
      <div className="editor-stack">
        <NoFileOpen />
      </div>
    </section>
  );
}
