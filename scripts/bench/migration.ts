/**
 * (m) Moving a repository of 10,000 files / 50 MB with 100 changed files from this machine to a
 * worker agent process: the first move (full bundle) vs a move back onto a target that already
 * has the history (incremental), measured in the same run.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../server/log';
import { migrateGitState } from '../../server/migration/migrate';
import { CloudRuntime } from '../../server/runtimes/cloud/cloud-runtime';
import { LocalRuntime } from '../../server/runtimes/local/local-runtime';
import { startWorkerProcess } from './cloud';

const ENV = { GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' };

export async function migrationFigures(opts: { quick: boolean }) {
  const files = opts.quick ? 2000 : 10_000;
  const totalBytes = opts.quick ? 10 * 1024 * 1024 : 50 * 1024 * 1024;
  const base = await mkdtemp(path.join(os.tmpdir(), 'tether-bench-migrate-'));
  const src = path.join(base, 'src');
  const target = path.join(base, 'workspace');
  await mkdir(src);
  await mkdir(target);
  const run = (...args: string[]) => execFileSync('git', args, { cwd: src, env: { ...process.env, ...ENV }, maxBuffer: 1 << 26 });
  run('init', '-q', '-b', 'main');
  const each = Math.floor(totalBytes / files);
  for (let d = 0; d < files / 100; d++) {
    await mkdir(path.join(src, `dir${d}`));
    await Promise.all(Array.from({ length: 100 }, (_, i) => writeFile(path.join(src, `dir${d}`, `file${i}.dat`), randomBytes(each))));
  }
  run('add', '.');
  run('commit', '-qm', 'base');
  const worker = await startWorkerProcess(target);
  const cloud = new CloudRuntime({ endpoint: async () => ({ url: worker.url, secret: worker.secret }), id: 'cloud:bench', log: silentLogger });
  const local = new LocalRuntime(src, { env: { ...ENV, HOME: base } });
  const signal = new AbortController().signal;
  try {
    let t0 = performance.now();
    const full = await migrateGitState(local, cloud, { onProgress: () => {}, signal });
    const fullSeconds = (performance.now() - t0) / 1000;
    // 100 files changed since, and one commit: the target has everything before it.
    for (let i = 0; i < 100; i++) await writeFile(path.join(src, `dir${i % (files / 100)}`, `file${i}.dat`), randomBytes(each));
    run('commit', '-qam', 'change 100 files');
    for (let i = 0; i < 5; i++) await writeFile(path.join(src, `dir0`, `file${i}.dat`), randomBytes(each)); // and some uncommitted
    t0 = performance.now();
    const inc = await migrateGitState(local, cloud, { onProgress: () => {}, signal });
    const incSeconds = (performance.now() - t0) / 1000;
    if (!inc.incremental || full.incremental) throw new Error('expected a full and then an incremental move');
    return { files, totalBytes, fullSeconds, fullBytes: full.bytes, incSeconds, incBytes: inc.bytes };
  } finally {
    await cloud.dispose();
    worker.stop();
    await rm(base, { recursive: true, force: true });
  }
}
