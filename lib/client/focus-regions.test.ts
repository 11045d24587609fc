import { describe, expect, it } from 'vitest';
import { nextRegion, toggleTarget } from './focus-regions';

describe('nextRegion (F6 / Shift-F6)', () => {
  const all = ['files', 'editor', 'terminal'] as const;
  it('cycles tree → editor → terminal → tree, and back with Shift', () => {
    expect(nextRegion('files', all, 1)).toBe('editor');
    expect(nextRegion('editor', all, 1)).toBe('terminal');
    expect(nextRegion('terminal', all, 1)).toBe('files');
    expect(nextRegion('files', all, -1)).toBe('terminal');
    expect(nextRegion('terminal', all, -1)).toBe('editor');
  });
  it('skips a hidden region (the tree toggled off)', () => {
    expect(nextRegion('terminal', ['editor', 'terminal'], 1)).toBe('editor');
    expect(nextRegion('editor', ['editor', 'terminal'], -1)).toBe('terminal');
    // The focus sat in a region that has since been hidden.
    expect(nextRegion('files', ['editor', 'terminal'], 1)).toBe('editor');
  });
  it('from outside every region goes to the first or the last', () => {
    expect(nextRegion(null, all, 1)).toBe('files');
    expect(nextRegion(null, all, -1)).toBe('terminal');
    expect(nextRegion(null, [], 1)).toBeNull();
  });
});

describe('toggleTarget (Ctrl-`)', () => {
  it('goes from the terminal to the editor, and from anywhere else to the terminal', () => {
    expect(toggleTarget('terminal')).toBe('editor');
    expect(toggleTarget('editor')).toBe('terminal');
    expect(toggleTarget('files')).toBe('terminal');
    expect(toggleTarget(null)).toBe('terminal');
  });
});
