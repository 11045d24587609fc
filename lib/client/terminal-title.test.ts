import { describe, expect, it } from 'vitest';
import { tabLabel, TitleTracker } from './terminal-title';

describe('TitleTracker', () => {
  it('drops the title a full-screen program set once it leaves the alternate screen', () => {
    const t = new TitleTracker();
    t.set('~/src');
    t.screen(true); // vim starts
    t.set('file.txt - VIM');
    expect(t.title).toBe('file.txt - VIM');
    t.set('Thanks for flying Vim');
    t.screen(false); // vim exits
    expect(t.title).toBe('~/src');
  });

  it('keeps a title set on the normal screen, and counts repeated screen switches once', () => {
    const t = new TitleTracker();
    t.set('build');
    t.screen(false);
    expect(t.title).toBe('build');
    t.screen(true);
    t.set('a');
    t.screen(true);
    t.set('b');
    t.screen(false);
    expect(t.title).toBe('build');
  });

  it('a seed on the alternate screen falls back to no title when that program leaves it', () => {
    const t = new TitleTracker();
    t.seed('htop', true);
    expect(t.title).toBe('htop');
    t.screen(false);
    expect(t.title).toBe('');
  });
});

describe('tabLabel', () => {
  const base = { rename: null, title: '', name: '', ended: false, n: 3 };
  it('prefers the user name, then a running program title, then the start name, then the ordinal', () => {
    expect(tabLabel({ ...base, rename: 'db', title: 'vim', name: 'agent' })).toBe('db');
    expect(tabLabel({ ...base, title: 'vim', name: 'agent' })).toBe('vim');
    expect(tabLabel({ ...base, name: 'agent' })).toBe('agent');
    expect(tabLabel(base)).toBe('Terminal 3');
  });

  it('shows no program title once the terminal has ended', () => {
    expect(tabLabel({ ...base, title: 'busy', ended: true })).toBe('Terminal 3');
    expect(tabLabel({ ...base, title: 'busy', name: 'agent', ended: true })).toBe('agent');
    expect(tabLabel({ ...base, rename: 'mine', title: 'busy', ended: true })).toBe('mine');
  });
});
