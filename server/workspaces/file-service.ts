/**
 * File operations of the editor and tree on top of a workspace's RuntimeFs: paged listings,
 * reads with a content version and binary detection, and saves that refuse to overwrite a file
 * that changed since the editor read it.
 */
import { createHash } from 'node:crypto';
import { fsError, type FsStat, type RuntimeFs } from '../runtimes/runtime';
import { normalizeRelative } from '../runtimes/path-jail';
import { TetherError } from '../errors';
import { MAX_UPLOAD_BYTES } from '../../lib/shared/file-limits';

export { MAX_UPLOAD_BYTES };

export const MAX_EDIT_BYTES = 10 * 1024 * 1024;
export const LIST_DEFAULT_LIMIT = 1000;
export const LIST_MAX_LIMIT = 5000;
const BINARY_SNIFF_BYTES = 8192;

export interface ListedEntry {
  name: string;
  path: string;
  type: FsStat['type'];
  size: number;
  mtime: number;
}

export interface ReadResult {
  path: string;
  content: string | null;
  version: string;
  size: number;
  mtime: number;
  binary: boolean;
  tooLarge: boolean;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function contentVersion(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 32);
}

/** The text of `data`, or null when it looks binary (NUL early on, or not valid UTF-8). */
function asText(data: Uint8Array): string | null {
  if (data.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return null;
  try {
    return utf8.decode(data);
  } catch {
    return null;
  }
}

const join = (dir: string, name: string) => (dir === '' ? name : `${dir}/${name}`);

export class FileService {
  /** Saves of one path run one at a time, so version check and replace are not interleaved. */
  private readonly writing = new Map<string, Promise<unknown>>();

  async list(fs: RuntimeFs, dir: string, cursor: string | undefined, limit = LIST_DEFAULT_LIMIT) {
    const base = normalizeRelative(dir);
    const entries = await fs.readdir(base);
    entries.sort((a, b) => Number(b.type === 'dir') - Number(a.type === 'dir') || collator.compare(a.name, b.name));
    const start = cursor ? Math.max(0, Number.parseInt(cursor, 10) || 0) : 0;
    const page = entries.slice(start, start + Math.min(limit, LIST_MAX_LIMIT));
    // Only the page is stat'ed: a 10,000-entry folder costs one readdir and `limit` lstats.
    const stats = await fs.statEntries(base, page.map((e) => e.name));
    const listed: ListedEntry[] = page.map((e, i) => ({
      name: e.name,
      path: join(base, e.name),
      type: e.type,
      size: stats[i]?.size ?? 0,
      mtime: stats[i]?.mtime ?? 0,
    }));
    const end = start + page.length;
    return { entries: listed, nextCursor: end < entries.length ? String(end) : null };
  }

  async read(fs: RuntimeFs, path: string): Promise<ReadResult> {
    const p = normalizeRelative(path);
    const s = await fs.stat(p);
    if (s.type === 'file' && s.size > MAX_EDIT_BYTES) {
      return { path: p, content: null, version: `size:${s.size}:${s.mtime}`, size: s.size, mtime: s.mtime, binary: false, tooLarge: true };
    }
    const data = await fs.readFile(p, MAX_EDIT_BYTES);
    const content = asText(data);
    return {
      path: p,
      content,
      version: contentVersion(data),
      size: data.byteLength,
      mtime: s.mtime,
      binary: content === null,
      tooLarge: false,
    };
  }

  /**
   * Save `content` if the file still has `expectedVersion` (null: it must not exist yet); `force`
   * skips the check. The replace itself is atomic (RuntimeFs.writeFile).
   */
  write(fs: RuntimeFs, path: string, content: string, expectedVersion: string | null, force = false) {
    const p = normalizeRelative(path);
    return this.serialized(p, async () => {
      const data = new TextEncoder().encode(content);
      if (data.byteLength > MAX_EDIT_BYTES) {
        throw fsError('EFBIG', `the file would be ${data.byteLength} bytes, over the ${MAX_EDIT_BYTES}-byte limit`);
      }
      if (!force) {
        const current = await fs.readFile(p, MAX_EDIT_BYTES).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return null;
          throw err;
        });
        const currentVersion = current ? contentVersion(current) : null;
        if (currentVersion !== expectedVersion) {
          throw new TetherError(
            'conflict',
            current === null
              ? `"${p}" was deleted on disk since you opened it`
              : expectedVersion === null
                ? `"${p}" already exists`
                : `"${p}" changed on disk since you opened it`,
          );
        }
      }
      const s = await fs.writeFile(p, data);
      return { version: contentVersion(data), size: s.size, mtime: s.mtime };
    });
  }

  async create(fs: RuntimeFs, path: string, content = '') {
    const p = normalizeRelative(path);
    const data = new TextEncoder().encode(content);
    const s = await fs.writeFile(p, data, { exclusive: true });
    return { version: contentVersion(data), size: s.size, mtime: s.mtime };
  }

  private async serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.writing.get(key) ?? Promise.resolve();
    const next = prev.catch(() => {}).then(fn);
    this.writing.set(key, next);
    try {
      return await next;
    } finally {
      if (this.writing.get(key) === next) this.writing.delete(key);
    }
  }
}

