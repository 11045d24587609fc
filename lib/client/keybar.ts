/**
 * The phone key bar's bytes: what Esc, Tab, the arrows, Home/End, PgUp/PgDn and the sticky Ctrl
 * and Alt send, the way xterm.js itself would send them from a hardware keyboard; and the order in
 * which a key press sends the composer's draft and the key. Pure, so it runs in unit tests. The
 * row of keys a device shows (and its editor's rules) is keybar-row.ts.
 */

/** Every key the bar can show: keys that send bytes, the two sticky modifiers, and Paste. */
export type KeyId =
  | 'esc'
  | 'tab'
  | 'ctrl'
  | 'alt'
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'home'
  | 'end'
  | 'pgup'
  | 'pgdn'
  | 'ctrl-c'
  | 'ctrl-d'
  | 'ctrl-z'
  | 'paste'
  | 'pipe'
  | 'tilde'
  | 'slash'
  | 'dash';
export type ModifierKey = 'ctrl' | 'alt';
/** The keys that send bytes. */
export type KeybarKey = Exclude<KeyId, ModifierKey | 'paste'>;
export type ArrowKey = 'up' | 'down' | 'left' | 'right';

export interface KeyDef {
  /** On the button. */
  text: string;
  /** The button's accessible name: always contains `text` (label in name). */
  name: string;
}

/** In the order the key row editor lists them. */
export const KEY_DEFS: Readonly<Record<KeyId, KeyDef>> = {
  esc: { text: 'Esc', name: 'Esc (Escape)' },
  tab: { text: 'Tab', name: 'Tab' },
  ctrl: { text: 'Ctrl', name: 'Ctrl (applies to the next key)' },
  alt: { text: 'Alt', name: 'Alt (applies to the next key)' },
  up: { text: '↑', name: '↑ Up' },
  down: { text: '↓', name: '↓ Down' },
  left: { text: '←', name: '← Left' },
  right: { text: '→', name: '→ Right' },
  home: { text: 'Home', name: 'Home' },
  end: { text: 'End', name: 'End' },
  pgup: { text: 'PgUp', name: 'PgUp (Page Up)' },
  pgdn: { text: 'PgDn', name: 'PgDn (Page Down)' },
  'ctrl-c': { text: '^C', name: '^C (Control-C, interrupt)' },
  'ctrl-d': { text: '^D', name: '^D (Control-D, end of input)' },
  'ctrl-z': { text: '^Z', name: '^Z (Control-Z, suspend)' },
  paste: { text: 'Paste', name: 'Paste' },
  pipe: { text: '|', name: '| (pipe)' },
  tilde: { text: '~', name: '~ (tilde)' },
  slash: { text: '/', name: '/ (slash)' },
  dash: { text: '-', name: '- (dash)' },
};

export const ALL_KEYS = Object.keys(KEY_DEFS) as KeyId[];

export function isKeyId(value: unknown): value is KeyId {
  return typeof value === 'string' && Object.hasOwn(KEY_DEFS, value);
}

export interface KeyModes {
  /** DECCKM: the application asked for SS3 cursor keys (xterm: `term.modes.applicationCursorKeysMode`). */
  applicationCursor?: boolean;
  /** The sticky Ctrl is armed. */
  ctrl?: boolean;
  /** The sticky Alt is armed (Meta: an ESC before the key, as xterm's default `metaSendsEscape`). */
  alt?: boolean;
}

const CURSOR_FINAL: Record<ArrowKey | 'home' | 'end', string> = { up: 'A', down: 'B', right: 'C', left: 'D', home: 'H', end: 'F' };
const CHAR_OF: Record<'pipe' | 'tilde' | 'slash' | 'dash', string> = { pipe: '|', tilde: '~', slash: '/', dash: '-' };
const CONTROL_OF: Record<'ctrl-c' | 'ctrl-d' | 'ctrl-z', string> = { 'ctrl-c': '\x03', 'ctrl-d': '\x04', 'ctrl-z': '\x1a' };

export function isArrow(key: KeyId): key is ArrowKey {
  return key === 'up' || key === 'down' || key === 'left' || key === 'right';
}

/** xterm's modifier parameter: 1 + 2 for Alt + 4 for Ctrl (Shift, 1, never comes from the bar). */
function modifierParam(modes: KeyModes): number {
  return 1 + (modes.alt ? 2 : 0) + (modes.ctrl ? 4 : 0);
}

