import { describe, expect, it } from 'vitest';
import {
  clampEditorShare,
  clampSidebarWidth,
  DEFAULT_LAYOUT,
  EDITOR_SHARE_MAX,
  EDITOR_SHARE_MIN,
  layoutKey,
  loadLayout,
  parseLayout,
  saveLayout,
  separatorKey,
  SIDEBAR_MAX_PX,
  SIDEBAR_MIN_PX,
} from './layout';
import { MemoryStore, type KeyValueStore } from './key-value-store';


describe('layout clamping', () => {
  it('keeps the sidebar between its bounds, and under 60% of a narrow page', () => {
    expect(clampSidebarWidth(10)).toBe(SIDEBAR_MIN_PX);
    expect(clampSidebarWidth(5000)).toBe(SIDEBAR_MAX_PX);
    expect(clampSidebarWidth(300.4)).toBe(300);
    expect(clampSidebarWidth(600, 800)).toBe(480);
    // A page so narrow that 60% is below the minimum still gets the minimum.
    expect(clampSidebarWidth(600, 200)).toBe(SIDEBAR_MIN_PX);
  });

  it('keeps the editor share between its bounds', () => {
    expect(clampEditorShare(0)).toBe(EDITOR_SHARE_MIN);
    expect(clampEditorShare(100)).toBe(EDITOR_SHARE_MAX);
    expect(clampEditorShare(33.333)).toBe(33.3);
  });
});

describe('stored layouts', () => {
  it('round-trips per user, and the last user is shown until the page knows who signed in', () => {
    const store = new MemoryStore();
    saveLayout(store, 'u1', { sidebarOpen: false, sidebarWidth: 333, editorShare: 30, panelMaximized: true });
    saveLayout(store, 'u2', { ...DEFAULT_LAYOUT, sidebarWidth: 200 });
    expect(loadLayout(store, 'u1')).toEqual({ sidebarOpen: false, sidebarWidth: 333, editorShare: 30, panelMaximized: true });
    expect(loadLayout(store, 'u2').sidebarWidth).toBe(200);
    expect(loadLayout(store, null).sidebarWidth).toBe(200); // u2 saved last
    expect(loadLayout(store, 'u3')).toEqual(DEFAULT_LAYOUT);
  });

  it('takes what is valid from a stored value and clamps it', () => {
    expect(parseLayout('{not json')).toEqual(DEFAULT_LAYOUT);
    expect(parseLayout('[1,2]')).toEqual(DEFAULT_LAYOUT);
    expect(parseLayout(JSON.stringify({ sidebarWidth: 99999, editorShare: 'x', sidebarOpen: 0, panelMaximized: true }))).toEqual({
      ...DEFAULT_LAYOUT,
      sidebarWidth: SIDEBAR_MAX_PX,
      panelMaximized: true,
    });
    expect(parseLayout(JSON.stringify({ editorShare: -5 })).editorShare).toBe(EDITOR_SHARE_MIN);
  });

  it('works without storage, and with storage that throws', () => {
    expect(loadLayout(null, 'u')).toEqual(DEFAULT_LAYOUT);
    const broken: KeyValueStore = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('quota');
      },
    };
    expect(loadLayout(broken, 'u')).toEqual(DEFAULT_LAYOUT);
    expect(() => saveLayout(broken, 'u', DEFAULT_LAYOUT)).not.toThrow();
    expect(layoutKey('u')).toBe('tether.layout.u');
  });
});

describe('separator keys', () => {
  const range = { min: 10, max: 90, step: 2 };
  it('moves a horizontal separator with Up/Down, ten steps with Shift, to the ends with Home/End', () => {
    expect(separatorKey('ArrowUp', false, 50, range, 'horizontal')).toBe(48);
    expect(separatorKey('ArrowDown', false, 50, range, 'horizontal')).toBe(52);
    expect(separatorKey('ArrowDown', true, 50, range, 'horizontal')).toBe(70);
    expect(separatorKey('Home', false, 50, range, 'horizontal')).toBe(10);
    expect(separatorKey('End', false, 50, range, 'horizontal')).toBe(90);
    expect(separatorKey('ArrowLeft', false, 50, range, 'horizontal')).toBeNull();
  });

  it('moves a vertical separator with Left/Right and never past its bounds', () => {
    expect(separatorKey('ArrowRight', false, 50, range, 'vertical')).toBe(52);
    expect(separatorKey('ArrowLeft', true, 15, range, 'vertical')).toBe(10);
    expect(separatorKey('ArrowRight', true, 89, range, 'vertical')).toBe(90);
    expect(separatorKey('ArrowUp', false, 50, range, 'vertical')).toBeNull();
    expect(separatorKey('a', false, 50, range, 'vertical')).toBeNull();
  });
});
