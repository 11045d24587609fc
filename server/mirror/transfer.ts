/**
 * Moving one path's version from one side to the other, through each side's RuntimeFs (its jail,
 * its atomic writes). File content streams from readStream into writeFile and is hashed on the
 * way, so a large file is never whole in memory and the hash recorded is that of the bytes
 * written. Permission bits and symlinks have no RuntimeFs call; they go through `exec` (chmod,
 * ln) in the workspace root, on paths whose folder the jail has just accepted.
 */
import { createHash } from 'node:crypto';
import type { FsStat, Runtime } from '../runtimes/runtime';
import type { Entry } from './scan';

const dec = new TextDecoder();

/** How a file that failed to move is reported, with the errno when there is one. */
export class PathError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function reasonOf(err: unknown): { code: string; reason: string } {
  const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
  const words: Record<string, string> = {
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is used up',
    EACCES: 'permission denied',
    EPERM: 'the operation is not permitted',
    EROFS: 'the file system is read-only',
    EISDIR: 'a folder is in the way',
    ENOTDIR: 'a file is in the way of its folder',
  };
  return { code, reason: words[code] ? `${words[code]} (${(err as Error).message})` : (err as Error).message };
}

async function run(rt: Runtime, argv: string[]): Promise<void> {
  const r = await rt.exec(argv, { timeoutMs: 60_000 });
  if (r.code !== 0) {
    const msg = dec.decode(r.stderr).trim() || `${argv[0]} exited ${r.code ?? r.signal}`;
    const code = /Permission denied/.test(msg) ? 'EACCES' : /Operation not permitted/.test(msg) ? 'EPERM' : /No space/.test(msg) ? 'ENOSPC' : 'EIO';
    throw new PathError(code, msg);
  }
}

/** Create each missing folder above `path` (the jail checks each); `known`: folders already seen
 * to exist in this pass, so a thousand files in one folder do not stat it a thousand times. */
export async function ensureParents(rt: Runtime, path: string, known?: Set<string>): Promise<void> {
  const parts = path.split('/').slice(0, -1);
  for (let i = 1; i <= parts.length; i++) {
    const dir = parts.slice(0, i).join('/');
    if (known?.has(dir)) continue;
    await ensureDir(rt, dir);
    known?.add(dir);
  }
}

export async function ensureDir(rt: Runtime, dir: string): Promise<void> {
  const s = await rt.fs.stat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (s?.type === 'dir') return;
  if (s) throw new PathError('ENOTDIR', `"${dir}" is a ${s.type} on this side, not a folder`);
  await rt.fs.mkdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}

/** Remove what is at `path` unless it is a regular file (writeFile replaces those atomically); a
 * folder only when empty, so nothing inside it is lost. */
async function clearNonFile(rt: Runtime, path: string, keep: 'file' | 'symlink' = 'file'): Promise<void> {
  const s = await rt.fs.stat(path).catch(() => null);
  if (!s || s.type === keep) return;
  if (s.type === 'dir') {
    if (!(await removeDirIfEmpty(rt, path))) throw new PathError('ENOTEMPTY', `a folder with files in it is in the way of "${path}"`);
  } else await rt.fs.rm(path);
}

/** Copy a file; resolves to the hash and size of what was written and the destination's stat.
 * `opts.dstType`: what the destination holds there, when the caller just checked (skips a stat). */
export async function copyFile(
  from: Runtime,
  to: Runtime,
  path: string,
  mode: number,
  opts: { known?: Set<string>; dstType?: string | null } = {},
): Promise<{ hash: string; size: number; stat: FsStat }> {
  await ensureParents(to, path, opts.known);
  if (opts.dstType === undefined || (opts.dstType !== null && opts.dstType !== 'file')) await clearNonFile(to, path);
  const src = await from.fs.readStream(path);
  const h = createHash('sha256');
  let size = 0;
  async function* hashed() {
    for await (const chunk of src.stream) {
      h.update(chunk);
      size += chunk.byteLength;
      yield chunk;
    }
  }
  let stat: FsStat;
  try {
    stat = await to.fs.writeFile(path, hashed());
  } finally {
    await src.close().catch(() => {});
  }
  if ((stat.mode & 0o777) !== mode) {
    await run(to, ['chmod', mode.toString(8), '--', `./${path}`]);
    stat = await to.fs.stat(path);
  }
  return { hash: h.digest('hex'), size, stat };
}

/** Write content given whole or as a stream (a resolved conflict); same result as copyFile. */
export async function writeContent(to: Runtime, path: string, data: AsyncIterable<Uint8Array>, mode: number): Promise<{ hash: string; size: number; stat: FsStat }> {
  await ensureParents(to, path);
  await clearNonFile(to, path);
  const h = createHash('sha256');
  let size = 0;
  async function* hashed() {
    for await (const chunk of data) {
      h.update(chunk);
      size += chunk.byteLength;
      yield chunk;
    }
  }
  let stat = await to.fs.writeFile(path, hashed());
  if ((stat.mode & 0o777) !== mode) {
    await run(to, ['chmod', mode.toString(8), '--', `./${path}`]);
    stat = await to.fs.stat(path);
  }
  return { hash: h.digest('hex'), size, stat };
}

export async function setMode(to: Runtime, path: string, mode: number): Promise<FsStat> {
  await run(to, ['chmod', mode.toString(8), '--', `./${path}`]);
  return to.fs.stat(path);
}

/** Make `path` a symlink to `target` (the text as is: a link is carried, never followed). */
export async function makeLink(to: Runtime, path: string, target: string): Promise<FsStat> {
  await ensureParents(to, path);
  await clearNonFile(to, path, 'symlink');
  // -T: never treat an existing folder at `path` as a place to put the link in.
  await run(to, ['ln', '-sfT', '--', target, `./${path}`]);
  return to.fs.stat(path);
}

export async function removePath(to: Runtime, path: string): Promise<void> {
  await to.fs.rm(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

/** Remove a folder only when it is empty (something new inside it must not be lost). */
export async function removeDirIfEmpty(to: Runtime, path: string): Promise<boolean> {
  const entries = await to.fs.readdir(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (entries === null) return true;
  if (entries.length) return false;
  await removePath(to, path);
  return true;
}

export type { Entry };
