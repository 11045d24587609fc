/**
 * Folder hints for editor tabs whose files share a name (VS Code's tab descriptions): two
 * `index.ts` tabs become `index.ts · a` and `index.ts · b`. The hints of files sharing a name are the tails of
 * their folders, as many folders deep (the same for all of them, so they line up) as it takes to
 * tell every one apart. A unique name gets none, and so does a file at the workspace root (the
 * others' hints tell it apart).
 */
import { baseName, parentDir } from './file-paths';

/** The hint for each path, in order ('' for none). */
export function tabHints(paths: readonly string[]): string[] {
  const byName = new Map<string, number[]>();
  paths.forEach((p, i) => {
    const group = byName.get(baseName(p)) ?? [];
    group.push(i);
    byName.set(baseName(p), group);
  });
  const hints = paths.map(() => '');
  for (const group of byName.values()) {
    if (group.length < 2) continue;
    const dirs = group.map((i) => {
      const dir = parentDir(paths[i]!);
      return dir === '' ? [] : dir.split('/');
    });
    const deepest = Math.max(...dirs.map((d) => d.length));
    // The fewest trailing folders that make every hint in the group different.
    let depth = 1;
    for (; depth < deepest; depth++) {
      const tails = dirs.map((d) => d.slice(-depth).join('/'));
      if (new Set(tails).size === tails.length) break;
    }
    group.forEach((i, k) => (hints[i] = dirs[k]!.slice(-depth).join('/')));
  }
  return hints;
}
