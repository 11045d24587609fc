/**
 * The regions of a workspace page that F6 / Shift-F6 cycle through (VS Code's "focus next part"),
 * in order: the file tree (with search), the editor, the terminals.
 */

export type Region = 'files' | 'editor' | 'terminal';

export const REGIONS: readonly Region[] = ['files', 'editor', 'terminal'];

/**
 * The region after (`step` 1) or before (-1) `current` among those `shown`, wrapping around; from
 * outside every region (null) the first or the last. Null when none is shown.
 */
export function nextRegion(current: Region | null, shown: readonly Region[], step: 1 | -1): Region | null {
  const order = REGIONS.filter((r) => shown.includes(r));
  if (order.length === 0) return null;
  if (current === null) return step === 1 ? order[0]! : order[order.length - 1]!;
  // A hidden current region: continue from its place in the full order.
  let i = REGIONS.indexOf(current);
  for (let n = 0; n < REGIONS.length; n++) {
    i = (i + step + REGIONS.length) % REGIONS.length;
    if (order.includes(REGIONS[i]!)) return REGIONS[i]!;
  }
  return null;
}

/** Ctrl-`: from a terminal to the editor, from anywhere else to the terminal. */
export function toggleTarget(current: Region | null): Region {
  return current === 'terminal' ? 'editor' : 'terminal';
}
