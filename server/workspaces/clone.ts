/**
 * Fill a new workspace with a git repository: `git clone` of a URL run by the workspace's own
 * runtime (the worker fetches it), or — for admins — a repository on this server, carried over as
 * a git bundle (all branches and tags) through the runtime's files, so it works for any runtime
 * without the worker seeing this machine's disk.
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Runtime } from '../runtimes/runtime';
import { TetherError } from '../errors';

const run = promisify(execFile);
const CLONE_TIMEOUT_MS = 5 * 60_000;
const BUNDLE_NAME = '.tether-clone.bundle';
/** https://…, ssh://…, git://… or scp-like user@host:path. */
const URL_PATTERN = /^(?:(?:https?|ssh|git):\/\/[^\s]+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+)$/;

/** The source cannot be cloned (not a repository, refused, git failed): the request's fault. */
export class CloneError extends TetherError {
  constructor(message: string, options?: ErrorOptions) {
    super('bad_request', message, options);
  }
}

export function isCloneUrl(source: string): boolean {
  return URL_PATTERN.test(source) && !source.startsWith('-');
}

async function git(rt: Runtime, argv: string[], what: string): Promise<void> {
  const r = await rt.exec(['git', ...argv], { timeoutMs: CLONE_TIMEOUT_MS });
  if (r.code !== 0) {
    const why = Buffer.from(r.stderr).toString().trim().split('\n').slice(-3).join(' ');
    throw new CloneError(`${what} failed: ${why || (r.signal ? `killed (${r.signal})` : `exit code ${r.code}`)}`);
  }
}

/** Clone `source` into the (empty) root of the runtime's workspace. */
export async function cloneInto(rt: Runtime, source: string, opts: { allowLocalPath: boolean }): Promise<void> {
  const s = source.trim();
  if (isCloneUrl(s)) return git(rt, ['clone', '--quiet', '--', s, '.'], `cloning ${s}`);
  if (!path.isAbsolute(s) || s.includes('\0')) throw new CloneError('give a git URL (https://…, ssh://…, user@host:path) or an absolute path of a repository on this server');
  if (!opts.allowLocalPath) throw new CloneError('only an admin can clone a repository from this server’s disk');
  const gitDir = await run('git', ['-C', s, 'rev-parse', '--git-dir']).catch(() => null);
  if (!gitDir) throw new CloneError(`${s} is not a git repository`);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'tether-bundle-'));
  try {
    const bundle = path.join(tmp, 'repo.bundle');
    await run('git', ['-C', s, 'bundle', 'create', bundle, '--all'], { timeout: CLONE_TIMEOUT_MS });
    const head = (await run('git', ['-C', s, 'symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => ({ stdout: '' }))).stdout.trim();
    await stat(bundle);
    await rt.fs.writeFile(BUNDLE_NAME, createReadStream(bundle));
    await git(rt, ['init', '--quiet'], 'preparing the repository');
    await git(rt, ['fetch', '--quiet', '--update-head-ok', BUNDLE_NAME, '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'], 'copying the repository');
    if (head) await git(rt, ['checkout', '--quiet', head], `checking out ${head}`);
    await rt.fs.rm(BUNDLE_NAME);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
