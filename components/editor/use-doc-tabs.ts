/**
 * The editor's open docs as tabs: which are open, which is active, activating one (its state goes
 * into the view, the parent hears of it) and closing one (asking first when it has unsaved changes).
 * Docs are mutable records; `rerender` is how a change to one reaches the screen.
 */
import { useCallback, useRef, useState, type RefObject } from 'react';
import { displayName } from '@/lib/client/file-paths';
import type { OpenDoc } from './open-doc';
import type { EditorViewSlot } from './use-editor-view';

export interface DocTabs {
  docs: RefObject<OpenDoc[]>;
  active: OpenDoc | null;
  rerender(): void;
  isOpen(doc: OpenDoc): boolean;
  activate(doc: OpenDoc | null): void;
  close(doc: OpenDoc): void;
}

export function useDocTabs(
  activeRef: RefObject<OpenDoc | null>,
  view: Pick<EditorViewSlot, 'viewRef' | 'inView' | 'showInView'>,
  onActiveChange: (path: string | null) => void,
): DocTabs {
  const { viewRef, inView, showInView } = view;
  const docs = useRef<OpenDoc[]>([]);
  const [active, setActive] = useState<OpenDoc | null>(null);
  const [, setTick] = useState(0);
  const rerender = useCallback(() => setTick((n) => n + 1), []);

  const isOpen = useCallback((doc: OpenDoc) => docs.current.includes(doc), []);

  const activate = useCallback(
    (doc: OpenDoc | null) => {
      activeRef.current = doc;
      setActive(doc);
      showInView(doc);
      onActiveChange(doc?.path ?? null);
      if (doc?.kind === 'text') requestAnimationFrame(() => viewRef.current?.focus());
    },
    [activeRef, viewRef, showInView, onActiveChange],
  );

  const close = (doc: OpenDoc) => {
    if (doc.dirty && !window.confirm(`Discard unsaved changes to ${displayName(doc.path)}?`)) return;
    const i = docs.current.indexOf(doc);
    docs.current = docs.current.filter((d) => d !== doc);
    if (inView.current === doc) inView.current = null;
    if (activeRef.current === doc) activate(docs.current[Math.min(i, docs.current.length - 1)] ?? null);
    else rerender();
  };

  return { docs, active, rerender, isOpen, activate, close };
}
