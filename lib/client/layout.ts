/**
 * The workspace page's layout on a desktop: whether the files sidebar shows and how wide it is,
 * how much of the right-hand column the editor takes while a file is open, and whether the
 * terminal panel is maximized. Kept per user in localStorage (one browser may be used by several
 * Tether users), clamped wherever a value comes in — a drag, a key, or a stored value from an
 * older version or another screen.
 */
import type { KeyValueStore } from './key-value-store';

export interface Layout {
  sidebarOpen: boolean;
  /** CSS pixels. */
  sidebarWidth: number;
  /** The editor's share of the column under the top bar while a file is open, in percent. */
  editorShare: number;
  /** The terminal panel takes the whole column (VS Code's "Maximize Panel Size"). */
  panelMaximized: boolean;
}

export const DEFAULT_LAYOUT: Readonly<Layout> = { sidebarOpen: true, sidebarWidth: 260, editorShare: 55, panelMaximized: false };

export const SIDEBAR_MIN_PX = 160;
export const SIDEBAR_MAX_PX = 640;
/** The sidebar never takes more than this share of the page, so the terminals keep room. */
export const SIDEBAR_MAX_FRACTION = 0.6;
export const EDITOR_SHARE_MIN = 10;
export const EDITOR_SHARE_MAX = 90;

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** A sidebar width within bounds; `bodyWidth` (the page's width, when known) lowers the maximum. */
export function clampSidebarWidth(px: number, bodyWidth?: number): number {
  const max = bodyWidth && bodyWidth > 0 ? Math.max(SIDEBAR_MIN_PX, Math.min(SIDEBAR_MAX_PX, Math.floor(bodyWidth * SIDEBAR_MAX_FRACTION))) : SIDEBAR_MAX_PX;
  return Math.round(clamp(px, SIDEBAR_MIN_PX, max));
}

export function clampEditorShare(percent: number): number {
  return Math.round(clamp(percent, EDITOR_SHARE_MIN, EDITOR_SHARE_MAX) * 10) / 10;
}

/** A stored layout, field by field: anything missing or malformed is the default. */
export function parseLayout(raw: string | null): Layout {
  let v: unknown;
  try {
    v = raw === null ? null : JSON.parse(raw);
  } catch {
    v = null;
  }
  const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  const bool = (x: unknown) => (typeof x === 'boolean' ? x : null);
  const width = num(o.sidebarWidth);
  const share = num(o.editorShare);
  return {
    sidebarOpen: bool(o.sidebarOpen) ?? DEFAULT_LAYOUT.sidebarOpen,
    sidebarWidth: width === null ? DEFAULT_LAYOUT.sidebarWidth : clampSidebarWidth(width),
    editorShare: share === null ? DEFAULT_LAYOUT.editorShare : clampEditorShare(share),
    panelMaximized: bool(o.panelMaximized) ?? DEFAULT_LAYOUT.panelMaximized,
  };
}

const KEY_PREFIX = 'tether.layout.';
/** Whose layout to show before the page knows who is signed in (the last user of this browser). */
const LAST_USER_KEY = 'tether.layout.lastUser';

export function layoutKey(user: string): string {
  return KEY_PREFIX + user;
}

export function loadLayout(store: KeyValueStore | null, user: string | null): Layout {
  if (!store) return { ...DEFAULT_LAYOUT };
  try {
    const who = user ?? store.getItem(LAST_USER_KEY);
    return who ? parseLayout(store.getItem(layoutKey(who))) : { ...DEFAULT_LAYOUT };
  } catch {
    return { ...DEFAULT_LAYOUT };
  }
}

export function saveLayout(store: KeyValueStore | null, user: string, layout: Layout): void {
  try {
    store?.setItem(layoutKey(user), JSON.stringify(layout));
    store?.setItem(LAST_USER_KEY, user);
  } catch {
    // Storage full or disabled: the layout lasts for this page only.
  }
}

export interface SeparatorRange {
  min: number;
  max: number;
  /** One arrow key press. */
  step: number;
}

/**
 * A key on a focused separator (WAI-ARIA window splitter): the arrows move it by one step (ten
 * with Shift), Home and End to its ends; null for any other key. A vertical separator (between
 * side-by-side panes) moves with Left/Right, a horizontal one with Up/Down; the value is the size
 * of the pane before it (left or above), so Right and Down make that pane bigger.
 */
export function separatorKey(key: string, shift: boolean, value: number, range: SeparatorRange, orientation: 'vertical' | 'horizontal'): number | null {
  const step = shift ? range.step * 10 : range.step;
  const less = orientation === 'vertical' ? 'ArrowLeft' : 'ArrowUp';
  const more = orientation === 'vertical' ? 'ArrowRight' : 'ArrowDown';
  let next: number;
  if (key === less) next = value - step;
  else if (key === more) next = value + step;
  else if (key === 'Home') next = range.min;
  else if (key === 'End') next = range.max;
  else return null;
  return clamp(next, range.min, range.max);
}
