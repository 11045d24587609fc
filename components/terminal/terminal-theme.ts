/** How a terminal looks: its colours in the dark and the light theme, and its default font size. */
import type { ITheme } from '@xterm/xterm';
import type { ResolvedTheme } from '@/lib/shared/settings';

export const THEME: ITheme = {
  background: '#010409',
  foreground: '#e6edf3',
  cursor: '#2f81f7',
  cursorAccent: '#010409',
  selectionBackground: 'rgba(47, 129, 247, 0.35)',
  scrollbarSliderBackground: 'rgba(110, 118, 129, 0.25)',
  scrollbarSliderHoverBackground: 'rgba(110, 118, 129, 0.45)',
  scrollbarSliderActiveBackground: 'rgba(110, 118, 129, 0.6)',
  black: '#484f58',
  red: '#ff7b72',
  green: '#3fb950',
  yellow: '#d29922',
  blue: '#58a6ff',
  magenta: '#bc8cff',
  cyan: '#39c5cf',
  white: '#b1bac4',
  brightBlack: '#6e7681',
  brightRed: '#ffa198',
  brightGreen: '#56d364',
  brightYellow: '#e3b341',
  brightBlue: '#79c0ff',
  brightMagenta: '#d2a8ff',
  brightCyan: '#56d4dd',
  brightWhite: '#f0f6fc',
};

/** GitHub's light terminal palette; the background matches --bg-inset of the light theme. */
export const LIGHT_THEME: ITheme = {
  background: '#ffffff',
  foreground: '#1f2328',
  cursor: '#0969da',
  cursorAccent: '#ffffff',
  selectionBackground: 'rgba(9, 105, 218, 0.25)',
  scrollbarSliderBackground: 'rgba(89, 99, 110, 0.25)',
  scrollbarSliderHoverBackground: 'rgba(89, 99, 110, 0.45)',
  scrollbarSliderActiveBackground: 'rgba(89, 99, 110, 0.6)',
  black: '#24292f',
  red: '#cf222e',
  green: '#116329',
  yellow: '#4d2d00',
  blue: '#0969da',
  magenta: '#8250df',
  cyan: '#1b7c83',
  white: '#6e7781',
  brightBlack: '#57606a',
  brightRed: '#a40e26',
  brightGreen: '#1a7f37',
  brightYellow: '#633c01',
  brightBlue: '#218bff',
  brightMagenta: '#a475f9',
  brightCyan: '#3192aa',
  brightWhite: '#8c959f',
};

export function terminalTheme(theme: ResolvedTheme): ITheme {
  return theme === 'light' ? LIGHT_THEME : THEME;
}

/**
 * xterm's minimum contrast ratio: in the light theme programs' colours (yellow, bright white…)
 * are darkened where needed so every character stays readable (WCAG AA, 4.5:1); the dark theme
 * draws colours as programs ask.
 */
export function minimumContrast(theme: ResolvedTheme): number {
  return theme === 'light' ? 4.5 : 1;
}

export const FONT_SIZE = 13;
