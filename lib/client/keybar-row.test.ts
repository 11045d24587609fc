import { describe, expect, it } from 'vitest';
import { ALL_KEYS } from './keybar';
import { DEFAULT_KEY_ROW, editorList, KEY_ROW_STORAGE_KEY, loadKeyRow, moveKey, parseKeyRow, saveKeyRow, setShown } from './keybar-row';
import { MemoryStore } from './key-value-store';

describe('parseKeyRow', () => {
  it('gives the default row for nothing stored or anything unreadable', () => {
    expect(parseKeyRow(null)).toEqual(DEFAULT_KEY_ROW);
    expect(parseKeyRow('not json')).toEqual(DEFAULT_KEY_ROW);
    expect(parseKeyRow('{"esc":1}')).toEqual(DEFAULT_KEY_ROW);
  });

  it('keeps the stored order, drops unknown keys and repeats, and keeps an empty row', () => {
    expect(parseKeyRow('["pgup","esc","bogus",3,"esc","tab"]')).toEqual(['pgup', 'esc', 'tab']);
    expect(parseKeyRow('[]')).toEqual([]);
  });
});

describe('loadKeyRow / saveKeyRow', () => {
  it('round-trips through the store under its key', () => {
    const store = new MemoryStore();
    expect(loadKeyRow(store)).toEqual(DEFAULT_KEY_ROW);
    saveKeyRow(store, ['end', 'home']);
    expect(store.getItem(KEY_ROW_STORAGE_KEY)).toBe('["end","home"]');
    expect(loadKeyRow(store)).toEqual(['end', 'home']);
  });

  it('works without storage (defaults, and saving is a no-op)', () => {
    expect(loadKeyRow(null)).toEqual(DEFAULT_KEY_ROW);
    expect(() => saveKeyRow(null, ['esc'])).not.toThrow();
    const throwing = { getItem: () => null, setItem: () => { throw new Error('quota'); } };
    expect(() => saveKeyRow(throwing, ['esc'])).not.toThrow();
  });
});

describe('editing the row', () => {
  it('lists shown keys in row order, then every hidden key once', () => {
    const list = editorList(['pgdn', 'esc']);
    expect(list.slice(0, 2)).toEqual([{ key: 'pgdn', shown: true }, { key: 'esc', shown: true }]);
    expect(list).toHaveLength(ALL_KEYS.length);
    expect(list.slice(2).every((e) => !e.shown)).toBe(true);
    expect(new Set(list.map((e) => e.key)).size).toBe(ALL_KEYS.length);
  });

  it('shows a key at the end, hides one from anywhere', () => {
    expect(setShown(['esc', 'tab'], 'pgup', true)).toEqual(['esc', 'tab', 'pgup']);
    expect(setShown(['esc', 'tab', 'pgup'], 'tab', false)).toEqual(['esc', 'pgup']);
    expect(setShown(['esc'], 'esc', true)).toEqual(['esc']);
  });

  it('moves a key one place, and not past either end', () => {
    expect(moveKey(['esc', 'tab', 'up'], 'up', -1)).toEqual(['esc', 'up', 'tab']);
    expect(moveKey(['esc', 'tab', 'up'], 'esc', 1)).toEqual(['tab', 'esc', 'up']);
    expect(moveKey(['esc', 'tab'], 'esc', -1)).toEqual(['esc', 'tab']);
    expect(moveKey(['esc', 'tab'], 'tab', 1)).toEqual(['esc', 'tab']);
    expect(moveKey(['esc'], 'pgup', 1)).toEqual(['esc']);
  });
});
