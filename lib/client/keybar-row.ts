/**
 * Which keys the phone key bar shows, in which order: chosen per device (phones differ in what
 * their keyboards lack and how wide they are), kept in the browser's storage, with a default row.
 * Pure list operations for the editor, so they run in unit tests.
 */
import { ALL_KEYS, isKeyId, type KeyId } from './keybar';
import type { KeyValueStore } from './key-value-store';

export const KEY_ROW_STORAGE_KEY = 'tether.keybar.row';

/** What a device shows until someone changes it. */
export const DEFAULT_KEY_ROW: readonly KeyId[] = ['esc', 'tab', 'ctrl', 'alt', 'up', 'down', 'left', 'right', 'home', 'end', 'pgup', 'pgdn', 'ctrl-c', 'paste'];

/** A stored row: unknown keys and repeats dropped; the default for anything unreadable. An empty row is a choice. */
export function parseKeyRow(stored: string | null): KeyId[] {
  if (stored === null) return [...DEFAULT_KEY_ROW];
  let value: unknown;
  try {
    value = JSON.parse(stored);
  } catch {
    return [...DEFAULT_KEY_ROW];
  }
  if (!Array.isArray(value)) return [...DEFAULT_KEY_ROW];
  const row: KeyId[] = [];
  for (const v of value) if (isKeyId(v) && !row.includes(v)) row.push(v);
  return row;
}

export function loadKeyRow(store: KeyValueStore | null): KeyId[] {
  return parseKeyRow(store?.getItem(KEY_ROW_STORAGE_KEY) ?? null);
}

/** Saved when storage works; otherwise the row lasts as long as the page. */
export function saveKeyRow(store: KeyValueStore | null, row: readonly KeyId[]): void {
  try {
    store?.setItem(KEY_ROW_STORAGE_KEY, JSON.stringify(row));
  } catch {
    // Quota or privacy mode: not persisted.
  }
}

/** The editor's list: the row's keys in order, then the hidden ones in catalogue order. */
export function editorList(row: readonly KeyId[]): Array<{ key: KeyId; shown: boolean }> {
  return [...row.map((key) => ({ key, shown: true })), ...ALL_KEYS.filter((k) => !row.includes(k)).map((key) => ({ key, shown: false }))];
}

/** Show `key` (at the end of the row) or hide it. */
export function setShown(row: readonly KeyId[], key: KeyId, shown: boolean): KeyId[] {
  const without = row.filter((k) => k !== key);
  return shown ? [...without, key] : without;
}

/** Move a shown key one place earlier (-1) or later (1); nothing at either end. */
export function moveKey(row: readonly KeyId[], key: KeyId, step: -1 | 1): KeyId[] {
  const i = row.indexOf(key);
  const j = i + step;
  if (i < 0 || j < 0 || j >= row.length) return [...row];
  const next = [...row];
  next[i] = row[j]!;
  next[j] = key;
  return next;
}
