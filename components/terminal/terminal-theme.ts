/** How a terminal looks: its colours and default font size. */
import type { ITheme } from '@xterm/xterm';

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

export const FONT_SIZE = 13;
