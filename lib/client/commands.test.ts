import { describe, expect, it, vi } from 'vitest';
import { CommandRegistry, isFocusTab } from './commands';
import type { KeyFields } from './keybindings';

function key(k: string, code: string, mods: Partial<Pick<KeyFields, 'ctrlKey' | 'shiftKey' | 'altKey' | 'metaKey'>> = {}): KeyFields {
  return { key: k, code, ctrlKey: false, shiftKey: false, altKey: false, metaKey: false, ...mods };
}
const LINUX = { mac: false, inTerminal: false };
const LINUX_TERM = { mac: false, inTerminal: true };

function registry() {
  const r = new CommandRegistry();
  const ran: string[] = [];
  const add = (id: string, keys: string[], scope?: 'global' | 'outsideTerminal' | 'terminal', mac?: string) =>
    r.register({ id, title: id, scope, keybindings: keys.map((k, i) => ({ key: k, ...(i === 0 && mac ? { mac } : {}) })), run: () => ran.push(id) });
  add('palette', ['ctrl+shift+p', 'f1'], 'global', 'cmd+shift+p');
  add('quickOpen', ['ctrl+p'], 'global', 'cmd+p');
  add('save', ['ctrl+s'], 'outsideTerminal', 'cmd+s');
  add('find', ['ctrl+f'], 'terminal', 'cmd+f');
  return { r, ran };
}

