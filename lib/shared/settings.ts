/**
 * A user's preferences, one definition for the gateway (which validates and stores them,
 * server/settings/settings-service.ts) and the browser (which applies them live,
 * components/settings/). Every value is bounded; unknown keys are refused, never stored.
 */
import { z } from 'zod';

export const THEMES = ['system', 'dark', 'light'] as const;
export const CURSOR_STYLES = ['block', 'bar', 'underline'] as const;

export const FONT_SIZE_MIN_PX = 8;
export const FONT_SIZE_MAX_PX = 32;
export const SCROLLBACK_MIN_LINES = 1_000;
export const SCROLLBACK_MAX_LINES = 100_000;
export const FONT_FAMILY_MAX_CHARS = 200;

const fontSize = z.number().int().min(FONT_SIZE_MIN_PX).max(FONT_SIZE_MAX_PX);

/**
 * A font-family list as CSS writes it: names, quoted names, commas. Nothing that could end the
 * declaration or start another (`;`, `{`, `}`, `<`, backslashes).
 */
const fontFamily = z
  .string()
  .trim()
  .min(1)
  .max(FONT_FAMILY_MAX_CHARS)
  .regex(/^[\w\s,'".-]+$/u, 'Use font names separated by commas (letters, digits, spaces, quotes, "-", ".")');

/** How many shortcuts a user may change (there are fewer commands than this). */
export const MAX_KEYBINDING_OVERRIDES = 100;

/**
 * The user's own shortcuts: command id → one key as VS Code writes it ("ctrl+shift+o", "f8"),
 * used on every platform instead of the command's default keys. The browser parses each and
 * ignores one it cannot, or one for a command it does not have.
 */
const keybindingOverrides = z
  .record(
    z.string().regex(/^[a-zA-Z]+(?:\.[a-zA-Z]+)+$/, 'a command id such as workbench.quickOpen').max(64),
    z.string().min(1).max(40).regex(/^[a-z0-9+`\-=[\];',./\\]+$/, 'a key such as ctrl+shift+o'),
  )
  .refine((o) => Object.keys(o).length <= MAX_KEYBINDING_OVERRIDES, `at most ${MAX_KEYBINDING_OVERRIDES} changed shortcuts`);

export const SettingsSchema = z.strictObject({
  /** `system` follows the browser's prefers-color-scheme, live. */
  theme: z.enum(THEMES),
  terminalFontFamily: fontFamily,
  terminalFontSize: fontSize,
  terminalCursorStyle: z.enum(CURSOR_STYLES),
  terminalCursorBlink: z.boolean(),
  terminalScrollback: z.number().int().min(SCROLLBACK_MIN_LINES).max(SCROLLBACK_MAX_LINES),
  editorFontSize: fontSize,
  keybindings: keybindingOverrides,
});

export type Settings = z.infer<typeof SettingsSchema>;
export type Theme = (typeof THEMES)[number];
export type ResolvedTheme = Exclude<Theme, 'system'>;

/** A change: any subset of the settings; a key that is not a setting is an error. */
export const SettingsPatchSchema = SettingsSchema.partial();
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

export const DEFAULT_SETTINGS: Settings = {
  theme: 'system',
  terminalFontFamily: "ui-monospace, SFMono-Regular, 'SF Mono', Menlo, Consolas, 'Liberation Mono', monospace",
  terminalFontSize: 13,
  terminalCursorStyle: 'block',
  terminalCursorBlink: true,
  terminalScrollback: 10_000,
  editorFontSize: 13,
  keybindings: {},
};

/**
 * Stored settings read back: each key that is still valid is kept, anything else (a key from an
 * older version, a bound that has since tightened) falls back to its default. Reading never fails.
 */
export function settingsFromStored(stored: unknown): Settings {
  const out: Settings = { ...DEFAULT_SETTINGS };
  if (typeof stored !== 'object' || stored === null) return out;
  const shape = SettingsSchema.shape;
  for (const key of Object.keys(shape) as (keyof Settings)[]) {
    const parsed = shape[key].safeParse((stored as Record<string, unknown>)[key]);
    if (parsed.success) (out as Record<keyof Settings, unknown>)[key] = parsed.data;
  }
  return out;
}

/** The theme to draw: `system` resolved with the browser's preference. */
export function resolveTheme(theme: Theme, prefersLight: boolean): ResolvedTheme {
  if (theme === 'system') return prefersLight ? 'light' : 'dark';
  return theme;
}
