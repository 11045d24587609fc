/**
 * Workspace files on an SSH host, over one SFTP session per runtime. The same path rules as
 * local files: every path is checked (no `..`, absolute, NUL…) and resolved with the server's
 * realpath before any I/O, so symlinks that lead out of the workspace are refused. Writes are
 * atomic: a temp file in the same folder, fsync (fsync@openssh.com when offered), then
 * posix-rename@openssh.com over the target (plain SFTP rename, which never overwrites, for
 * `exclusive`). Changes are found by polling, since SFTP has no notifications.
 *
 * Not checked remotely, unlike locally: hard-link counts (SFTP does not report them) and a symlink
 * swapped in between the check and the open (no /proc/self/fd on the far side).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { FileEntryWithStats, SFTPWrapper, Stats } from 'ssh2';
import { fsError, readableByOpening, type FsEntry, type FsEntryType, type FsEvent, type FsStat, type RuntimeFs } from '../runtime';
import { PathRefusedError, isInside, normalizeRelative, resolveWithin, targetWithin } from '../path-jail';
import { WatchFanout } from '../watch-fanout';

const TEMP_PREFIX = '.tether-tmp-';
const UNWATCHED = /^(node_modules|\.git)$/;
/** Chunk size for reads and writes (OpenSSH serves up to 256 KiB per request; ssh2 splits). */
const IO_CHUNK = 64 * 1024;
const S_IFMT = 0o170000;

/** SFTP status codes → errno codes. */
const SFTP_STATUS: Record<number, string> = { 2: 'ENOENT', 3: 'EACCES', 4: 'EIO', 5: 'EPROTO', 6: 'ENOTCONN', 7: 'ECONNRESET', 8: 'ENOSYS' };

function sftpError(err: unknown, rel: string): Error {
  const e = err as { code?: unknown; message?: string };
  if (typeof e?.code === 'number') {
    const code = SFTP_STATUS[e.code] ?? 'EIO';
    return fsError(code, code === 'EIO' ? `"${rel}": the server reported a failure (${e.message})` : `"${rel}": ${e.message}`);
  }
  return err as Error;
}

function typeOf(mode: number): FsEntryType {
  switch (mode & S_IFMT) {
    case 0o120000:
      return 'symlink';
    case 0o040000:
      return 'dir';
    case 0o100000:
      return 'file';
    default:
      return 'other';
  }
}

function toStat(s: Stats): FsStat {
  return { type: typeOf(s.mode), size: s.size, mtime: s.mtime * 1000, mode: s.mode & 0o7777 };
}

/** A Node-style callback call as a promise (ssh2's SFTP and channel APIs). */
export function call<T>(fn: (cb: (err: Error | null | undefined, v: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));
}

export interface SftpSource {
  /** The runtime's SFTP session (opened, or re-opened after a drop, on demand). */
  sftp(): Promise<SFTPWrapper>;
}

export class SftpFs implements RuntimeFs {
  private realRoot: Promise<string> | undefined;
  private readonly watches = new WatchFanout((emit) => {
    const timer = setInterval(() => void this.poll(emit), this.opts.watchIntervalMs);
    timer.unref();
    void this.poll(emit);
    return () => {
      clearInterval(timer);
      this.snapshot = null;
    };
  });
  private snapshot: Map<string, string> | null = null;
  private polling = false;

  constructor(
    private readonly source: SftpSource,
    /** As configured: absolute, `~/x` or relative to the login directory. */
    readonly root: string,
    private readonly opts: { watchIntervalMs: number; maxWatchedEntries: number },
  ) {}

  /** The root's real absolute path on the server (resolved once per success). */
  rootReal(): Promise<string> {
    const r = (this.realRoot ??= (async () => {
      const sftp = await this.source.sftp();
      const given = this.root === '~' ? '.' : this.root.startsWith('~/') ? this.root.slice(2) : this.root;
      const real = await call<string>((cb) => sftp.realpath(given, cb)).catch((err) => Promise.reject(sftpError(err, '')));
      const s = await call<Stats>((cb) => sftp.stat(real, cb)).catch((err) => Promise.reject(sftpError(err, '')));
      if (!s.isDirectory()) throw fsError('ENOTDIR', `the workspace folder ${this.root} is not a folder on the server`);
      return real;
    })());
    r.catch(() => {
      if (this.realRoot === r) this.realRoot = undefined;
    });
    return r;
  }

