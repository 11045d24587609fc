/**
 * The workspace's commands: what the command palette lists and what keyboard shortcuts run.
 * Components register the commands they own while they are mounted; one key listener
 * (components/commands/CommandsProvider.tsx) asks `commandForKey` what a key press runs.
 *
 * A focused terminal keeps its keys: only commands of scope `global` take their keys from it —
 * VS Code's `terminal.integrated.commandsToSkipShell` — and the terminal asks `skipsShell` before
 * it turns a key into bytes for the program. Everything else a shell or a TUI uses (Ctrl-C,
 * Ctrl-R, Ctrl-W, Ctrl-A, Ctrl-E, Ctrl-S, Tab, Esc…) stays the program's.
 */
import { Emitter } from './emitter';
import { chordFor, matchesChord, parseChord, type KeyFields, type Keybinding } from './keybindings';

/**
 * Where a command's keys work:
 * - `global`: everywhere, a focused terminal included (the key never reaches the program);
 * - `outsideTerminal`: everywhere but a focused terminal, which keeps the key (Ctrl-S is XOFF there);
 * - `terminal`: the key belongs to the focused terminal itself (find); it is listed for the palette,
 *   which runs the command on the active terminal, but this registry never dispatches the key;
 * - `fileTree`: only while the file tree itself has the focus (F2, Delete): the editor, terminals
 *   and text fields keep the key.
 */
export type CommandScope = 'global' | 'outsideTerminal' | 'terminal' | 'fileTree';

export interface Command {
  /** Unique while registered, e.g. "terminal.new". */
  id: string;
  /** As the palette shows it, with a category: "Terminal: New Terminal". */
  title: string;
  /** Default keybindings; the first is the one shown first. */
  keybindings?: readonly Keybinding[];
  /** Default `outsideTerminal`. */
  scope?: CommandScope;
  /** Whether it can run now (e.g. there is a file to save); the palette hides it when not. */
  enabled?(): boolean;
  run(): void;
}

export interface KeyContext {
  mac: boolean;
  /** The key was pressed in a terminal (its xterm has the focus). */
  inTerminal: boolean;
  /** The key was pressed on the file tree itself (not in a field inside it). */
  inFileTree?: boolean;
}

type Events = { change: [] };

export class CommandRegistry {
  private readonly commands = new Map<string, Command>();
  /** The user's own keys (settings), by command id: they replace the command's defaults. */
  private overrides: Readonly<Record<string, string>> = {};
  private tabFocus = false;
  private readonly events = new Emitter<Events>();

  /** Add `command` until the returned function is called. A second command with the same id is a bug: it throws. */
  register(command: Command): () => void {
    if (this.commands.has(command.id)) throw new Error(`command ${command.id} is registered twice`);
    // Parse now: a malformed binding fails when registered, not when a key is pressed.
    for (const kb of command.keybindings ?? []) {
      chordFor(kb, false);
      chordFor(kb, true);
    }
    this.commands.set(command.id, command);
    this.events.emit('change');
    return () => {
      if (this.commands.get(command.id) !== command) return;
      this.commands.delete(command.id);
      this.events.emit('change');
    };
  }

  /** The user's shortcuts (command id → "ctrl+shift+o"), as `keysOf` reads them. */
  setKeyOverrides(overrides: Readonly<Record<string, string>>): void {
    this.overrides = overrides;
    this.events.emit('change');
  }

  /** The keys that run `cmd` now: the user's own, else its defaults. */
  keybindingsOf(cmd: Pick<Command, 'id' | 'keybindings' | 'scope'>): readonly Keybinding[] {
    return keysOf(cmd, this.overrides);
  }

  get(id: string): Command | undefined {
    return this.commands.get(id);
  }

  /** Every registered command, in registration order. */
  list(): Command[] {
    return [...this.commands.values()];
  }

  /** Run `id` if it is registered and enabled; whether it ran. */
  run(id: string): boolean {
    const cmd = this.commands.get(id);
    if (!cmd || !isEnabled(cmd)) return false;
    cmd.run();
    return true;
  }

  /**
   * The command a key press runs here, or null. A match is returned even when the command cannot
   * run now, so an app shortcut never leaks into a program just because, say, there is one tab.
   * When two commands share a key, the one registered first wins.
   */
  commandForKey(e: KeyFields, ctx: KeyContext): Command | null {
    for (const cmd of this.commands.values()) {
      const scope = cmd.scope ?? 'outsideTerminal';
      if (scope === 'terminal' || (scope === 'outsideTerminal' && ctx.inTerminal)) continue;
      if (scope === 'fileTree' && (!ctx.inFileTree || ctx.inTerminal)) continue;
      if (this.keybindingsOf(cmd).some((kb) => matchesChord(chordFor(kb, ctx.mac), e))) return cmd;
    }
    return null;
  }

  /** Whether a focused terminal must leave this key to the app (not send it to the program). */
  skipsShell(e: KeyFields, mac: boolean): boolean {
    return this.commandForKey(e, { mac, inTerminal: true }) !== null;
  }

  /**
   * "Tab moves focus" (VS Code's tab focus mode, Ctrl-M): while on, Tab and Shift-Tab move the
   * focus out of a terminal or the editor instead of reaching the program or indenting.
   */
  get tabMovesFocus(): boolean {
    return this.tabFocus;
  }

  set tabMovesFocus(on: boolean) {
    if (on === this.tabFocus) return;
    this.tabFocus = on;
    this.events.emit('change');
  }

  /** Called when commands come or go, or the tab mode changes. */
  onChange(listener: () => void): () => void {
    return this.events.on('change', listener);
  }
}

/**
 * The user's own key for `cmd` (from the `keybindings` setting), or undefined. One that does not
 * parse is ignored, so a bad stored value can never break the keyboard; commands of scope
 * `terminal` keep their keys, which the terminal itself handles.
 */
export function ownKey(cmd: Pick<Command, 'id' | 'scope'>, overrides: Readonly<Record<string, string>>): string | undefined {
  const key = cmd.scope === 'terminal' ? undefined : overrides[cmd.id];
  if (key === undefined) return undefined;
  try {
    parseChord(key);
    return key;
  } catch {
    return undefined;
  }
}

/** The keys that run `cmd` given the user's own: theirs instead of the defaults, one for every platform. */
export function keysOf(cmd: Pick<Command, 'id' | 'keybindings' | 'scope'>, overrides: Readonly<Record<string, string>>): readonly Keybinding[] {
  const own = ownKey(cmd, overrides);
  return own !== undefined ? [{ key: own }] : (cmd.keybindings ?? []);
}

export function isEnabled(cmd: Command): boolean {
  return cmd.enabled ? cmd.enabled() : true;
}

/** Tab or Shift-Tab with no other modifier: the keys "Tab moves focus" gives to the browser. */
export function isFocusTab(e: KeyFields): boolean {
  return e.key === 'Tab' && !e.ctrlKey && !e.altKey && !e.metaKey;
}
