/**
 * The phone key bar's bytes: what Esc, Tab, the arrows and a sticky Ctrl send, the way xterm.js
 * itself would send them from a hardware keyboard. Pure, so it runs in unit tests.
 */

export type KeybarKey = 'esc' | 'tab' | 'up' | 'down' | 'left' | 'right' | 'ctrl-c' | 'ctrl-d';
export type ArrowKey = 'up' | 'down' | 'left' | 'right';

export interface KeyModes {
  /** DECCKM: the application asked for SS3 cursor keys (xterm: `term.modes.applicationCursorKeysMode`). */
  applicationCursor?: boolean;
  /** The sticky Ctrl is armed. */
  ctrl?: boolean;
}

const ARROW_FINAL: Record<ArrowKey, string> = { up: 'A', down: 'B', right: 'C', left: 'D' };

export function isArrow(key: KeybarKey): key is ArrowKey {
  return key === 'up' || key === 'down' || key === 'left' || key === 'right';
}

/**
 * An arrow key: CSI A…D normally, SS3 A…D in application cursor mode, and with Ctrl the
 * modified form CSI 1;5 A…D (the same in both modes, as xterm sends it).
 */
export function arrowBytes(key: ArrowKey, modes: KeyModes = {}): string {
  const final = ARROW_FINAL[key];
  if (modes.ctrl) return `\x1b[1;5${final}`;
  return modes.applicationCursor ? `\x1bO${final}` : `\x1b[${final}`;
}

/**
 * The control code Ctrl+`ch` sends, or null when Ctrl does nothing to that character: letters
 * (either case) → 0x01…0x1a, `@` and space → NUL, `[` → ESC, `\` → 0x1c, `]` → 0x1d, `^` → 0x1e,
 * `_` and `/` → 0x1f, `?` → DEL.
 */
export function ctrlCode(ch: string): string | null {
  if (ch.length !== 1) return null;
  const c = ch.charCodeAt(0);
  if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) return String.fromCharCode(c & 0x1f);
  switch (ch) {
    case '@':
    case ' ':
      return '\x00';
    case '[':
    case '\\':
    case ']':
    case '^':
    case '_':
      return String.fromCharCode(c & 0x1f);
    case '/':
      return '\x1f';
    case '?':
      return '\x7f';
    default:
      return null;
  }
}

/** The bytes of one key-bar key. */
export function keyBytes(key: KeybarKey, modes: KeyModes = {}): string {
  if (isArrow(key)) return arrowBytes(key, modes);
  switch (key) {
    case 'esc':
      return '\x1b';
    case 'tab':
      return '\t';
    case 'ctrl-c':
      return '\x03';
    case 'ctrl-d':
      return '\x04';
  }
}

/**
 * Apply an armed sticky Ctrl to the next input (`data` from the terminal's keyboard or the
 * composer). Escape sequences (arrow keys of a hardware keyboard, but also the terminal's own
 * replies such as focus or cursor reports, which travel the same way) pass through and leave Ctrl
 * armed. Otherwise the first character becomes its control code when it has one — the rest, if an
 * IME committed several characters at once, follows unchanged — and Ctrl is used up.
 */
export function applyStickyCtrl(data: string): { data: string; consumed: boolean } {
  if (data.length === 0) return { data, consumed: false };
  if (data.charCodeAt(0) === 0x1b && data.length > 1) return { data, consumed: false };
  const first = String.fromCodePoint(data.codePointAt(0)!);
  const code = ctrlCode(first);
  return { data: code === null ? data : code + data.slice(first.length), consumed: true };
}

/** Phone font sizes, in CSS pixels. */
export const PHONE_FONT = { min: 8, max: 24, default: 13 } as const;

/** A stored font size, clamped; the default for anything unusable. */
export function parseFontSize(stored: string | null): number {
  const n = stored === null ? NaN : Number(stored);
  if (!Number.isFinite(n)) return PHONE_FONT.default;
  return Math.min(PHONE_FONT.max, Math.max(PHONE_FONT.min, Math.round(n)));
}