describe('CommandRegistry', () => {
  it('finds the command a key runs, by any of its bindings', () => {
    const { r } = registry();
    expect(r.commandForKey(key('P', 'KeyP', { ctrlKey: true, shiftKey: true }), LINUX)?.id).toBe('palette');
    expect(r.commandForKey(key('F1', 'F1'), LINUX)?.id).toBe('palette');
    expect(r.commandForKey(key('p', 'KeyP', { ctrlKey: true }), LINUX)?.id).toBe('quickOpen');
    expect(r.commandForKey(key('q', 'KeyQ', { ctrlKey: true }), LINUX)).toBeNull();
  });

  it('uses Cmd on a Mac, and leaves Ctrl-P to the program there', () => {
    const { r } = registry();
    const mac = { mac: true, inTerminal: true };
    expect(r.commandForKey(key('p', 'KeyP', { metaKey: true }), mac)?.id).toBe('quickOpen');
    expect(r.commandForKey(key('p', 'KeyP', { ctrlKey: true }), mac)).toBeNull();
  });

  it('a focused terminal keeps every key but the global commands’ (commandsToSkipShell)', () => {
    const { r } = registry();
    expect(r.skipsShell(key('P', 'KeyP', { ctrlKey: true, shiftKey: true }), false)).toBe(true);
    expect(r.skipsShell(key('p', 'KeyP', { ctrlKey: true }), false)).toBe(true);
    // Save is not global: Ctrl-S is XOFF in a terminal. Find is the terminal's own key.
    expect(r.commandForKey(key('s', 'KeyS', { ctrlKey: true }), LINUX)?.id).toBe('save');
    expect(r.commandForKey(key('s', 'KeyS', { ctrlKey: true }), LINUX_TERM)).toBeNull();
    expect(r.commandForKey(key('f', 'KeyF', { ctrlKey: true }), LINUX)).toBeNull();
    expect(r.commandForKey(key('f', 'KeyF', { ctrlKey: true }), LINUX_TERM)).toBeNull();
    // The keys shells and TUIs live on go to the program.
    for (const letter of 'crwaeudlkzbn') {
      expect(r.skipsShell(key(letter, `Key${letter.toUpperCase()}`, { ctrlKey: true }), false), `Ctrl-${letter}`).toBe(false);
    }
    expect(r.skipsShell(key('Tab', 'Tab'), false)).toBe(false);
    expect(r.skipsShell(key('Escape', 'Escape'), false)).toBe(false);
  });

  it('file tree keys (F2, Delete) work only on the focused tree: the editor, fields and terminals keep them', () => {
    const r = new CommandRegistry();
    const ran: string[] = [];
    r.register({ id: 'rename', title: 'rename', scope: 'fileTree', keybindings: [{ key: 'f2' }], run: () => ran.push('rename') });
    r.register({ id: 'delete', title: 'delete', scope: 'fileTree', keybindings: [{ key: 'delete' }, { key: 'shift+delete' }, { key: 'ctrl+backspace', mac: 'cmd+backspace' }], run: () => ran.push('delete') });
    const tree = { mac: false, inTerminal: false, inFileTree: true };
    expect(r.commandForKey(key('F2', 'F2'), tree)?.id).toBe('rename');
    expect(r.commandForKey(key('Delete', 'Delete'), tree)?.id).toBe('delete');
    expect(r.commandForKey(key('Delete', 'Delete', { shiftKey: true }), tree)?.id).toBe('delete');
    expect(r.commandForKey(key('Backspace', 'Backspace', { metaKey: true }), { ...tree, mac: true })?.id).toBe('delete');
    expect(r.commandForKey(key('F2', 'F2'), LINUX)).toBeNull();
    expect(r.commandForKey(key('Delete', 'Delete'), LINUX)).toBeNull();
    expect(r.commandForKey(key('Delete', 'Delete'), LINUX_TERM)).toBeNull();
    expect(r.skipsShell(key('Delete', 'Delete'), false)).toBe(false);
    expect(r.skipsShell(key('F2', 'F2'), false)).toBe(false);
  });

  it('runs enabled commands only, and still claims the key of a disabled one', () => {
    const r = new CommandRegistry();
    const run = vi.fn();
    let enabled = false;
    r.register({ id: 'next', title: 'Next', scope: 'global', keybindings: [{ key: 'ctrl+pagedown' }], enabled: () => enabled, run });
    expect(r.run('next')).toBe(false);
    expect(run).not.toHaveBeenCalled();
    expect(r.skipsShell(key('PageDown', 'PageDown', { ctrlKey: true }), false)).toBe(true);
    enabled = true;
    expect(r.run('next')).toBe(true);
    expect(run).toHaveBeenCalledOnce();
    expect(r.run('missing')).toBe(false);
  });

  it('registration lasts until disposed, refuses a duplicate id and a malformed binding, and tells listeners', () => {
    const r = new CommandRegistry();
    const changes = vi.fn();
    r.onChange(changes);
    const off = r.register({ id: 'a', title: 'A', run: () => {} });
    expect(() => r.register({ id: 'a', title: 'A again', run: () => {} })).toThrow(/twice/);
    expect(() => r.register({ id: 'b', title: 'B', keybindings: [{ key: 'ctrl+' }], run: () => {} })).toThrow();
    expect(r.list().map((c) => c.id)).toEqual(['a']);
    off();
    expect(r.get('a')).toBeUndefined();
    expect(changes).toHaveBeenCalledTimes(2);
  });

  it('the first command registered for a key wins', () => {
    const r = new CommandRegistry();
    r.register({ id: 'first', title: '1', scope: 'global', keybindings: [{ key: 'f6' }], run: () => {} });
    r.register({ id: 'second', title: '2', scope: 'global', keybindings: [{ key: 'f6' }], run: () => {} });
    expect(r.commandForKey(key('F6', 'F6'), LINUX)?.id).toBe('first');
  });

  it('tab focus mode toggles and notifies; only plain Tab and Shift-Tab are focus keys', () => {
    const r = new CommandRegistry();
    const changes = vi.fn();
    r.onChange(changes);
    expect(r.tabMovesFocus).toBe(false);
    r.tabMovesFocus = true;
    r.tabMovesFocus = true;
    expect(r.tabMovesFocus).toBe(true);
    expect(changes).toHaveBeenCalledTimes(1);
    expect(isFocusTab(key('Tab', 'Tab'))).toBe(true);
    expect(isFocusTab(key('Tab', 'Tab', { shiftKey: true }))).toBe(true);
    expect(isFocusTab(key('Tab', 'Tab', { ctrlKey: true }))).toBe(false);
  });
  it("the user's own keys replace a command's defaults, live; a bad one is ignored; a terminal's own key stays", () => {
    const { r } = registry();
    const onChange = vi.fn();
    r.onChange(onChange);
    r.setKeyOverrides({ quickOpen: 'ctrl+alt+o', save: 'not+a+key', find: 'ctrl+alt+f' });
    expect(onChange).toHaveBeenCalled();
    expect(r.commandForKey(key('o', 'KeyO', { ctrlKey: true, altKey: true }), LINUX)?.id).toBe('quickOpen');
    // The default no longer runs it, in a terminal either (the program gets Ctrl-P back).
    expect(r.commandForKey(key('p', 'KeyP', { ctrlKey: true }), LINUX)).toBeNull();
    expect(r.skipsShell(key('p', 'KeyP', { ctrlKey: true }), false)).toBe(false);
    expect(r.skipsShell(key('o', 'KeyO', { ctrlKey: true, altKey: true }), false)).toBe(true);
    // "not+a+key" does not parse: Save keeps Ctrl-S.
    expect(r.commandForKey(key('s', 'KeyS', { ctrlKey: true }), LINUX)?.id).toBe('save');
    expect(r.keybindingsOf(r.get('find')!)).toEqual([{ key: 'ctrl+f', mac: 'cmd+f' }]);
    // The same key on a Mac (one key for every platform).
    expect(r.commandForKey(key('o', 'KeyO', { ctrlKey: true, altKey: true }), { mac: true, inTerminal: false })?.id).toBe('quickOpen');
    r.setKeyOverrides({});
    expect(r.commandForKey(key('p', 'KeyP', { ctrlKey: true }), LINUX)?.id).toBe('quickOpen');
  });
});
