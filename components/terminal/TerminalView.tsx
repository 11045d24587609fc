'use client';
/**
 * One xterm.js terminal bound to one gateway channel. Loaded only in the browser (see
 * TerminalPanel's dynamic import): xterm touches `window` at import time.
 *
 * Output bytes go from the channel straight into `term.write(Uint8Array, callback)` — no string
 * decoding — and the callback is what acknowledges them to the gateway's flow control.
 *
 * Share guests use two options: `readOnly` (keys are never sent) and `letterbox` (the view follows
 * the session's size instead of fitting the panel: the terminal is drawn at the session's
 * cols × rows, centred, with the font scaled down — to 11 px at least, so a phone can read it —
 * when it would not fit, and the frame scrolling beyond that; `letterboxFit` scales it down to
 * fit instead).
 *
 * The terminal's life, its channel and its key handler (which keys stay on the page: the app's
 * global shortcuts, lib/client/commands.ts) are use-terminal-session.ts; this keeps it focused
 * and its look current (the user's settings: theme, font, cursor, scrollback), and shows the find bar (TerminalFind) over its top-right corner.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useSettings } from '@/components/settings/SettingsProvider';
import { TerminalFind } from './TerminalFind';
import { applyAppearance, terminalAppearance } from './terminal-appearance';
import { fitIfVisible } from './terminal-fit';
import type { TerminalViewProps } from './terminal-types';
import { FIND_HIGHLIGHT_LIMIT, useTerminalSession } from './use-terminal-session';

export type { TerminalHandle, TerminalTarget, TerminalViewProps } from './terminal-types';

export function TerminalView(props: TerminalViewProps) {
  // Find: open, and bumped by each find key so an open bar takes the focus back.
  const [findToken, setFindToken] = useState(0);
  const [findOpen, setFindOpen] = useState(false);
  const openFind = useCallback(() => {
    setFindOpen(true);
    setFindToken((t) => t + 1);
  }, []);
  const { settings, resolvedTheme } = useSettings();
  const look = useMemo(() => terminalAppearance(settings, resolvedTheme, props.fontSize), [settings, resolvedTheme, props.fontSize]);
  const { hostRef, frameRef, termRef, fitRef, relayoutRef, search } = useTerminalSession(props, openFind, look);
  // Fixed for the terminal's life, like its target.
  const readOnly = props.readOnly === true;
  const letterbox = props.letterbox === true;

  // Settings changed: the open terminal follows, no reload.
  useEffect(() => {
    const term = termRef.current;
    const host = hostRef.current;
    if (!term || !host) return;
    if (!applyAppearance(term, look, readOnly)) return;
    if (letterbox) relayoutRef.current?.();
    else if (fitRef.current) fitIfVisible(host, fitRef.current);
  }, [look]);

  useEffect(() => {
    const host = hostRef.current;
    if (!props.active || !host) return;
    if (fitRef.current) fitIfVisible(host, fitRef.current);
    // A dialog in front (e.g. "Move…" while the tabs change under it) keeps the focus.
    if (document.activeElement?.closest('[aria-modal="true"]')) return;
    termRef.current?.focus();
  }, [props.active, props.focusToken]);

  const fontSize = look.fontSize;
  useEffect(() => {
    const term = termRef.current;
    const host = hostRef.current;
    if (!term || !host) return;
    // Letterboxed, the font follows the frame, up to this size.
    if (letterbox) {
      relayoutRef.current?.();
      return;
    }
    if (term.options.fontSize === fontSize) return;
    term.options.fontSize = fontSize;
    // The host keeps its size, so no ResizeObserver fires: fit to the new cell size here.
    if (fitRef.current) fitIfVisible(host, fitRef.current);
  }, [fontSize, letterbox, props.letterboxFit]);

  const closeFind = useCallback(() => {
    setFindOpen(false);
    termRef.current?.focus();
  }, [termRef]);
  const find =
    findOpen && search ? <TerminalFind search={search} limit={FIND_HIGHLIGHT_LIMIT} focusToken={findToken} onClose={closeFind} /> : null;

  // The find bar sits over the terminal, outside the element xterm draws in (and, letterboxed,
  // outside the scrolling frame, so it stays in the corner).
  if (letterbox) {
    return (
      <div className="term-find-scope" data-letterbox="true">
        <div ref={frameRef} className="term-letterbox" data-testid="term-letterbox" data-readonly={readOnly}>
          <div ref={hostRef} className="term-letterbox-screen" />
        </div>
        {find}
      </div>
    );
  }
  return (
    <div className="term-find-scope">
      <div ref={hostRef} className="term-host" />
      {find}
    </div>
  );
}
