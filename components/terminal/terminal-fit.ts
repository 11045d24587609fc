/**
 * Sizing a terminal to its element: fitting the panel (the fit addon), or — letterboxed — scaling
 * the font so the session's cols × rows fit the frame.
 */
import type { FitAddon } from '@xterm/addon-fit';
import type { Terminal } from '@xterm/xterm';
import { FONT_SIZE } from './terminal-theme';

/** Used for OPEN when the panel has no size yet; the first fit corrects it with a RESIZE. */
export const FALLBACK_SIZE = { cols: 80, rows: 24 };

/**
 * The smallest font a letterboxed terminal is scaled to; past it, the frame scrolls (sideways on a
 * phone: the owner's columns at a size one can read). `fit` is the guest's "Fit to width": small
 * enough for a desktop's 150 columns on a phone.
 */
export const LETTERBOX_MIN_FONT = { readable: 11, fit: 4 } as const;
export type LetterboxMode = keyof typeof LETTERBOX_MIN_FONT;
/** Room for xterm's scrollbar beside the screen, as the fit addon reserves it. */
const SCROLLBAR_PX = 14;
/** Margin around a letterboxed terminal inside its frame. */
const LETTERBOX_MARGIN_PX = 8;

/**
 * Size a letterboxed terminal's font to its frame: the largest size up to `maxFont` (in half
 * pixels) at which the session's cols × rows fit, but not below the mode's minimum; then size the
 * host to the screen so the frame can centre it (or scroll it). The size chosen is left in the
 * host's `data-font-size`.
 */
export function layoutLetterbox(frame: HTMLElement, host: HTMLElement, term: Terminal, maxFont: number, mode: LetterboxMode = 'readable'): void {
  const minFont = Math.min(maxFont, LETTERBOX_MIN_FONT[mode]);
  const availW = frame.clientWidth - 2 * LETTERBOX_MARGIN_PX - SCROLLBAR_PX;
  const availH = frame.clientHeight - 2 * LETTERBOX_MARGIN_PX;
  const screen = host.querySelector<HTMLElement>('.xterm-screen');
  if (!screen || availW <= 0 || availH <= 0) return; // hidden or not laid out yet
  const measure = () => ({ w: screen.offsetWidth, h: screen.offsetHeight });
  let { w, h } = measure();
  if (w === 0 || h === 0) return;
  const current = term.options.fontSize ?? FONT_SIZE;
  // Cell size is close to proportional to the font size: start from the proportional guess, then
  // correct by measuring (rounding of cell metrics can make the guess a little too big).
  const guess = current * Math.min(availW / w, availH / h);
  let size = Math.max(minFont, Math.min(maxFont, Math.floor(guess * 2) / 2));
  for (let i = 0; i < 12; i++) {
    if (size !== term.options.fontSize) term.options.fontSize = size;
    ({ w, h } = measure());
    if ((w <= availW && h <= availH) || size <= minFont) break;
    size = Math.max(minFont, size - 0.5);
  }
  host.style.width = `${w + SCROLLBAR_PX}px`;
  host.style.height = `${h}px`;
  host.dataset.fontSize = String(size);
}

export function fitIfVisible(host: HTMLElement, fit: FitAddon): void {
  if (host.clientWidth === 0 || host.clientHeight === 0) return;
  try {
    fit.fit();
  } catch {
    // Not measurable yet (fonts loading, element detached); the next resize retries.
  }
}
