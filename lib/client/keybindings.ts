/**
 * Keybindings written as VS Code writes them ("ctrl+shift+p", "f1", "ctrl+`", "cmd+p" on a Mac),
 * matched against browser key events and shown to people ("Ctrl+Shift+P", "⇧⌘P").
 *
 * Letters are read from the event's `key` (so Dvorak's Ctrl-P is the key printed P), or from the
 * key's position when the layout types a non-Latin letter there (Cyrillic). Punctuation and digits
 * are read by position (`code`): "`" may need Shift or a dead key on other layouts, and Ctrl-Shift-`
 * reports `key` "~". Named keys (F1, PageDown, Tab) come from `key`. Modifiers must match exactly.
 */

export type KeyFields = Pick<KeyboardEvent, 'key' | 'code' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>;

/** A binding: `key` everywhere, `mac` instead on a Mac (where VS Code uses Cmd, or another key). */
export interface Keybinding {
  key: string;
  mac?: string;
}

/** One parsed key press: modifiers and the key's name, lower case ("p", "f1", "pagedown", "`"). */
export interface KeyChord {
  ctrl: boolean;
  shift: boolean;
  alt: boolean;
  meta: boolean;
  key: string;
}

const MODIFIERS = new Set(['ctrl', 'shift', 'alt', 'cmd', 'meta']);

/** Physical keys whose character depends on the layout: named by their US character. */
const BY_POSITION: Readonly<Record<string, string>> = {
  Backquote: '`',
  BracketLeft: '[',
  BracketRight: ']',
  Backslash: '\\',
  Minus: '-',
  Equal: '=',
  Semicolon: ';',
  Quote: "'",
  Comma: ',',
  Period: '.',
  Slash: '/',
};

/** Parse "ctrl+shift+p". A binding that cannot be parsed is a programmer error: it throws. */
export function parseChord(text: string): KeyChord {
  // "ctrl++" would be ambiguous; no binding here uses "+" as its key.
  const parts = text.toLowerCase().split('+');
  const key = parts.pop() ?? '';
  if (key === '' || MODIFIERS.has(key)) throw new Error(`keybinding "${text}" names no key`);
  const mods = new Set<string>();
  for (const p of parts) {
    if (!MODIFIERS.has(p) || mods.has(p)) throw new Error(`keybinding "${text}": "${p}" is not a modifier (or repeats)`);
    mods.add(p);
  }
  return { ctrl: mods.has('ctrl'), shift: mods.has('shift'), alt: mods.has('alt'), meta: mods.has('cmd') || mods.has('meta'), key };
}

/** The chord a binding means on this platform. */
export function chordFor(binding: Keybinding, mac: boolean): KeyChord {
  return parseChord(mac && binding.mac ? binding.mac : binding.key);
}

/** The key an event names, in the same spelling as a chord's `key`; null for a lone modifier. */
export function eventKey(e: Pick<KeyboardEvent, 'key' | 'code'>): string | null {
  const code = e.code ?? '';
  const key = (e.key ?? '').toLowerCase();
  if (/^Key[A-Z]$/.test(code)) return /^[a-z]$/.test(key) ? key : code.slice(3).toLowerCase();
  const positional = BY_POSITION[code];
  if (positional) return positional;
  if (/^Digit[0-9]$/.test(code)) return code.slice(5);
  if (key === '' || key === 'control' || key === 'shift' || key === 'alt' || key === 'meta' || key === 'dead') return null;
  return key;
}

/** A key press written as a binding ("ctrl+shift+o"), for recording a shortcut; null for a lone modifier. */
export function bindingText(e: KeyFields): string | null {
  const key = eventKey(e);
  if (key === null) return null;
  return [e.ctrlKey && 'ctrl', e.shiftKey && 'shift', e.altKey && 'alt', e.metaKey && 'cmd', key].filter(Boolean).join('+');
}

export function matchesChord(chord: KeyChord, e: KeyFields): boolean {
  return (
    e.ctrlKey === chord.ctrl &&
    e.shiftKey === chord.shift &&
    e.altKey === chord.alt &&
    e.metaKey === chord.meta &&
    eventKey(e) === chord.key
  );
}

const NAMED: Readonly<Record<string, string>> = {
  pageup: 'PageUp',
  pagedown: 'PageDown',
  escape: 'Esc',
  arrowup: '↑',
  arrowdown: '↓',
  arrowleft: '←',
  arrowright: '→',
  enter: 'Enter',
  tab: 'Tab',
};

function keyLabel(key: string): string {
  return NAMED[key] ?? (key.length === 1 || /^f\d+$/.test(key) ? key.toUpperCase() : key[0]!.toUpperCase() + key.slice(1));
}

/** "Ctrl+Shift+P" elsewhere; on a Mac the symbols in Apple's order, "⌃⇧M", "⇧⌘P". */
export function formatChord(chord: KeyChord, mac: boolean): string {
  const key = keyLabel(chord.key);
  if (mac) return `${chord.ctrl ? '⌃' : ''}${chord.alt ? '⌥' : ''}${chord.shift ? '⇧' : ''}${chord.meta ? '⌘' : ''}${key}`;
  return [chord.ctrl && 'Ctrl', chord.shift && 'Shift', chord.alt && 'Alt', chord.meta && 'Meta', key].filter(Boolean).join('+');
}

/** macOS, iOS and iPadOS use Cmd where others use Ctrl (from `navigator.platform` or userAgentData). */
export function isMacPlatform(platform: string | undefined): boolean {
  return /mac|iphone|ipad|ipod/i.test(platform ?? '');
}

/** This browser's platform (false outside a browser). */
export function browserIsMac(): boolean {
  if (typeof navigator === 'undefined') return false;
  const nav = navigator as Navigator & { userAgentData?: { platform?: string } };
  return isMacPlatform(nav.userAgentData?.platform || nav.platform);
}
