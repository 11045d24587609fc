import { describe, expect, it } from 'vitest';
import { COMMAND_KEY_TABLE, COMMAND_KEYS, keyTakenBy } from './command-keys';
import { keysOf } from './commands';
import { chordFor, formatChord } from './keybindings';

describe('COMMAND_KEY_TABLE', () => {
  it('names each command once, and every key parses on both platforms', () => {
    const ids = COMMAND_KEY_TABLE.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of COMMAND_KEY_TABLE) {
      expect(c.keybindings.length).toBeGreaterThan(0);
      for (const kb of c.keybindings) {
        expect(() => chordFor(kb, false)).not.toThrow();
        expect(() => chordFor(kb, true)).not.toThrow();
      }
    }
  });
  it('gives no two commands that take keys in the same place the same key', () => {
    for (const mac of [false, true]) {
      const seen = new Map<string, string>();
      for (const c of COMMAND_KEY_TABLE) {
        for (const kb of c.keybindings) {
          const label = formatChord(chordFor(kb, mac), mac);
          expect(seen.get(label), `${label}: ${c.id} and ${seen.get(label)}`).toBeUndefined();
          seen.set(label, c.id);
        }
      }
    }
  });
  it('opens settings with Ctrl-, (Cmd-, on a Mac), from a terminal too', () => {
    const open = COMMAND_KEYS['workbench.openSettings'];
    expect(formatChord(chordFor(open.keybindings[0]!, false), false)).toBe('Ctrl+,');
    expect(formatChord(chordFor(open.keybindings[0]!, true), true)).toBe('⌘,');
    expect(open.scope).toBe('global');
  });
});

describe('changed shortcuts', () => {
  it('are used instead of the defaults, except for keys a terminal handles itself', () => {
    const quickOpen = COMMAND_KEYS['workbench.quickOpen'];
    expect(keysOf(quickOpen, {})).toBe(quickOpen.keybindings);
    expect(keysOf(quickOpen, { 'workbench.quickOpen': 'ctrl+alt+o' })).toEqual([{ key: 'ctrl+alt+o' }]);
    const find = COMMAND_KEYS['terminal.find'];
    expect(keysOf(find, { 'terminal.find': 'ctrl+alt+f' })).toBe(find.keybindings);
  });

  it('refuse a key another command answers in the same place, naming it', () => {
    // Ctrl-Shift-P is the palette's everywhere: taken for any command.
    expect(keyTakenBy('workbench.quickOpen', 'ctrl+shift+p', {}, false)?.id).toBe('workbench.showCommands');
    // A changed key frees the old one and takes the new one.
    const own = { 'workbench.showCommands': 'ctrl+alt+p' };
    expect(keyTakenBy('workbench.quickOpen', 'ctrl+shift+p', own, false)).toBeNull();
    expect(keyTakenBy('workbench.quickOpen', 'ctrl+alt+p', own, false)?.id).toBe('workbench.showCommands');
    // F2 renames in the file tree, which an outside-the-terminal key reaches too…
    expect(keyTakenBy('file.save', 'f2', {}, false)?.id).toBe('files.rename');
    // …but the terminal's own find key (Ctrl-F) is no one else's business outside it.
    expect(keyTakenBy('file.save', 'ctrl+f', {}, false)).toBeNull();
    // On a Mac the same chord is compared as a Mac shows it.
    expect(keyTakenBy('workbench.quickOpen', 'cmd+shift+p', {}, true)?.id).toBe('workbench.showCommands');
  });
});
