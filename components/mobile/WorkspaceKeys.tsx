'use client';
/**
 * The workspace page's terminal panel on a phone (the one-pane layout, ≤ 699 px): the same
 * composer and key bar as the full-screen phone terminal, driving the active tab, with the
 * composer's toggle at the start of the bar. The page is sized to the visual viewport
 * (`--visual-viewport-height`, read by the phone layout in app/globals.css), so where the
 * browser does not resize the page for the on-screen keyboard (Safari on iOS) the keys still sit
 * right above it.
 */
import { useEffect } from 'react';
import { TerminalKeys } from './TerminalKeys';
import type { TerminalKeysState } from './use-terminal-keys';
import { useMediaQuery, useVisualViewport } from './use-visual-viewport';

/** The width below which the workspace shows one pane at a time (app/globals.css). */
export const PHONE_LAYOUT_QUERY = '(max-width: 699px)';

export function usePhoneLayout(): boolean {
  return useMediaQuery(PHONE_LAYOUT_QUERY);
}

export function WorkspaceKeys({ keys }: { keys: TerminalKeysState }) {
  const vp = useVisualViewport();
  const height = vp?.height ?? null;
  useEffect(() => {
    if (height === null) return;
    const root = document.documentElement.style;
    root.setProperty('--visual-viewport-height', `${height}px`);
    return () => {
      root.removeProperty('--visual-viewport-height');
    };
  }, [height]);
  return <TerminalKeys keys={keys} composerToggle />;
}
