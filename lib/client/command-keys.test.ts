import { describe, expect, it } from 'vitest';
import { COMMAND_KEY_TABLE, COMMAND_KEYS } from './command-keys';
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
