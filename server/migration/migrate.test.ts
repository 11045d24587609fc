/**
 * Round trip of a workspace's git state local → SSH (real sshd) → cloud (worker agent) → local,
 * on a repository with history on a non-default branch, staged + unstaged + untracked + deleted
 * files, a binary, an executable, an ignored file and names with spaces and quotes. Each hop is
 * verified, and the source of each hop is byte-for-byte unchanged by the capture.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile, lstat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../log';
import { CloudRuntime } from '../runtimes/cloud/cloud-runtime';
import { LocalRuntime } from '../runtimes/local/local-runtime';
import type { Runtime } from '../runtimes/runtime';
import { SshPool } from '../runtimes/ssh/pool';
import { DirectSshRuntime } from '../runtimes/ssh/ssh-runtime';
import { startSshd, type TestSshd } from '../testing/sshd';
import { testPoolTarget } from '../testing/ssh-pool-target';
import { startAgent, type Agent } from '../worker/agent';
import { captureState, MigrationError } from './git-state';
import { migrateGitState, type MigrationProgress } from './migrate';

const ENV = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t', HOME: os.tmpdir() };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: { ...process.env, ...ENV } }).toString();
const WEIRD = `it's "quoted" & spaced $(x).txt`;

let base: string;
let sshd: TestSshd;
let pool: SshPool;
let agent: Agent;
const secret = randomBytes(24).toString('base64url');

/** Every file under `dir` (including .git) with its bytes and mode, for "unchanged" checks. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string) => {
    for (const name of await readdir(path.join(dir, rel))) {
      const p = path.join(rel, name);
      const s = await lstat(path.join(dir, p));
      if (s.isDirectory()) {
        // New loose objects from capturing (never referenced) are the one allowed addition.
        if (p === path.join('.git', 'objects')) continue;
        await walk(p);
      } else out.set(p, `${s.mode}:${createHash('sha256').update(await readFile(path.join(dir, p))).digest('hex')}`);
    }
  };
  await walk('');
  return out;
}

async function makeRepo(dir: string): Promise<void> {
  git(dir, 'init', '-q', '-b', 'main');
  await writeFile(path.join(dir, '.gitignore'), 'build/\n');
  await writeFile(path.join(dir, 'keep.txt'), 'keep\n');
  await writeFile(path.join(dir, 'gone.txt'), 'to be deleted\n');
  await writeFile(path.join(dir, 'staged.txt'), 'v1\n');
  await writeFile(path.join(dir, 'unstaged.txt'), 'v1\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'first');
  git(dir, 'checkout', '-qb', 'feature/x');
  await writeFile(path.join(dir, 'feature.txt'), 'on a branch\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'second');
  git(dir, 'tag', '-a', 'v1', '-m', 'tagged');
  // The working state to carry:
  await writeFile(path.join(dir, 'staged.txt'), 'v2 staged\n');
  git(dir, 'add', 'staged.txt');
  await writeFile(path.join(dir, 'staged.txt'), 'v3 staged then edited\n');
  await writeFile(path.join(dir, 'unstaged.txt'), 'v2 unstaged\n');
  await rm(path.join(dir, 'gone.txt'));
  await writeFile(path.join(dir, 'blob.bin'), randomBytes(70_000));
  await writeFile(path.join(dir, 'run.sh'), '#!/bin/sh\necho run\n');
  await chmod(path.join(dir, 'run.sh'), 0o755);
  await writeFile(path.join(dir, WEIRD), 'weird name\n');
  await mkdir(path.join(dir, 'build'));
  await writeFile(path.join(dir, 'build', 'ignored.o'), 'ignored');
}

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'tether-migrate-'));
  sshd = await startSshd();
  pool = new SshPool({ log: silentLogger });
  const cloudDir = path.join(base, 'cloud');
  await mkdir(cloudDir);
  agent = await startAgent({ root: cloudDir, secret, host: '127.0.0.1', port: 0, log: silentLogger, env: { HOME: base } });
}, 60_000);
afterAll(async () => {
  await agent?.close();
  pool?.dispose();
  await sshd?.close();
  await rm(base, { recursive: true, force: true });
});

describe('migrating git state', () => {
  it('round-trips local → SSH → cloud → local with everything intact and each source unchanged', async () => {
    const src = path.join(base, 'src');
    await mkdir(src);
    await makeRepo(src);
    const local = new LocalRuntime(src, { env: ENV });
    const remoteRoot = await sshd.makeRemoteDir('migrated');
    const ssh = new DirectSshRuntime({ pool, target: testPoolTarget(sshd), root: remoteRoot });
    const cloud = new CloudRuntime({ endpoint: async () => ({ url: agent.url, secret }), id: 'cloud:m', log: silentLogger });
    const back = path.join(base, 'back');
    await mkdir(back);
    const home = new LocalRuntime(back, { env: ENV });

    const original = await captureState(local);
    expect(original.branch).toBe('feature/x');
    const hops: [string, Runtime, Runtime, string][] = [
      ['local → ssh', local, ssh, src],
      ['ssh → cloud', ssh, cloud, remoteRoot],
      ['cloud → local', cloud, home, path.join(base, 'cloud')],
    ];
    for (const [name, from, to, fromDir] of hops) {
      const before = await snapshot(fromDir);
      const steps: MigrationProgress[] = [];
      const out = await migrateGitState(from, to, { onProgress: (p) => steps.push(p), signal: new AbortController().signal });
      expect(out.state, name).toEqual(original);
      expect(steps.map((s) => s.step).filter((s, i, a) => a.indexOf(s) === i), name).toEqual(['capture', 'pack', 'transfer', 'restore', 'verify']);
      expect(steps.filter((s) => s.step === 'transfer').at(-1)?.bytes, name).toBe(out.bytes);
      expect(await snapshot(fromDir), `${name}: source unchanged`).toEqual(before);
    }
    // Plain git agrees, file by file, at the end of the trip.
    expect(git(back, 'status', '--porcelain=v1', '-z').split('\0').filter(Boolean).sort()).toEqual(git(src, 'status', '--porcelain=v1', '-z').split('\0').filter(Boolean).sort());
    expect(git(back, 'rev-parse', 'HEAD', 'v1', 'main')).toBe(git(src, 'rev-parse', 'HEAD', 'v1', 'main'));
    expect(await readFile(path.join(back, 'blob.bin'))).toEqual(await readFile(path.join(src, 'blob.bin')));
    expect((await lstat(path.join(back, 'run.sh'))).mode & 0o777).toBe(0o755);
    expect(await readFile(path.join(back, WEIRD), 'utf8')).toBe('weird name\n');
    expect(await readFile(path.join(back, 'staged.txt'), 'utf8')).toBe('v3 staged then edited\n');
    expect(git(back, 'show', ':staged.txt')).toBe('v2 staged\n');
    await expect(lstat(path.join(back, 'gone.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(lstat(path.join(back, 'build'))).rejects.toMatchObject({ code: 'ENOENT' }); // ignored files stay behind
    await ssh.dispose();
    await cloud.dispose();
  });

  it('sends only what the target lacks when it already has the history', async () => {
    const a = path.join(base, 'inc-a');
    const b = path.join(base, 'inc-b');
    await mkdir(a);
    await mkdir(b);
    git(a, 'init', '-q', '-b', 'main');
    for (let i = 0; i < 20; i++) await writeFile(path.join(a, `f${i}.bin`), randomBytes(50_000));
    git(a, 'add', '.');
    git(a, 'commit', '-qm', 'big');
    const full = await migrateGitState(new LocalRuntime(a, { env: ENV }), new LocalRuntime(b, { env: ENV }), { onProgress: () => {}, signal: new AbortController().signal });
    await writeFile(path.join(a, 'small.txt'), 'small change\n');
    const again = await migrateGitState(new LocalRuntime(a, { env: ENV }), new LocalRuntime(b, { env: ENV }), { onProgress: () => {}, signal: new AbortController().signal });
    expect(full.incremental).toBe(false);
    expect(again.incremental).toBe(true);
    expect(again.bytes).toBeLessThan(full.bytes / 20);
  });

  it('refuses a folder that is not a repository, and stops when cancelled', async () => {
    const plain = path.join(base, 'plain');
    await mkdir(plain);
    const target = path.join(base, 'nowhere');
    await mkdir(target);
    await expect(migrateGitState(new LocalRuntime(plain), new LocalRuntime(target), { onProgress: () => {}, signal: new AbortController().signal })).rejects.toBeInstanceOf(MigrationError);
    const src = path.join(base, 'cancel-src');
    await mkdir(src);
    await makeRepo(src);
    const ctl = new AbortController();
    const run = migrateGitState(new LocalRuntime(src, { env: ENV }), new LocalRuntime(target, { env: ENV }), {
      onProgress: (p) => p.step === 'pack' && ctl.abort(),
      signal: ctl.signal,
    });
    await expect(run).rejects.toThrow(/cancelled/);
    expect((await readdir(path.join(src, '.git'))).includes('tether-migration')).toBe(false);
  });
});
