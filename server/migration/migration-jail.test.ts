/**
 * Migration moves file content only as the path jail allows: the working tree it captures holds
 * no file that fs.read would refuse (several hard links: one may be outside the workspace), and
 * the bundle is read and written through the runtimes' jailed file calls.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../runtimes/local/local-runtime';
import { MigrationError, SCRATCH } from './git-state';
import { migrateGitState } from './migrate';
import { copyBundle } from './transfer';

const ENV = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t', HOME: os.tmpdir() };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: { ...process.env, ...ENV } }).toString();
const SECRET = `TOPSECRET-${randomBytes(12).toString('hex')}`;
const run = { onProgress: () => {}, signal: new AbortController().signal };

let base: string;
let outside: string;

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'tether-migrate-jail-'));
  outside = path.join(base, 'outside');
  await mkdir(outside);
  await writeFile(path.join(outside, 'secret.txt'), `${SECRET}\n`);
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

async function repo(name: string): Promise<string> {
  const dir = path.join(base, name);
  await mkdir(dir);
  git(dir, 'init', '-q', '-b', 'main');
  await writeFile(path.join(dir, 'plain.txt'), 'plain\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'first');
  return dir;
}

/** Every byte under the target folder, and its git objects uncompressed when it is a repository. */
async function everything(dir: string): Promise<string> {
  const files = await readdir(dir, { recursive: true, withFileTypes: true });
  const bytes = await Promise.all(files.filter((f) => f.isFile()).map((f) => readFile(path.join(f.parentPath, f.name), 'latin1')));
  const objects = existsSync(path.join(dir, '.git')) ? git(dir, 'cat-file', '--batch-all-objects', '--batch') : '';
  return bytes.join('\n') + objects;
}

describe('migration and the path jail', () => {
  it('refuses to carry a working-tree file with several hard links, and copies nothing of it', async () => {
    const src = await repo('hard-src');
    await link(path.join(outside, 'secret.txt'), path.join(src, 'linked.txt'));
    const dst = path.join(base, 'hard-dst');
    await mkdir(dst);
    const err = await migrateGitState(new LocalRuntime(src, { env: ENV }), new LocalRuntime(dst, { env: ENV }), run).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as Error).message).toMatch(/linked\.txt/);
    await expect(lstat(path.join(dst, 'linked.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await everything(dst)).not.toContain(SECRET);
    await expect(lstat(path.join(src, SCRATCH))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a tracked file changed into a hard link too', async () => {
    const src = await repo('tracked-src');
    await rm(path.join(src, 'plain.txt'));
    await link(path.join(outside, 'secret.txt'), path.join(src, 'plain.txt'));
    const dst = path.join(base, 'tracked-dst');
    await mkdir(dst);
    await expect(migrateGitState(new LocalRuntime(src, { env: ENV }), new LocalRuntime(dst, { env: ENV }), run)).rejects.toThrow(/plain\.txt/);
    expect(await everything(dst)).not.toContain(SECRET);
  });

  it('carries a symlink that leads out as the link itself, never what it points to', async () => {
    const src = await repo('link-src');
    await symlink(path.join(outside, 'secret.txt'), path.join(src, 'out-link'));
    const dst = path.join(base, 'link-dst');
    await mkdir(dst);
    await migrateGitState(new LocalRuntime(src, { env: ENV }), new LocalRuntime(dst, { env: ENV }), run);
    expect(await readlink(path.join(dst, 'out-link'))).toBe(path.join(outside, 'secret.txt'));
    expect(await everything(dst)).not.toContain(SECRET);
  });

  it('reads the bundle through the jail: a bundle that leads out, or is hard-linked, is not copied', async () => {
    for (const kind of ['symlink', 'hard link'] as const) {
      const src = await repo(`bundle-src-${kind.replace(' ', '-')}`);
      await mkdir(path.join(src, SCRATCH));
      const bundle = path.join(src, SCRATCH, 'objects.bundle');
      await (kind === 'symlink' ? symlink : link)(path.join(outside, 'secret.txt'), bundle);
      const dst = await repo(`bundle-dst-${kind.replace(' ', '-')}`);
      await expect(copyBundle(new LocalRuntime(src), new LocalRuntime(dst), () => {}, new AbortController().signal)).rejects.toMatchObject({ code: 'bad_path' });
      await expect(readFile(path.join(dst, SCRATCH, 'objects.bundle'))).rejects.toMatchObject({ code: 'ENOENT' });
    }
  });
});
