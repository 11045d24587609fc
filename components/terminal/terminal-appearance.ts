/**
 * What a terminal looks like, from the user's settings (components/settings/SettingsProvider.tsx):
 * read when the terminal is made, and applied to its xterm options live when a setting changes.
 */
import type { Terminal } from '@xterm/xterm';
import type { CURSOR_STYLES, ResolvedTheme, Settings } from '@/lib/shared/settings';
import { minimumContrast, terminalTheme } from './terminal-theme';

export interface TerminalAppearance {
  theme: ResolvedTheme;
  fontFamily: string;
  /** CSS pixels; a letterboxed view never goes above it. */
  fontSize: number;
  cursorStyle: (typeof CURSOR_STYLES)[number];
  cursorBlink: boolean;
  scrollback: number;
}

/** `fontSize`: the view's own size when it has one (the phone terminal's pinch size), else the setting. */
export function terminalAppearance(settings: Settings, theme: ResolvedTheme, fontSize: number | undefined): TerminalAppearance {
  return {
    theme,
    fontFamily: settings.terminalFontFamily,
    fontSize: fontSize ?? settings.terminalFontSize,
    cursorStyle: settings.terminalCursorStyle,
    cursorBlink: settings.terminalCursorBlink,
    scrollback: settings.terminalScrollback,
  };
}

/**
 * Apply everything but the font size (which needs a refit, TerminalView does it) to a live
 * terminal. Returns whether the cell size may have changed (font family), so the caller refits.
 */
export function applyAppearance(term: Terminal, look: TerminalAppearance, readOnly: boolean): boolean {
  const o = term.options;
  o.theme = terminalTheme(look.theme);
  o.minimumContrastRatio = minimumContrast(look.theme);
  if (o.cursorStyle !== look.cursorStyle) o.cursorStyle = look.cursorStyle;
  const blink = !readOnly && look.cursorBlink;
  if (o.cursorBlink !== blink) o.cursorBlink = blink;
  if (o.scrollback !== look.scrollback) o.scrollback = look.scrollback;
  if (o.fontFamily === look.fontFamily) return false;
  o.fontFamily = look.fontFamily;
  return true;
}
