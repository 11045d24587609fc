/**
 * A mirror's memory, on disk under DATA_DIR/mirrors/<id>/: the last version of each path both
 * sides agreed on (state.json, replaced atomically), the open conflicts, and a content store of
 * the versions a conflict holds (blobs/<sha256>), so neither side's edit can be lost while the
 * user decides. What is on disk may lag what was done (it is written shortly after); that is safe:
 * a path whose two sides match is agreed again on the next reconcile, whatever the file said.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { EntryType } from './scan';

/** What both sides agreed a path is. `sig*`: each side's size and mtime when it matched, so an
 * unchanged file need not be hashed again. */
export interface Agreed {
  type: EntryType;
  hash?: string;
  mode: number;
  target?: string;
  size: number;
  sigA?: string;
  sigB?: string;
}

/** One side's version in a conflict: absent (deleted), or what it held (a file's content is in blobs). */
export interface ConflictSide {
  type: EntryType | null;
  hash?: string;
  size?: number;
  mode?: number;
  target?: string;
}

export interface Conflict {
  path: string;
  a: ConflictSide;
  b: ConflictSide;
  detectedAt: number;
}

interface StateFile {
  version: 1;
  agreed: Record<string, Agreed>;
  conflicts: Record<string, Conflict>;
}

const SAVE_DELAY_MS = 200;

export class StateStore {
  readonly agreed = new Map<string, Agreed>();
  readonly conflicts = new Map<string, Conflict>();
  private timer: NodeJS.Timeout | null = null;
  private saving: Promise<void> = Promise.resolve();

  constructor(readonly dir: string) {}

  private get file(): string {
    return path.join(this.dir, 'state.json');
  }

  async load(): Promise<void> {
    await mkdir(path.join(this.dir, 'blobs'), { recursive: true, mode: 0o700 });
    const text = await readFile(this.file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (!text) return;
    const s = JSON.parse(text) as StateFile;
    for (const [p, a] of Object.entries(s.agreed)) this.agreed.set(p, a);
    for (const [p, c] of Object.entries(s.conflicts)) this.conflicts.set(p, c);
  }

  /** Write soon (changes come in bursts). */
  changed(): void {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, SAVE_DELAY_MS);
  }

  /** Write now (after the pending write, if any). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const data: StateFile = { version: 1, agreed: Object.fromEntries(this.agreed), conflicts: Object.fromEntries(this.conflicts) };
    this.saving = this.saving.then(() => writeAtomic(this.file, JSON.stringify(data))).catch(() => {});
    return this.saving;
  }

  blobPath(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error('not a content hash');
    return path.join(this.dir, 'blobs', hash);
  }

  /** Keep a version's content (streamed); resolves to its hash as received. */
  async putBlob(stream: AsyncIterable<Uint8Array>): Promise<string> {
    const tmp = path.join(this.dir, 'blobs', `.tmp-${randomBytes(6).toString('hex')}`);
    const h = createHash('sha256');
    async function* tee() {
      for await (const chunk of stream) {
        h.update(chunk);
        yield chunk;
      }
    }
    await pipeline(tee, createWriteStream(tmp, { mode: 0o600 }));
    const hash = h.digest('hex');
    await rename(tmp, this.blobPath(hash));
    return hash;
  }

  async hasBlob(hash: string): Promise<boolean> {
    return stat(this.blobPath(hash)).then(
      () => true,
      () => false,
    );
  }

  blobStream(hash: string): AsyncIterable<Uint8Array> {
    return createReadStream(this.blobPath(hash));
  }

  async readBlob(hash: string, maxBytes: number): Promise<Buffer | null> {
    const s = await stat(this.blobPath(hash)).catch(() => null);
    if (!s || s.size > maxBytes) return null;
    return readFile(this.blobPath(hash));
  }

  /** Drop blobs no open conflict refers to. */
  async pruneBlobs(hashes: Iterable<string | undefined>): Promise<void> {
    const used = new Set<string>();
    for (const c of this.conflicts.values()) for (const h of [c.a.hash, c.b.hash]) if (h) used.add(h);
    for (const h of hashes) if (h && !used.has(h)) await unlink(this.blobPath(h)).catch(() => {});
  }

  async dispose(): Promise<void> {
    if (this.timer) await this.flush();
    await this.saving;
  }

  /** Remove everything of this mirror (it was removed). */
  async destroy(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.saving;
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const h = await open(tmp, 'w', 0o600);
  try {
    await h.writeFile(text);
    await h.sync();
  } finally {
    await h.close();
  }
  await rename(tmp, file);
}
