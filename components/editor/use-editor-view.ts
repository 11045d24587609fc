/**
 * The editor's one CodeMirror view, and which open doc's state it holds. The view is made on
 * mount (and again on a strict-mode remount, with the active file put back into it); docs swap
 * their states in and out of it through `showInView`. The user's theme and font size
 * (`appearance`, from editorAppearance) are put into whichever state the view shows, live.
 */
import type { EditorState, Extension } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { useCallback, useEffect, useLayoutEffect, useRef, type RefObject } from 'react';
import { registerEditor } from '@/lib/client/test-hook';
import { appearanceSlot } from './file-state';
import type { OpenDoc } from './open-doc';

export interface EditorViewSlot {
  host: RefObject<HTMLDivElement | null>;
  viewRef: RefObject<EditorView | null>;
  /** The doc whose state the view currently holds. */
  inView: RefObject<OpenDoc | null>;
  /** `doc`'s live state: the view's while it holds the doc, else the doc's own. */
  current(doc: OpenDoc): EditorState | null;
  /** Put `doc`'s state into the view (or take the view's state back out when it leaves). */
  showInView(doc: OpenDoc | null): void;
}

/** Give the view's state `appearance` unless it has it already. */
function applyAppearance(view: EditorView, appearance: Extension): void {
  if (appearanceSlot.get(view.state) !== appearance) view.dispatch({ effects: appearanceSlot.reconfigure(appearance) });
}

export function useEditorView(activeRef: RefObject<OpenDoc | null>, appearance: Extension): EditorViewSlot {
  const host = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  const inView = useRef<OpenDoc | null>(null);
  const appearanceRef = useRef(appearance);
  useLayoutEffect(() => {
    appearanceRef.current = appearance;
    if (viewRef.current) applyAppearance(viewRef.current, appearance);
  }, [appearance]);

  const current = useCallback(
    (doc: OpenDoc): EditorState | null => (inView.current === doc && viewRef.current ? viewRef.current.state : doc.state),
    [],
  );

  useEffect(() => {
    if (!host.current) return;
    const view = new EditorView({ parent: host.current });
    viewRef.current = view;
    // A remount (React strict mode) gets a fresh view: put the active file back into it.
    const shown = activeRef.current;
    if (shown?.state) {
      view.setState(shown.state);
      inView.current = shown;
    }
    applyAppearance(view, appearanceRef.current);
    const unregister = registerEditor({
      text: () => {
        const d = activeRef.current;
        return d ? (current(d)?.sliceDoc() ?? '') : '';
      },
      path: () => activeRef.current?.path ?? null,
    });
    return () => {
      unregister();
      view.destroy();
      viewRef.current = null;
      inView.current = null;
    };
    // Mount only: activeRef and current are stable.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const showInView = useCallback((doc: OpenDoc | null) => {
    const view = viewRef.current;
    if (!view) return;
    const prev = inView.current;
    if (prev && prev !== doc) prev.state = view.state;
    if (doc?.state && (prev !== doc || view.state !== doc.state)) {
      view.setState(doc.state);
      applyAppearance(view, appearanceRef.current);
    }
    inView.current = doc?.state ? doc : null;
  }, []);

  return { host, viewRef, inView, current, showInView };
}