/**
 * A cursor key (arrows, Home, End): CSI A…D / H / F normally, SS3 in application cursor mode, and
 * with a modifier the form CSI 1;m A… (the same in both modes, as xterm sends it).
 */
export function cursorBytes(key: ArrowKey | 'home' | 'end', modes: KeyModes = {}): string {
  const final = CURSOR_FINAL[key];
  const m = modifierParam(modes);
  if (m > 1) return `\x1b[1;${m}${final}`;
  return modes.applicationCursor ? `\x1bO${final}` : `\x1b[${final}`;
}

/** Kept for callers of the arrow-only name. */
export const arrowBytes = (key: ArrowKey, modes: KeyModes = {}): string => cursorBytes(key, modes);

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

/** One character with the armed modifiers: Ctrl makes its control code (if it has one), Alt prefixes ESC. */
function modifiedChar(ch: string, modes: KeyModes): string {
  const base = modes.ctrl ? (ctrlCode(ch) ?? ch) : ch;
  return modes.alt ? `\x1b${base}` : base;
}

/** The bytes of one key-bar key, with the armed modifiers applied. */
export function keyBytes(key: KeybarKey, modes: KeyModes = {}): string {
  const alt = modes.alt ? '\x1b' : '';
  switch (key) {
    case 'up':
    case 'down':
    case 'left':
    case 'right':
    case 'home':
    case 'end':
      return cursorBytes(key, modes);
    case 'pgup':
    case 'pgdn': {
      const n = key === 'pgup' ? 5 : 6;
      const m = modifierParam(modes);
      return m > 1 ? `\x1b[${n};${m}~` : `\x1b[${n}~`;
    }
    // Ctrl leaves these as they are (xterm sends the same bytes); Alt prefixes ESC.
    case 'esc':
      return `${alt}\x1b`;
    case 'tab':
      return `${alt}\t`;
    case 'ctrl-c':
    case 'ctrl-d':
    case 'ctrl-z':
      return `${alt}${CONTROL_OF[key]}`;
    case 'pipe':
    case 'tilde':
    case 'slash':
    case 'dash':
      return modifiedChar(CHAR_OF[key], modes);
  }
}

/**
 * Apply the armed sticky modifiers to the next input (`data` from the terminal's keyboard or the
 * composer). Escape sequences (arrow keys of a hardware keyboard, but also the terminal's own
 * replies such as focus or cursor reports, which travel the same way) pass through and leave the
 * modifiers armed. Otherwise the first character gets them — its control code for Ctrl, an ESC
 * before it for Alt — the rest, if an IME committed several characters at once, follows
 * unchanged, and the modifiers are used up.
 */
export function applyStickyModifiers(data: string, modes: { ctrl?: boolean; alt?: boolean }): { data: string; consumed: boolean } {
  if (data.length === 0 || (!modes.ctrl && !modes.alt)) return { data, consumed: false };
  if (data.charCodeAt(0) === 0x1b && data.length > 1) return { data, consumed: false };
  const first = String.fromCodePoint(data.codePointAt(0)!);
  return { data: modifiedChar(first, modes) + data.slice(first.length), consumed: true };
}

/** `applyStickyModifiers` with Ctrl armed. */
export function applyStickyCtrl(data: string): { data: string; consumed: boolean } {
  return applyStickyModifiers(data, { ctrl: true });
}

/** One write to the terminal: typed as is, or as a paste (bracketed when the program asked). */
export type SendStep = { kind: 'type' | 'paste'; data: string };

/**
 * What pressing a key sends when the composer holds `draft`: the draft first — typed, or pasted
 * when it has several lines so the newlines inside do not run them — then the key's bytes, as a
 * separate write (a program that takes a burst of input for a paste still sees the key). So `ech`
 * then Tab completes `ech` in the shell, and Enter is the key `\r`. The composer is then empty.
 */
export function keyPressPlan(draft: string, bytes: string): SendStep[] {
  const steps: SendStep[] = [];
  if (draft) steps.push({ kind: draft.includes('\n') ? 'paste' : 'type', data: draft });
  if (bytes) steps.push({ kind: 'type', data: bytes });
  return steps;
}

/** Phone font sizes, in CSS pixels. */
export const PHONE_FONT = { min: 8, max: 24, default: 13 } as const;

/** A stored font size, clamped; the default for anything unusable. */
export function parseFontSize(stored: string | null): number {
  const n = stored === null ? NaN : Number(stored);
  if (!Number.isFinite(n)) return PHONE_FONT.default;
  return Math.min(PHONE_FONT.max, Math.max(PHONE_FONT.min, Math.round(n)));
}
