/**
 * The terminal panel's commands for the palette and the keyboard (lib/client/commands.ts). The
 * global ones take their keys from inside a terminal too; find is the terminal's own key.
 */
import type { RefObject } from 'react';
import { useRegisterCommands } from '@/components/commands/commands-context';
import { COMMAND_KEYS } from '@/lib/client/command-keys';
import type { TerminalHandle } from './terminal-types';

interface Panel {
  tabCount: number;
  activeKey: string | null;
  /** Each tab's terminal handle, by tab key. */
  handles: RefObject<Map<string, TerminalHandle>>;
  newTerminal(): void;
  /** Select the tab after (1) or before (-1) the active one, wrapping around. */
  stepTab(step: 1 | -1): void;
  killActive(): void;
  canKill: boolean;
  closeTab(key: string): void;
  canShare: boolean;
  shareActive(): void;
  renameActive(): void;
}

export function useTerminalCommands({ tabCount, activeKey, handles, newTerminal, stepTab, killActive, canKill, closeTab, canShare, shareActive, renameActive }: Panel): void {
  // Global: these keys work from inside a terminal too (VS Code's defaults; Ctrl-PageUp/PageDown
  // are Chrome's own tab keys in a normal window, so Alt-PageUp/PageDown does the same).
  useRegisterCommands([
    { ...COMMAND_KEYS['terminal.new'], run: newTerminal },
    {
      ...COMMAND_KEYS['terminal.focusNext'],
      enabled: () => tabCount > 1,
      run: () => stepTab(1),
    },
    {
      ...COMMAND_KEYS['terminal.focusPrevious'],
      enabled: () => tabCount > 1,
      run: () => stepTab(-1),
    },
    {
      ...COMMAND_KEYS['terminal.find'],
      enabled: () => activeKey !== null && handles.current.has(activeKey),
      run: () => {
        if (activeKey) handles.current.get(activeKey)?.openFind();
      },
    },
    { id: 'terminal.kill', title: 'Terminal: Kill the Running Program', enabled: () => canKill, run: killActive },
    {
      id: 'terminal.close',
      title: 'Terminal: Kill and Close Terminal',
      enabled: () => activeKey !== null,
      run: () => {
        if (activeKey) closeTab(activeKey);
      },
    },
    { id: 'terminal.rename', title: 'Terminal: Rename Terminal…', enabled: () => activeKey !== null, run: renameActive },
    { id: 'terminal.share', title: 'Terminal: Share Terminal…', enabled: () => canShare, run: shareActive },
  ]);
}
