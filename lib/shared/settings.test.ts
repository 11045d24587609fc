import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, resolveTheme, settingsFromStored, SettingsPatchSchema } from './settings';

describe('settingsFromStored', () => {
  it('keeps valid stored values and falls back to the default for the rest', () => {
    expect(settingsFromStored({ theme: 'light', terminalFontSize: 500, editorFontSize: 16, gone: 1 })).toEqual({ ...DEFAULT_SETTINGS, theme: 'light', editorFontSize: 16 });
  });
  it('reads anything that is not an object as the defaults', () => {
    expect(settingsFromStored(null)).toEqual(DEFAULT_SETTINGS);
    expect(settingsFromStored('x')).toEqual(DEFAULT_SETTINGS);
  });
});

describe('SettingsPatchSchema', () => {
  it('accepts any subset and refuses unknown keys', () => {
    expect(SettingsPatchSchema.safeParse({}).success).toBe(true);
    expect(SettingsPatchSchema.safeParse({ terminalCursorBlink: false }).success).toBe(true);
    expect(SettingsPatchSchema.safeParse({ terminalCursorBlink: false, extra: 1 }).success).toBe(false);
  });
  it('bounds scrollback and font sizes', () => {
    expect(SettingsPatchSchema.safeParse({ terminalScrollback: 999 }).success).toBe(false);
    expect(SettingsPatchSchema.safeParse({ terminalScrollback: 100_000 }).success).toBe(true);
    expect(SettingsPatchSchema.safeParse({ terminalScrollback: 100_001 }).success).toBe(false);
    expect(SettingsPatchSchema.safeParse({ editorFontSize: 12.5 }).success).toBe(false);
  });
  it('takes font lists as CSS writes them, not CSS that ends the declaration', () => {
    expect(SettingsPatchSchema.safeParse({ terminalFontFamily: "'JetBrains Mono', Menlo, monospace" }).success).toBe(true);
    expect(SettingsPatchSchema.safeParse({ terminalFontFamily: 'a;b' }).success).toBe(false);
    expect(SettingsPatchSchema.safeParse({ terminalFontFamily: 'a}' }).success).toBe(false);
  });
});

describe('resolveTheme', () => {
  it('follows the browser only for system', () => {
    expect(resolveTheme('system', true)).toBe('light');
    expect(resolveTheme('system', false)).toBe('dark');
    expect(resolveTheme('dark', true)).toBe('dark');
    expect(resolveTheme('light', false)).toBe('light');
  });
});

describe('keybindings setting', () => {
  it('takes command ids mapped to keys, and refuses anything else', () => {
    expect(SettingsPatchSchema.safeParse({ keybindings: { 'workbench.quickOpen': 'ctrl+alt+o', 'files.rename': 'f8' } }).success).toBe(true);
    expect(SettingsPatchSchema.safeParse({ keybindings: { quickOpen: 'ctrl+o' } }).success).toBe(false);
    expect(SettingsPatchSchema.safeParse({ keybindings: { 'workbench.quickOpen': 'ctrl+<script>' } }).success).toBe(false);
    expect(SettingsPatchSchema.safeParse({ keybindings: { 'workbench.quickOpen': '' } }).success).toBe(false);
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`cmd.c${String.fromCharCode(97 + (i % 26))}${'x'.repeat(Math.floor(i / 26))}`, 'ctrl+k']));
    expect(SettingsPatchSchema.safeParse({ keybindings: many }).success).toBe(false);
    expect(DEFAULT_SETTINGS.keybindings).toEqual({});
    expect(settingsFromStored({ keybindings: { 'a.b': 1 } }).keybindings).toEqual({});
  });
});
