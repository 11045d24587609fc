/**
 * A ustar writer for the worker image's root filesystem: directories, regular files (read from
 * this machine), symlinks and hard links, each with the owner and mode given — so /home/tether can
 * belong to the worker's user while everything else is root's, without chown on this machine.
 * Every entry has the same mtime, so the same inputs give the same bytes (the image's tag is
 * their hash).
 */
import { createReadStream } from 'node:fs';

export type TarEntry =
  | { type: 'dir'; path: string; mode: number; uid?: number; gid?: number }
  | { type: 'file'; path: string; mode: number; uid?: number; gid?: number; size: number; from: string }
  | { type: 'data'; path: string; mode: number; uid?: number; gid?: number; data: Uint8Array }
  | { type: 'symlink'; path: string; target: string }
  | { type: 'hardlink'; path: string; target: string };

const BLOCK = 512;
/** 2000-01-01: any fixed time; 0 makes some tools warn. */
const MTIME = 946_684_800;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** Split a path (no leading slash) into ustar's prefix (≤ 155) and name (≤ 100) fields. */
function splitName(p: string): [prefix: string, name: string] {
  if (Buffer.byteLength(p) <= 100) return ['', p];
  for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) {
    const prefix = p.slice(0, i);
    const name = p.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return [prefix, name];
  }
  throw new Error(`path too long for a ustar archive: ${p}`);
}

function header(e: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const rel = e.path.replace(/^\/+/, '') + (e.type === 'dir' ? '/' : '');
  const [prefix, name] = splitName(rel);
  const owned = e.type === 'symlink' || e.type === 'hardlink' ? { mode: 0o777, uid: 0, gid: 0 } : { mode: e.mode, uid: e.uid ?? 0, gid: e.gid ?? 0 };
  h.write(name, 0, 100, 'utf8');
  h.write(octal(owned.mode & 0o7777, 8), 100, 'ascii');
  h.write(octal(owned.uid, 8), 108, 'ascii');
  h.write(octal(owned.gid, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(MTIME, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii'); // checksum placeholder
  h.write({ dir: '5', file: '0', data: '0', symlink: '2', hardlink: '1' }[e.type], 156, 'ascii');
  // A symlink points where it says; a hard link names another entry of the archive.
  if (e.type === 'symlink') h.write(e.target, 157, 100, 'utf8');
  if (e.type === 'hardlink') h.write(e.target.replace(/^\/+/, ''), 157, 100, 'utf8');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

/** The archive, as chunks; a file whose size changed while being read is an error. */
export async function* tarStream(entries: readonly TarEntry[]): AsyncGenerator<Uint8Array> {
  for (const e of entries) {
    const size = e.type === 'file' ? e.size : e.type === 'data' ? e.data.byteLength : 0;
    yield header(e, size);
    if (e.type === 'data') yield e.data;
    if (e.type === 'file') {
      let read = 0;
      for await (const chunk of createReadStream(e.from, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
        read += chunk.length;
        if (read > size) break;
        yield chunk;
      }
      if (read !== size) throw new Error(`${e.from} changed while the worker image was made`);
    }
    if (size % BLOCK) yield Buffer.alloc(BLOCK - (size % BLOCK));
  }
  yield Buffer.alloc(BLOCK * 2);
}
