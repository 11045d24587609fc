'use client';
/**
 * The keyboard of a workspace page: provides the command registry, runs the command a key press
 * names (one keydown listener on the window), owns the command palette and "Tab moves focus".
 *
 * A key reaches this listener after the focused element had its chance: a terminal lets through
 * only the keys of global commands (xterm's custom key handler asks `skipsShell`, see
 * use-terminal-session.ts), and the editor keeps what CodeMirror handles (it prevents the default:
 * Ctrl-S there saves through the editor's own keymap). Keys typed in a dialog stay the dialog's.
 */
import { useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import { COMMAND_KEYS } from '@/lib/client/command-keys';
import type { CommandRegistry } from '@/lib/client/commands';
import { browserIsMac, chordFor, formatChord } from '@/lib/client/keybindings';
import { CommandPalette } from './CommandPalette';
import { CommandsContext, useRegisterCommands } from './commands-context';
import { useSettings } from '@/components/settings/SettingsProvider';

/** The element whose focus makes `fileTree` commands' keys live (the tree, not a field in it). */
const FILE_TREE_KEYS = '[data-key-scope="file-tree"]';

export function CommandsProvider({ registry, children }: { registry: CommandRegistry; children: ReactNode }) {
  const [paletteOpen, setPaletteOpen] = useState(false);
  const [mac, setMac] = useState(false);
  useEffect(() => setMac(browserIsMac()), []);
  // The user's own shortcuts (Settings), live.
  const { settings } = useSettings();
  useEffect(() => registry.setKeyOverrides(settings.keybindings), [registry, settings.keybindings]);
  const tabMode = useSyncExternalStore(
    (cb) => registry.onChange(cb),
    () => registry.tabMovesFocus,
    () => false,
  );

  useRegisterCommands(
    [
      {
        ...COMMAND_KEYS['workbench.showCommands'],
        run: () => setPaletteOpen(true),
      },
      {
        ...COMMAND_KEYS['workbench.toggleTabFocusMode'],
        run: () => {
          registry.tabMovesFocus = !registry.tabMovesFocus;
        },
      },
    ],
    registry,
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing) return;
      const target = e.target instanceof Element ? e.target : null;
      if (target?.closest('[role="dialog"]')) return;
      const inFileTree = target?.matches(FILE_TREE_KEYS) ?? false;
      const cmd = registry.commandForKey(e, { mac: browserIsMac(), inTerminal: target?.closest('.xterm') != null, inFileTree });
      if (!cmd) return;
      e.preventDefault();
      registry.run(cmd.id);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [registry]);

  return (
    <CommandsContext.Provider value={registry}>
      {children}
      {paletteOpen && <CommandPalette registry={registry} mac={mac} onClose={() => setPaletteOpen(false)} />}
      {/* A live region announces what is put into it: it is there before the mode changes. */}
      <div className="tab-focus-mode-region" role="status">
        {tabMode && (
          <span className="tab-focus-mode" data-testid="tab-focus-mode">
            Tab moves focus · {formatChord(chordFor(registry.keybindingsOf(COMMAND_KEYS['workbench.toggleTabFocusMode'])[0]!, mac), mac)} to turn off
          </span>
        )}
      </div>
    </CommandsContext.Provider>
  );
}
