import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../runtimes/local/local-runtime';
import { cloneInto, isCloneUrl } from './clone';

let base: string;
let repo: string;
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).toString().trim();

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'tether-clone-'));
  repo = path.join(base, 'src');
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  await writeFile(path.join(repo, 'a.txt'), 'one\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'first');
  git(repo, 'tag', 'v1');
  git(repo, 'checkout', '-qb', 'feature');
  await writeFile(path.join(repo, 'b.txt'), 'two\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'second');
});
afterAll(() => rm(base, { recursive: true, force: true }));

describe('cloneInto', () => {
  it('carries a repository from this server with every branch and tag, on its current branch', async () => {
    const dest = await mkdtemp(path.join(base, 'dest-'));
    await cloneInto(new LocalRuntime(dest, { env: { HOME: base } }), repo, { allowLocalPath: true });
    expect(git(dest, 'branch', '--show-current')).toBe('feature');
    expect(git(dest, 'branch', '--format=%(refname:short)').split('\n').sort()).toEqual(['feature', 'main']);
    expect(git(dest, 'tag')).toBe('v1');
    expect(git(dest, 'rev-parse', 'HEAD')).toBe(git(repo, 'rev-parse', 'HEAD'));
    expect(await readFile(path.join(dest, 'b.txt'), 'utf8')).toBe('two\n');
    expect((await readdir(dest)).sort()).toEqual(['.git', 'a.txt', 'b.txt']); // no bundle left behind
  });

  it('refuses sources that are neither a git URL nor (for admins) a local repository', async () => {
    const dest = await mkdtemp(path.join(base, 'dest-'));
    const rt = new LocalRuntime(dest, { env: { HOME: base } });
    await expect(cloneInto(rt, repo, { allowLocalPath: false })).rejects.toThrow(/only an admin/);
    await expect(cloneInto(rt, base, { allowLocalPath: true })).rejects.toThrow(/not a git repository/);
    await expect(cloneInto(rt, 'relative/path', { allowLocalPath: true })).rejects.toThrow(/git URL/);
    await expect(cloneInto(rt, '--upload-pack=touch /tmp/x', { allowLocalPath: true })).rejects.toThrow(/git URL/);
  });

  it('recognises clone URLs', () => {
    expect(isCloneUrl('https://github.com/a/b.git')).toBe(true);
    expect(isCloneUrl('git@github.com:a/b.git')).toBe(true);
    expect(isCloneUrl('ssh://git@host/a/b')).toBe(true);
    expect(isCloneUrl('-oProxyCommand=x')).toBe(false);
    expect(isCloneUrl('/abs/path')).toBe(false);
  });
});
