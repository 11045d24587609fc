/**
 * The app's commands that have keys, in one table: each component registers its command with
 * `...COMMAND_KEYS[id]` (title, keys, scope) and its own `run`, and the settings page lists the
 * same table read-only — so what the page shows is what the keys do. Keys are VS Code's where
 * VS Code has the command (lib/client/keybindings.ts explains the spelling).
 */
import { keysOf, type CommandScope } from './commands';
import { chordFor, formatChord, parseChord, type Keybinding } from './keybindings';
import { FIND_KEYBINDING } from './terminal-find';

export interface CommandKeys {
  id: string;
  title: string;
  keybindings: readonly Keybinding[];
  scope?: CommandScope;
}

const TABLE = [
  { id: 'workbench.showCommands', title: 'Show All Commands', keybindings: [{ key: 'ctrl+shift+p', mac: 'cmd+shift+p' }, { key: 'f1' }], scope: 'global' },
  { id: 'workbench.quickOpen', title: 'Go to File…', keybindings: [{ key: 'ctrl+p', mac: 'cmd+p' }], scope: 'global' },
  { id: 'workbench.openSettings', title: 'Preferences: Open Settings', keybindings: [{ key: 'ctrl+,', mac: 'cmd+,' }], scope: 'global' },
  { id: 'workbench.findInFiles', title: 'Search: Find in Files', keybindings: [{ key: 'ctrl+shift+f', mac: 'cmd+shift+f' }], scope: 'global' },
  { id: 'workbench.showFiles', title: 'View: Show Files', keybindings: [{ key: 'ctrl+shift+e', mac: 'cmd+shift+e' }] },
  { id: 'workbench.toggleFiles', title: 'View: Toggle Files', keybindings: [{ key: 'ctrl+b', mac: 'cmd+b' }] },
  { id: 'workbench.toggleTerminalFocus', title: 'View: Toggle Focus Between Terminal and Editor', keybindings: [{ key: 'ctrl+`' }], scope: 'global' },
  { id: 'workbench.focusNextPart', title: 'View: Focus Next Part', keybindings: [{ key: 'f6' }], scope: 'global' },
  { id: 'workbench.focusPreviousPart', title: 'View: Focus Previous Part', keybindings: [{ key: 'shift+f6' }], scope: 'global' },
  // VS Code's Ctrl-M. In a terminal Ctrl-M is the byte Enter sends, so the program loses nothing.
  { id: 'workbench.toggleTabFocusMode', title: 'Toggle Tab Key Moves Focus', keybindings: [{ key: 'ctrl+m', mac: 'ctrl+shift+m' }], scope: 'global' },
  { id: 'file.save', title: 'File: Save', keybindings: [{ key: 'ctrl+s', mac: 'cmd+s' }] },
  { id: 'terminal.new', title: 'Terminal: New Terminal', keybindings: [{ key: 'ctrl+shift+`' }], scope: 'global' },
  {
    id: 'terminal.focusNext',
    title: 'Terminal: Focus Next Terminal',
    keybindings: [{ key: 'ctrl+pagedown', mac: 'cmd+shift+]' }, { key: 'alt+pagedown' }],
    scope: 'global',
  },
  {
    id: 'terminal.focusPrevious',
    title: 'Terminal: Focus Previous Terminal',
    keybindings: [{ key: 'ctrl+pageup', mac: 'cmd+shift+[' }, { key: 'alt+pageup' }],
    scope: 'global',
  },
  { id: 'terminal.find', title: 'Terminal: Find', keybindings: [FIND_KEYBINDING], scope: 'terminal' },
  { id: 'files.rename', title: 'Files: Rename…', keybindings: [{ key: 'f2' }], scope: 'fileTree' },
  // No trash to move things to: Shift-Delete asks too.
  { id: 'files.delete', title: 'Files: Delete…', keybindings: [{ key: 'delete', mac: 'cmd+backspace' }, { key: 'shift+delete' }], scope: 'fileTree' },
] as const satisfies readonly CommandKeys[];

export type KeyedCommandId = (typeof TABLE)[number]['id'];

/** Every keyed command, in the order the settings page lists them. */
export const COMMAND_KEY_TABLE: readonly CommandKeys[] = TABLE;

export const COMMAND_KEYS = Object.fromEntries(TABLE.map((c) => [c.id, c])) as unknown as Record<KeyedCommandId, CommandKeys>;

/** Whether two scopes can see the same key press (a global key is live everywhere). */
function overlap(a: CommandScope, b: CommandScope): boolean {
  return a === b || a === 'global' || b === 'global' || (a !== 'terminal' && b !== 'terminal');
}

/** The command (other than `id`) that already answers `key` where `id` would, or null. */
export function keyTakenBy(id: string, key: string, overrides: Readonly<Record<string, string>>, mac: boolean): CommandKeys | null {
  const mine = COMMAND_KEY_TABLE.find((c) => c.id === id);
  const wanted = formatChord(parseChord(key), mac);
  for (const c of COMMAND_KEY_TABLE) {
    if (c.id === id || !overlap(c.scope ?? 'outsideTerminal', mine?.scope ?? 'outsideTerminal')) continue;
    if (keysOf(c, overrides).some((kb) => formatChord(chordFor(kb, mac), mac) === wanted)) return c;
  }
  return null;
}
