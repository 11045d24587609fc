/**
 * Workspace files on this machine. Every operation goes through the PathJail before any I/O;
 * writes are atomic (temp file in the same directory, fsync, rename, mode kept). One chokidar
 * watcher per workspace is shared by all subscribers and torn down with the last one.
 */
import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { link, lstat, mkdir, open, readdir, rename, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { fsError, readableEach, type FsEntry, type FsEntryType, type FsEvent, type FsStat, type RuntimeFs } from '../runtime';
import { PathJail, PathRefusedError, isInside } from '../path-jail';
import { WatchFanout } from '../watch-fanout';

/** Directories whose contents are not watched (they churn and nobody edits them by hand). */
const UNWATCHED = /(^|\/)(node_modules|\.git)(\/|$)/;
const TEMP_PREFIX = '.tether-tmp-';
/** Temp files older than this are leftovers of a save that was killed, never one in progress. */
const STALE_TEMP_MS = 60 * 60 * 1000;

function entryType(s: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): FsEntryType {
  if (s.isSymbolicLink()) return 'symlink';
  if (s.isDirectory()) return 'dir';
  if (s.isFile()) return 'file';
  return 'other';
}

function toStat(s: Stats): FsStat {
  return { type: entryType(s), size: s.size, mtime: Math.floor(s.mtimeMs), mode: s.mode & 0o7777 };
}

export class LocalFs implements RuntimeFs {
  /** Folders already swept for stale temp files in this process. */
  private readonly swept = new Set<string>();
  private readonly watches = new WatchFanout((emit) => {
    let stopped = false;
    const watcher = this.startWatcher(emit, () => stopped).catch(() => null);
    return () => {
      stopped = true;
      void watcher.then((w) => w?.close());
    };
  });

  constructor(private readonly jail: PathJail) {}

  async readdir(dir: string): Promise<FsEntry[]> {
    const abs = await this.jail.resolveExisting(dir);
    const dirents = await readdir(abs, { withFileTypes: true });
    return dirents.filter((d) => !d.name.startsWith(TEMP_PREFIX)).map((d) => ({ name: d.name, type: entryType(d) }));
  }

  async stat(p: string): Promise<FsStat> {
    // lstat of the literal path after the parent is checked: a symlink reports as a symlink.
    const abs = p === '' ? await this.jail.resolveExisting('') : await this.jail.resolveTarget(p);
    return toStat(await lstat(abs));
  }

  async statEntries(dir: string, names: readonly string[]): Promise<(FsStat | null)[]> {
    const abs = await this.jail.resolveExisting(dir);
    return Promise.all(
      names.map((n) => {
        if (n.includes('/') || n === '..' || n === '.' || n.includes('\0')) return Promise.resolve(null);
        return lstat(path.join(abs, n)).then(toStat, () => null);
      }),
    );
  }

  async readFile(p: string, maxBytes: number): Promise<Uint8Array> {
    const { handle, stats } = await this.jail.openForRead(p);
    try {
      if (!stats.isFile()) throw fsError(stats.isDirectory() ? 'EISDIR' : 'EINVAL', `"${p}" is not a regular file`);
      if (stats.size > maxBytes) throw fsError('EFBIG', `"${p}" is ${stats.size} bytes, over the ${maxBytes}-byte limit`);
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  async readStream(p: string): Promise<{ size: number; stream: AsyncIterable<Uint8Array>; close(): Promise<void> }> {
    const { handle, stats } = await this.jail.openForRead(p);
    if (!stats.isFile()) {
      await handle.close();
      throw fsError(stats.isDirectory() ? 'EISDIR' : 'EINVAL', `"${p}" is not a regular file`);
    }
    return { size: stats.size, stream: handle.createReadStream({ autoClose: true }), close: () => handle.close().catch(() => {}) };
  }

  /** Opens each file through the jail exactly as readFile does (symlinks resolved and checked,
   * the descriptor re-checked, several hard links refused), then closes it unread. */
  readable(paths: readonly string[]): Promise<boolean[]> {
    return readableEach(paths, async (p) => {
      const { handle, stats } = await this.jail.openForRead(p);
      await handle.close();
      return stats.isFile();
    });
  }

  async writeFile(
    p: string,
    data: Uint8Array | AsyncIterable<Uint8Array>,
    opts: { exclusive?: boolean; maxBytes?: number } = {},
  ): Promise<FsStat> {
    const target = await this.jail.resolveTarget(p);
    const existing = await lstat(target).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (existing && opts.exclusive) throw fsError('EEXIST', `"${p}" already exists`);
    if (existing && !existing.isFile()) {
      throw existing.isDirectory() ? fsError('EISDIR', `"${p}" is a folder`) : new PathRefusedError(`"${p}" is not a regular file; it is not replaced`);
    }
    if (existing && existing.nlink > 1) {
      throw new PathRefusedError(`"${p}" has ${existing.nlink} hard links; it is not written because another link may lie outside the workspace`);
    }
    const mode = existing ? existing.mode & 0o7777 : 0o644;
    const temp = path.join(path.dirname(target), `${TEMP_PREFIX}${randomBytes(6).toString('hex')}`);
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
    let done = false;
    try {
      await this.jail.verifyDescriptor(handle, p);
      if (data instanceof Uint8Array) await handle.writeFile(data);
      else {
        let total = 0;
        for await (const chunk of data) {
          total += chunk.byteLength;
          if (opts.maxBytes !== undefined && total > opts.maxBytes) throw fsError('EFBIG', `"${p}" is over the ${opts.maxBytes}-byte limit`);
          await handle.write(chunk);
        }
      }
      await handle.chmod(mode); // umask may have narrowed the create mode
      await handle.sync();
      await handle.close();
      if (opts.exclusive) {
        // link() fails if the name exists: no window in which another writer is overwritten.
        await link(temp, target);
        await unlink(temp);
      } else {
        await rename(temp, target);
      }
      done = true;
    } finally {
      if (!done) {
        await handle.close().catch(() => {});
        await unlink(temp).catch(() => {});
      }
    }
    await this.syncDir(path.dirname(target));
    void this.sweepStaleTemps(path.dirname(target));
    return toStat(await lstat(target));
  }

  /** Remove temp files that killed saves left in `dir` (once per folder per process). */
  async sweepStaleTemps(dir: string): Promise<void> {
    if (this.swept.has(dir)) return;
    this.swept.add(dir);
    const names = await readdir(dir).catch(() => [] as string[]);
    const cutoff = Date.now() - STALE_TEMP_MS;
    await Promise.all(
      names
        .filter((n) => n.startsWith(TEMP_PREFIX))
        .map(async (n) => {
          const p = path.join(dir, n);
          const s = await lstat(p).catch(() => null);
          if (s?.isFile() && s.mtimeMs < cutoff) await unlink(p).catch(() => {});
        }),
    );
  }

  async mkdir(p: string): Promise<void> {
    await mkdir(await this.jail.resolveTarget(p));
  }

  async rm(p: string): Promise<void> {
    const target = await this.jail.resolveTarget(p);
    // lstat: a symlink is removed itself, never what it points to.
    const s = await lstat(target);
    await rm(target, { recursive: s.isDirectory(), force: false });
  }

  async rename(from: string, to: string): Promise<void> {
    const src = await this.jail.resolveTarget(from);
    const dst = await this.jail.resolveTarget(to);
    await lstat(src);
    const exists = await lstat(dst).then(
      () => true,
      (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? false : Promise.reject(err)),
    );
    if (exists) throw fsError('EEXIST', `"${to}" already exists`);
    if (isInside(src, dst)) throw fsError('EINVAL', `cannot move "${from}" into itself`);
    await rename(src, dst);
  }

  watch(listener: (events: FsEvent[]) => void): { dispose(): void } {
    return this.watches.subscribe(listener);
  }

  dispose(): void {
    this.watches.dispose();
  }

  /** chokidar on the real root; `closed()` tells whether it was stopped while the root resolved. */
  private async startWatcher(emit: (events: FsEvent[]) => void, closed: () => boolean): Promise<FSWatcher | null> {
    const root = await this.jail.rootReal();
    if (closed()) return null;
    const watcher = chokidarWatch(root, {
      ignoreInitial: true,
      followSymlinks: false,
      ignored: (p: string) => {
        const rel = path.relative(root, p).split(path.sep).join('/');
        return UNWATCHED.test(rel) || path.basename(p).startsWith(TEMP_PREFIX);
      },
    });
    const on = (type: FsEvent['type']) => (abs: string) => {
      const rel = path.relative(root, abs).split(path.sep).join('/');
      if (!rel.startsWith('..')) emit([{ type, path: rel }]);
    };
    for (const t of ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const) watcher.on(t, on(t));
    watcher.on('error', () => {
      /* a vanished directory mid-scan: chokidar carries on */
    });
    return watcher;
  }

  /** fsync the directory so the rename itself survives a crash. */
  private async syncDir(dir: string): Promise<void> {
    const h = await open(dir, constants.O_RDONLY).catch(() => null);
    if (!h) return;
    await h.sync().catch(() => {});
    await h.close();
  }
}
