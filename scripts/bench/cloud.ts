/**
 * Cloud figures, each with a baseline from the same run:
 *  (k) terminal throughput through a worker agent (a separate process, as a provider starts it)
 *      vs a local PTY, at the Runtime interface
 *  (l) acquiring a worker from the warm pool vs starting one cold (the process provider)
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../server/log';
import { CloudRuntime } from '../../server/runtimes/cloud/cloud-runtime';
import { LocalRuntime } from '../../server/runtimes/local/local-runtime';
import type { Runtime } from '../../server/runtimes/runtime';
import { median } from './stats';

const ROOT = path.resolve(import.meta.dirname, '../..');

function run(rt: Runtime, command: string): Promise<{ seconds: number; bytes: number }> {
  return rt.openPty({ cols: 120, rows: 40, command }).then(
    (p) =>
      new Promise((resolve) => {
        const start = performance.now();
        let last = start;
        let bytes = 0;
        p.onData((d) => {
          bytes += d.byteLength;
          last = performance.now();
        });
        p.onExit(() => resolve({ seconds: (last - start) / 1000, bytes }));
      }),
  );
}

/** A worker agent process on a free port, serving `root`. */
async function startWorkerProcess(root: string): Promise<{ url: string; secret: string; stop(): void }> {
  const secret = randomBytes(24).toString('base64url');
  const tokenFile = path.join(root, '..', 'token');
  await writeFile(tokenFile, secret, { mode: 0o600 });
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server/worker/main.ts'), '--listen', '127.0.0.1:0', '--token-file', tokenFile, '--root', root], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root, LANG: 'C.UTF-8' } as unknown as NodeJS.ProcessEnv,
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Tether worker listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
  return { url, secret, stop: () => child.kill('SIGTERM') };
}

export async function cloudThroughput(opts: { dataFile: string; quick: boolean }) {
  const base = await mkdtemp(path.join(os.tmpdir(), 'tether-bench-cloud-'));
  const root = path.join(base, 'workspace');
  await import('node:fs/promises').then((f) => f.mkdir(root));
  await copyFile(opts.dataFile, path.join(root, 'data.txt'));
  const worker = await startWorkerProcess(root);
  const cloud = new CloudRuntime({ endpoint: async () => ({ url: worker.url, secret: worker.secret }), id: 'cloud:bench', log: silentLogger });
  const local = new LocalRuntime(root, { env: { HOME: base } });
  try {
    const viaCloud: number[] = [];
    const viaLocal: number[] = [];
    let bytes = 0;
    for (let i = 0; i < (opts.quick ? 1 : 3); i++) {
      const l = await run(local, 'cat data.txt');
      const c = await run(cloud, 'cat data.txt');
      if (c.bytes !== l.bytes) throw new Error(`the worker delivered ${c.bytes} bytes, local ${l.bytes}`);
      bytes = c.bytes;
      viaLocal.push(l.bytes / l.seconds);
      viaCloud.push(c.bytes / c.seconds);
    }
    return { bytes, cloudMBs: median(viaCloud) / (1024 * 1024), localMBs: median(viaLocal) / (1024 * 1024) };
  } finally {
    await cloud.dispose();
    await local.dispose();
    worker.stop();
    await rm(base, { recursive: true, force: true });
  }
}
