'use client';
/**
 * The workspace's command registry as React context, and the hook components register their
 * commands with while they are mounted (see lib/client/commands.ts).
 */
import { createContext, useContext, useEffect, useLayoutEffect, useRef } from 'react';
import { isEnabled, type Command, type CommandRegistry } from '@/lib/client/commands';

export const CommandsContext = createContext<CommandRegistry | null>(null);

/** The registry of the page, or null outside a CommandsProvider (a phone terminal, a terminal share). */
export function useOptionalCommands(): CommandRegistry | null {
  return useContext(CommandsContext);
}

/**
 * Register `commands` while the component is mounted. Their `run` and `enabled` are read live
 * (pass new closures every render); ids, titles, keys and scopes are read when the set of ids
 * changes. `registry`: for the component that provides the context itself.
 */
export function useRegisterCommands(commands: readonly Command[], registry?: CommandRegistry): void {
  const fromContext = useContext(CommandsContext);
  const target = registry ?? fromContext;
  if (!target) throw new Error('useRegisterCommands needs a CommandsProvider above it');
  const latest = useRef(commands);
  useLayoutEffect(() => {
    latest.current = commands;
  });
  const ids = commands.map((c) => c.id).join('\n');
  useEffect(() => {
    const live = (id: string) => latest.current.find((c) => c.id === id);
    const offs = latest.current.map((c) =>
      target.register({
        id: c.id,
        title: c.title,
        ...(c.keybindings ? { keybindings: c.keybindings } : {}),
        ...(c.scope ? { scope: c.scope } : {}),
        enabled: () => {
          const cur = live(c.id);
          return cur !== undefined && isEnabled(cur);
        },
        run: () => live(c.id)?.run(),
      }),
    );
    return () => {
      for (const off of offs) off();
    };
  }, [target, ids]);
}
