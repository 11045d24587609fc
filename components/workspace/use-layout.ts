'use client';
/**
 * The workspace layout (lib/client/layout.ts) as React state, stored per user in localStorage,
 * and the context the terminal panel reads its maximize button from.
 */
import { createContext, useCallback, useContext, useLayoutEffect, useRef, useState } from 'react';
import { browserStore } from '@/lib/client/key-value-store';
import { DEFAULT_LAYOUT, loadLayout, saveLayout, type Layout } from '@/lib/client/layout';

export type LayoutPatch = Partial<Layout> | ((layout: Layout) => Partial<Layout>);

/**
 * `user`: whose layout (null until the page knows; meanwhile the last user's of this browser).
 * The first render has the defaults (the server renders the page too); the stored layout is put
 * in before the browser paints.
 */
export function useStoredLayout(user: string | null): [Layout, (patch: LayoutPatch) => void] {
  const [layout, setLayout] = useState<Layout>(DEFAULT_LAYOUT);
  const current = useRef<Layout>(DEFAULT_LAYOUT);
  const userRef = useRef(user);
  /** Changed by the user before we knew who they are: kept, and saved as theirs. */
  const changedEarly = useRef(false);

  useLayoutEffect(() => {
    userRef.current = user;
    if (user !== null && changedEarly.current) {
      saveLayout(browserStore(), user, current.current);
      changedEarly.current = false;
      return;
    }
    const stored = loadLayout(browserStore(), user);
    current.current = stored;
    setLayout(stored);
  }, [user]);

  const update = useCallback((patch: LayoutPatch) => {
    const prev = current.current;
    const next = { ...prev, ...(typeof patch === 'function' ? patch(prev) : patch) };
    if (Object.keys(next).every((k) => next[k as keyof Layout] === prev[k as keyof Layout])) return;
    current.current = next;
    setLayout(next);
    if (userRef.current !== null) saveLayout(browserStore(), userRef.current, next);
    else changedEarly.current = true;
  }, []);

  return [layout, update];
}

export interface PanelLayout {
  maximized: boolean;
  toggleMaximized(): void;
}

/** The terminal panel's maximize state, from the workspace body (absent: no maximize button). */
export const PanelLayoutContext = createContext<PanelLayout | null>(null);

export function usePanelLayout(): PanelLayout | null {
  return useContext(PanelLayoutContext);
}
