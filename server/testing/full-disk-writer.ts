/**
 * Child process for the disk-full test: run inside a mount namespace whose <root> is a tiny tmpfs.
 * Saves a file, then tries to save a version larger than the free space through LocalFs, and
 * prints what happened as JSON: the error, the file afterwards, leftovers, the words a user sees.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { LocalFs } from '../runtimes/local/local-fs';
import { fsErrorToTrpc } from '../trpc/errors';
import { PathJail } from '../runtimes/path-jail';

const root = process.argv[2]!;
const fs = new LocalFs(new PathJail(root));
const old = 'old content, line after line\n'.repeat(700); // ~20 KB
await fs.writeFile('notes.txt', new TextEncoder().encode(old));
let error: { code?: string; said?: string; trpc?: string } | null = null;
try {
  await fs.writeFile('notes.txt', new Uint8Array(2 * 1024 * 1024).fill(0x42));
} catch (err) {
  const t = fsErrorToTrpc(err, 'notes.txt');
  error = { code: (err as NodeJS.ErrnoException).code, said: t.message, trpc: t.code };
}
const after = await readFile(path.join(root, 'notes.txt'), 'utf8');
process.stdout.write(
  JSON.stringify({ error, intact: after === old, leftovers: (await readdir(root)).filter((n) => n !== 'notes.txt') }) + '\n',
);
fs.dispose();