  async resolveExisting(rel: string): Promise<string> {
    const root = await this.rootReal();
    // The root was resolved and checked once: no round trip for it.
    if (normalizeRelative(rel) === '') return root;
    return resolveWithin(rel, root, async (abs) => {
      const sftp = await this.source.sftp();
      return call<string>((cb) => sftp.realpath(abs, cb)).catch((err) => Promise.reject(sftpError(err, rel)));
    });
  }

  async resolveTarget(rel: string): Promise<string> {
    return targetWithin(rel, (parent) => this.resolveExisting(parent));
  }

  async readdir(dir: string): Promise<FsEntry[]> {
    const abs = await this.resolveExisting(dir);
    const sftp = await this.source.sftp();
    const list = await call<FileEntryWithStats[]>((cb) => sftp.readdir(abs, cb)).catch((err) => Promise.reject(sftpError(err, dir)));
    return list.filter((e) => !e.filename.startsWith(TEMP_PREFIX)).map((e) => ({ name: e.filename, type: typeOf(e.attrs.mode) }));
  }

  async stat(p: string): Promise<FsStat> {
    const abs = p === '' ? await this.resolveExisting('') : await this.resolveTarget(p);
    return toStat(await this.lstatAbs(abs, p));
  }

  async statEntries(dir: string, names: readonly string[]): Promise<(FsStat | null)[]> {
    const abs = await this.resolveExisting(dir);
    const sftp = await this.source.sftp();
    return Promise.all(
      names.map((n) => {
        if (n.includes('/') || n === '..' || n === '.' || n.includes('\0')) return Promise.resolve(null);
        return call<Stats>((cb) => sftp.lstat(path.posix.join(abs, n), cb)).then(toStat, () => null);
      }),
    );
  }

