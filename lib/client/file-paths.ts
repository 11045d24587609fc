/**
 * Workspace-relative POSIX paths as the `fs` router speaks them: '' is the root, never a leading
 * '/'. Pure string helpers; the server is the one that resolves and jails paths.
 */

export function parentDir(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

export function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

export function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** `p` is `ancestor` itself or lies somewhere below it ('' contains everything). */
export function isSameOrInside(p: string, ancestor: string): boolean {
  return ancestor === '' || p === ancestor || p.startsWith(`${ancestor}/`);
}

/** Re-root `p` from `from` to `to` after a rename; null when `p` is not under `from`. */
export function movedPath(p: string, from: string, to: string): string | null {
  if (p === from) return to;
  if (from !== '' && p.startsWith(`${from}/`)) return to + p.slice(from.length);
  return null;
}

/** Why `name` cannot be a single file or folder name, or null when it can. */
export function invalidNameReason(name: string): string | null {
  if (name.trim() === '') return 'Type a name.';
  if (name === '.' || name === '..') return `"${name}" is not a valid name.`;
  if (name.includes('/')) return 'A name cannot contain "/".';
  if (name.includes('\0')) return 'A name cannot contain a NUL character.';
  return null;
}

// Bidi overrides/isolates/marks and C0/C1 controls: a file name must not reorder or hide the
// text around it (the "Trojan Source" trick), so they are shown as visible escapes instead.
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** A file name made safe to display as plain text: invisible and reordering characters escaped. */
export function displayName(name: string): string {
  return name.replace(UNSAFE_CHARS, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/** URL of the gateway's download endpoint for a file. */
export function downloadUrl(workspaceId: string, path: string): string {
  return `/api/files/${encodeURIComponent(workspaceId)}/download?path=${encodeURIComponent(path)}`;
}

/** URL of the gateway's upload endpoint for a file at `path`. */
export function uploadUrl(workspaceId: string, path: string, overwrite = false): string {
  return `/api/files/${encodeURIComponent(workspaceId)}/upload?path=${encodeURIComponent(path)}${overwrite ? '&overwrite=1' : ''}`;
}
