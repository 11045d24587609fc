import { describe, expect, it } from 'vitest';
import { MemoryStore } from './key-value-store';
import { normalizeTerminalName, TERMINAL_NAME_MAX, TerminalNames } from './terminal-names';


describe('TerminalNames', () => {
  it('keeps names per workspace across page loads, and an empty name clears one', () => {
    const store = new MemoryStore();
    new TerminalNames(store, 'w1').set('s1', 'server');
    new TerminalNames(store, 'w2').set('s1', 'other');
    const again = new TerminalNames(store, 'w1');
    expect(again.get('s1')).toBe('server');
    expect(new TerminalNames(store, 'w2').get('s1')).toBe('other');
    again.set('s1', '   ');
    expect(again.get('s1')).toBeNull();
  });

  it('forgets sessions the gateway no longer lists', () => {
    const names = new TerminalNames(new MemoryStore(), 'w');
    names.set('a', 'A');
    names.set('b', 'B');
    names.keepOnly(['b', 'c']);
    expect(names.all()).toEqual({ b: 'B' });
  });

  it('survives garbage and missing storage', () => {
    const store = new MemoryStore();
    store.setItem('tether.terminalNames.w', '{"a": 5, "b": "ok"');
    expect(new TerminalNames(store, 'w').all()).toEqual({});
    store.setItem('tether.terminalNames.w', '{"a": 5, "b": "ok"}');
    expect(new TerminalNames(store, 'w').all()).toEqual({ b: 'ok' });
    const none = new TerminalNames(null, 'w');
    none.set('a', 'x');
    expect(none.get('a')).toBeNull();
  });

  it('names are one trimmed, bounded line without control characters', () => {
    expect(normalizeTerminalName('  a\x1b]0;x\x07b\nc ')).toBe('a ]0;x b c');
    expect(normalizeTerminalName('x'.repeat(200))).toHaveLength(TERMINAL_NAME_MAX);
  });
});
