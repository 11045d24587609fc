/**
 * Moving the keyboard into a region of the workspace page (the tree, the editor, the terminals):
 * each region's root carries `data-region`, and these are the elements that take the focus in it,
 * in order of preference.
 */
import type { Region } from '@/lib/client/focus-regions';

const TARGETS: Readonly<Record<Region, readonly string[]>> = {
  files: ['.sidebar-view:not([hidden]) [data-testid="search-input"]', '.sidebar-view:not([hidden]) [role="tree"]'],
  // The text when a file is open, else the pane itself (focusable for this).
  editor: ['.editor-host[data-visible="true"] .cm-content', '.editor-pane'],
  // xterm takes the keyboard through its hidden textarea; with no terminal, the tab strip.
  terminal: ['.term-view[data-active="true"] .xterm-helper-textarea', '[role="tab"][aria-selected="true"]', '.term-panel'],
};

/** The region `el` is in, or null. */
export function regionOf(el: Element | null): Region | null {
  const region = el?.closest('[data-region]')?.getAttribute('data-region');
  return region === 'files' || region === 'editor' || region === 'terminal' ? region : null;
}

/** Focus the first element of `region` under `root` that takes it; whether one did. */
export function focusRegion(root: HTMLElement | null, region: Region): boolean {
  const box = root?.querySelector(`[data-region="${region}"]`);
  if (!box) return false;
  for (const selector of TARGETS[region]) {
    const el = box.querySelector<HTMLElement>(selector);
    if (!el) continue;
    el.focus({ preventScroll: true });
    if (document.activeElement === el) return true;
  }
  return false;
}
