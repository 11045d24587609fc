/**
 * Resolve workspace-relative POSIX paths inside a root, refusing anything that could escape it:
 * absolute paths, `~`, NUL bytes, backslashes, `..` segments, and symlinks whose real target lies
 * outside the root (checked after resolving the real path). A sibling that merely shares the
 * root's prefix (`/ws/root-evil` vs `/ws/root`) is outside: comparison is by path segment.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';

export class PathRefusedError extends Error {
  readonly code = 'bad_path' as const;
}

export function checkRelativePath(rel: string): string[] {
  if (rel.includes('\0')) throw new PathRefusedError('path contains a NUL byte');
  if (rel.includes('\\')) throw new PathRefusedError('path contains a backslash; use "/"');
  if (rel.startsWith('/')) throw new PathRefusedError('path must be relative to the workspace root');
  if (rel.startsWith('~')) throw new PathRefusedError('"~" is not expanded; give a path relative to the workspace root');
  const segments = rel.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) throw new PathRefusedError('path may not contain ".."');
  return segments;
}

export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Absolute real path of an existing `rel` under `root`; refuses escapes through symlinks. */
export async function resolveExisting(root: string, rel: string): Promise<string> {
  const segments = checkRelativePath(rel);
  const realRoot = await realpath(root);
  const real = await realpath(path.join(realRoot, ...segments));
  if (!isInside(realRoot, real)) throw new PathRefusedError(`"${rel}" resolves outside the workspace`);
  return real;
}
