/** The save key: Ctrl-S, or Cmd-S on a Mac, without Alt or Shift (any case of the letter). */
export function isSaveShortcut(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>): boolean {
  return (e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's' && !e.altKey && !e.shiftKey;
}
