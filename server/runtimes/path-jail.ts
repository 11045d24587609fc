/**
 * Resolve workspace-relative POSIX paths inside a root, refusing anything that could escape it:
 * absolute paths, `~`, NUL bytes, backslashes, `..` segments, symlinks whose real target lies
 * outside the root, and files with several hard links (one of them may live outside). A sibling
 * that merely shares the root's prefix (`/ws/root-evil` vs `/ws/root`) is outside: comparison is
 * by path segment. Opening re-checks the opened descriptor's real path (/proc/self/fd), so a
 * symlink swapped in between the check and the open is caught too.
 */
import { constants, type Stats } from 'node:fs';
import { open, readlink, realpath, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { TetherError } from '../errors';

/** A path that would leave the workspace (or cannot be checked): the request's fault. */
export class PathRefusedError extends TetherError {
  readonly code = 'bad_path' as const;

  constructor(message: string, options?: ErrorOptions) {
    super('bad_request', message, options);
  }
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
  return rel === '' || (!rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel));
}

/** Normalized workspace-relative form ('' for the root). */
export function normalizeRelative(rel: string): string {
  return checkRelativePath(rel).join('/');
}

/**
 * The real path of an existing `rel` below `root` (already real), by a `realpath` of this machine
 * or of another (SFTP); refused when it resolves outside. Paths are POSIX on both.
 */
export async function resolveWithin(rel: string, root: string, real: (abs: string) => Promise<string>): Promise<string> {
  const segments = checkRelativePath(rel);
  const resolved = await real(path.posix.join(root, ...segments));
  if (!isInside(root, resolved)) throw new PathRefusedError(`"${rel}" resolves outside the workspace`);
  return resolved;
}

/** Where to create or replace `rel`: its parent resolved (must exist inside), its last name literal. */
export async function targetWithin(rel: string, resolveExisting: (parent: string) => Promise<string>): Promise<string> {
  const segments = checkRelativePath(rel);
  if (segments.length === 0) throw new PathRefusedError('the workspace root cannot be replaced');
  return path.posix.join(await resolveExisting(segments.slice(0, -1).join('/')), segments.at(-1)!);
}

export class PathJail {
  private realRoot: Promise<string> | undefined;

  constructor(readonly root: string) {}

  /** The root's real path (resolved once). */
  rootReal(): Promise<string> {
    return (this.realRoot ??= realpath(this.root));
  }

  /** Absolute real path of an existing `rel`; refuses escapes through symlinks. */
  async resolveExisting(rel: string): Promise<string> {
    return resolveWithin(rel, await this.rootReal(), (p) => realpath(p));
  }

  /**
   * Absolute path for creating or replacing `rel`: its parent must exist inside the root (after
   * resolving symlinks); the last component is taken literally (a symlink there is replaced, not
   * followed). The root itself cannot be a target.
   */
  async resolveTarget(rel: string): Promise<string> {
    return targetWithin(rel, (parent) => this.resolveExisting(parent));
  }

  /** Open an existing file for reading; checks the opened descriptor, refusing symlinks at the last
   * component and multiply-linked files. */
  async openForRead(rel: string): Promise<{ handle: FileHandle; stats: Stats }> {
    const abs = await this.resolveExisting(rel);
    const handle = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      await this.verifyDescriptor(handle, rel);
      const stats = await handle.stat();
      if (stats.isFile() && stats.nlink > 1) {
        throw new PathRefusedError(`"${rel}" has ${stats.nlink} hard links; it is not opened because another link may lie outside the workspace`);
      }
      return { handle, stats };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** After open(): the descriptor's real path must still be inside (catches swapped symlinks). */
  async verifyDescriptor(handle: FileHandle, rel: string): Promise<void> {
    const root = await this.rootReal();
    let real: string;
    try {
      real = await readlink(`/proc/self/fd/${handle.fd}`);
    } catch {
      return; // no /proc (not Linux): the realpath check before open stands alone
    }
    if (!isInside(root, real)) throw new PathRefusedError(`"${rel}" resolves outside the workspace`);
  }
}