  async readFile(p: string, maxBytes: number): Promise<Uint8Array> {
    const { stream, close } = await this.readStream(p, maxBytes);
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      for await (const c of stream) {
        total += c.byteLength;
        if (total > maxBytes) throw fsError('EFBIG', `"${p}" is over the ${maxBytes}-byte limit`);
        chunks.push(c);
      }
    } finally {
      await close();
    }
    return Buffer.concat(chunks);
  }

  async readStream(p: string, maxBytes = Number.MAX_SAFE_INTEGER): Promise<{ size: number; stream: AsyncIterable<Uint8Array>; close(): Promise<void> }> {
    const abs = await this.resolveExisting(p);
    const sftp = await this.source.sftp();
    const handle = await call<Buffer>((cb) => sftp.open(abs, 'r', cb)).catch((err) => Promise.reject(sftpError(err, p)));
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await call<void>((cb) => sftp.close(handle, cb as never)).catch(() => {});
    };
    try {
      const s = await call<Stats>((cb) => sftp.fstat(handle, cb));
      if (!s.isFile()) throw fsError(s.isDirectory() ? 'EISDIR' : 'EINVAL', `"${p}" is not a regular file`);
      if (s.size > maxBytes) throw fsError('EFBIG', `"${p}" is ${s.size} bytes, over the ${maxBytes}-byte limit`);
      const stream = async function* () {
        let pos = 0;
        try {
          for (;;) {
            const buf = Buffer.allocUnsafe(IO_CHUNK);
            const n = await new Promise<number>((resolve, reject) =>
              sftp.read(handle, buf, 0, IO_CHUNK, pos, (err, bytes) => (err ? ((err as { code?: number }).code === 1 ? resolve(0) : reject(sftpError(err, p))) : resolve(bytes))),
            );
            if (n === 0) return;
            pos += n;
            yield buf.subarray(0, n);
          }
        } finally {
          await close();
        }
      };
      return { size: s.size, stream: stream(), close };
    } catch (err) {
      await close();
      throw err;
    }
  }

  /** Opened (and closed unread) like readStream: inside after the server's realpath, a regular
   * file. The hard-link count is not known over SFTP (see the top of this file). */
  readable(paths: readonly string[]): Promise<boolean[]> {
    return readableByOpening(this, paths);
  }

  async writeFile(p: string, data: Uint8Array | AsyncIterable<Uint8Array>, opts: { exclusive?: boolean; maxBytes?: number } = {}): Promise<FsStat> {
    const target = await this.resolveTarget(p);
    const sftp = await this.source.sftp();
    const existing = await call<Stats>((cb) => sftp.lstat(target, cb)).catch((err: { code?: number }) => (err.code === 2 ? null : Promise.reject(sftpError(err, p))));
    if (existing && opts.exclusive) throw fsError('EEXIST', `"${p}" already exists`);
    if (existing && !existing.isFile()) {
      throw existing.isDirectory() ? fsError('EISDIR', `"${p}" is a folder`) : new PathRefusedError(`"${p}" is not a regular file; it is not replaced`);
    }
    const mode = existing ? existing.mode & 0o7777 : 0o644;
    const temp = path.posix.join(path.posix.dirname(target), `${TEMP_PREFIX}${randomBytes(6).toString('hex')}`);
    // 'wx': O_CREAT|O_EXCL, never an existing file (or a symlink planted under the temp name).
    const handle = await call<Buffer>((cb) => sftp.open(temp, 'wx', { mode }, cb)).catch((err) => Promise.reject(sftpError(err, p)));
    let done = false;
    try {
      let pos = 0;
      const put = async (chunk: Uint8Array) => {
        for (let off = 0; off < chunk.byteLength; off += IO_CHUNK) {
          const piece = Buffer.from(chunk.buffer, chunk.byteOffset + off, Math.min(IO_CHUNK, chunk.byteLength - off));
          await call<void>((cb) => sftp.write(handle, piece, 0, piece.length, pos, cb as never)).catch((err) => Promise.reject(sftpError(err, p)));
          pos += piece.length;
        }
      };
      if (data instanceof Uint8Array) await put(data);
      else {
        for await (const chunk of data) {
          if (opts.maxBytes !== undefined && pos + chunk.byteLength > opts.maxBytes) throw fsError('EFBIG', `"${p}" is over the ${opts.maxBytes}-byte limit`);
          await put(chunk);
        }
      }
      await call<void>((cb) => sftp.fchmod(handle, mode, cb as never)).catch(() => {});
      await call<unknown>((cb) => sftp.ext_openssh_fsync(handle, cb as never)).catch(() => {}); // not every server offers it
      await call<void>((cb) => sftp.close(handle, cb as never));
      if (opts.exclusive) {
        // SFTP rename refuses an existing target: no window in which another writer is overwritten.
        await call<void>((cb) => sftp.rename(temp, target, cb as never)).catch(async (err) => {
          const now = await call<Stats>((cb) => sftp.lstat(target, cb)).catch(() => null);
          throw now ? fsError('EEXIST', `"${p}" already exists`) : sftpError(err, p);
        });
      } else {
        await call<void>((cb) => sftp.ext_openssh_rename(temp, target, cb as never)).catch((err) => Promise.reject(sftpError(err, p)));
      }
      done = true;
    } finally {
      if (!done) {
        await call<void>((cb) => sftp.close(handle, cb as never)).catch(() => {});
        await call<void>((cb) => sftp.unlink(temp, cb as never)).catch(() => {});
      }
    }
    return toStat(await this.lstatAbs(target, p));
  }

  async mkdir(p: string): Promise<void> {
    const target = await this.resolveTarget(p);
    const sftp = await this.source.sftp();
    // SFTP reports an existing name as a generic failure; say what it is.
    if (await this.lstatAbs(target, p).catch(() => null)) throw fsError('EEXIST', `"${p}" already exists`);
    await call<void>((cb) => sftp.mkdir(target, cb as never)).catch((err) => Promise.reject(sftpError(err, p)));
  }

  async rm(p: string): Promise<void> {
    const target = await this.resolveTarget(p);
    const sftp = await this.source.sftp();
    const remove = async (abs: string, rel: string): Promise<void> => {
      const s = await this.lstatAbs(abs, rel);
      if (!s.isDirectory()) {
        await call<void>((cb) => sftp.unlink(abs, cb as never)).catch((err) => Promise.reject(sftpError(err, rel)));
        return;
      }
      const list = await call<FileEntryWithStats[]>((cb) => sftp.readdir(abs, cb)).catch((err) => Promise.reject(sftpError(err, rel)));
      for (const e of list) await remove(path.posix.join(abs, e.filename), `${rel}/${e.filename}`);
      await call<void>((cb) => sftp.rmdir(abs, cb as never)).catch((err) => Promise.reject(sftpError(err, rel)));
    };
    await remove(target, p);
  }

  async rename(from: string, to: string): Promise<void> {
    const src = await this.resolveTarget(from);
    const dst = await this.resolveTarget(to);
    const sftp = await this.source.sftp();
    await this.lstatAbs(src, from);
    if (await this.lstatAbs(dst, to).catch(() => null)) throw fsError('EEXIST', `"${to}" already exists`);
    if (isInside(src, dst)) throw fsError('EINVAL', `cannot move "${from}" into itself`);
    await call<void>((cb) => sftp.rename(src, dst, cb as never)).catch((err) => Promise.reject(sftpError(err, from)));
  }

  /** Changes found by comparing a listing of the tree (type, size, mtime) every `watchIntervalMs`. */
  watch(listener: (events: FsEvent[]) => void): { dispose(): void } {
    return this.watches.subscribe(listener);
  }

  dispose(): void {
    this.watches.dispose();
  }

  private async poll(emit: (events: FsEvent[]) => void): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const next = await this.listTree();
      const prev = this.snapshot;
      this.snapshot = next;
      if (!prev) return;
      const events: FsEvent[] = [];
      for (const [p, sig] of next) {
        const old = prev.get(p);
        const isDir = sig.startsWith('d');
        if (old === undefined) events.push({ type: isDir ? 'addDir' : 'add', path: p });
        else if (old !== sig && !isDir) events.push({ type: 'change', path: p });
      }
      for (const [p, sig] of prev) if (!next.has(p)) events.push({ type: sig.startsWith('d') ? 'unlinkDir' : 'unlink', path: p });
      if (events.length && this.watches.active) emit(events);
    } catch {
      // The host is unreachable for now; the next poll tries again.
    } finally {
      this.polling = false;
    }
  }

  /** path → "type:size:mtime" for the tree, breadth first, at most maxWatchedEntries entries. */
  private async listTree(): Promise<Map<string, string>> {
    const root = await this.rootReal();
    const sftp = await this.source.sftp();
    const out = new Map<string, string>();
    const queue: string[] = [''];
    while (queue.length && out.size < this.opts.maxWatchedEntries) {
      const rel = queue.shift()!;
      const list = await call<FileEntryWithStats[]>((cb) => sftp.readdir(rel ? path.posix.join(root, rel) : root, cb)).catch(() => []);
      for (const e of list) {
        if (e.filename.startsWith(TEMP_PREFIX)) continue;
        const p = rel ? `${rel}/${e.filename}` : e.filename;
        const t = typeOf(e.attrs.mode);
        out.set(p, t === 'dir' ? 'd' : `${t[0]}:${e.attrs.size}:${e.attrs.mtime}`);
        if (t === 'dir' && !UNWATCHED.test(e.filename)) queue.push(p);
      }
    }
    return out;
  }

  private async lstatAbs(abs: string, rel: string): Promise<Stats> {
    const sftp = await this.source.sftp();
    return call<Stats>((cb) => sftp.lstat(abs, cb)).catch((err) => Promise.reject(sftpError(err, rel)));
  }
}
