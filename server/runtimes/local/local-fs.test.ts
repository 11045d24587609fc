import { spawn } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PathJail } from '../path-jail';
import { LocalFs } from './local-fs';

let root: string;
let fs: LocalFs;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'tether-localfs-'));
  fs = new LocalFs(new PathJail(root));
});
afterAll(async () => {
  fs.dispose();
  await rm(root, { recursive: true, force: true });
});

describe('LocalFs', () => {
  it('leaves the old or the new file whole when the saving process is killed at any moment', async () => {
    const file = path.join(root, 'victim.bin');
    await writeFile(file, new Uint8Array(4 * 1024 * 1024).fill(0x41));
    const script = path.resolve(import.meta.dirname, '../../testing/atomic-writer.ts');
    for (let round = 0; round < 8; round++) {
      // node itself (not the tsx wrapper), so SIGKILL lands on the process that is writing.
      const child = spawn(process.execPath, ['--import', 'tsx', script, root, 'victim.bin'], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((r) => setTimeout(r, 20 + round * 37));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      expect(child.signalCode).toBe('SIGKILL');
      const data = await readFile(file);
      expect(data.byteLength).toBe(4 * 1024 * 1024);
      expect(data[0] === 0x41 || data[0] === 0x42).toBe(true);
      expect(data.every((b) => b === data[0])).toBe(true);
    }
    // Killed saves leave temp files behind — proof the kills landed mid-save — and listings hide them.
    const temps = (await readdir(root)).filter((n) => n.startsWith('.tether-tmp-'));
    expect(temps.length).toBeGreaterThan(0);
    const visible = await fs.readdir('');
    expect(visible.some((e) => e.name.startsWith('.tether-tmp-'))).toBe(false);
    for (const name of temps) await rm(path.join(root, name));
  });

  it('sweeps temp files of killed saves once they are an hour old, never fresh ones', async () => {
    await mkdir(path.join(root, 'sweep'));
    const old = path.join(root, 'sweep', '.tether-tmp-old');
    const fresh = path.join(root, 'sweep', '.tether-tmp-fresh');
    await writeFile(old, 'x');
    await writeFile(fresh, 'y');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
    await utimes(old, twoHoursAgo, twoHoursAgo);
    await fs.writeFile('sweep/doc.txt', new TextEncoder().encode('hi'));
    await fs.sweepStaleTemps(path.join(root, 'sweep')); // already swept by the write: a no-op
    await expect.poll(async () => (await readdir(path.join(root, 'sweep'))).sort()).toEqual(['.tether-tmp-fresh', 'doc.txt']);
  });

  it('removes a symlink itself, never its target', async () => {
    await writeFile(path.join(root, 'target.txt'), 'keep me');
    await symlink(path.join(root, 'target.txt'), path.join(root, 'alias'));
    await fs.rm('alias');
    expect(await readFile(path.join(root, 'target.txt'), 'utf8')).toBe('keep me');
    await expect(lstat(path.join(root, 'alias'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('creates exclusively and refuses to replace a folder with a file', async () => {
    await fs.writeFile('new.txt', new TextEncoder().encode('a'), { exclusive: true });
    await expect(fs.writeFile('new.txt', new TextEncoder().encode('b'), { exclusive: true })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(path.join(root, 'new.txt'), 'utf8')).toBe('a');
    await mkdir(path.join(root, 'folder'));
    await expect(fs.writeFile('folder', new Uint8Array())).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it('refuses an oversized stream and keeps the old content', async () => {
    await writeFile(path.join(root, 'up.bin'), 'old');
    async function* chunks() {
      for (let i = 0; i < 10; i++) yield new Uint8Array(1000);
    }
    await expect(fs.writeFile('up.bin', chunks(), { maxBytes: 5000 })).rejects.toMatchObject({ code: 'EFBIG' });
    expect(await readFile(path.join(root, 'up.bin'), 'utf8')).toBe('old');
  });
});
