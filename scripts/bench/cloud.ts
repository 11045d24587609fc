/**
 * Cloud figures, each with a baseline from the same run:
 *  (k) terminal throughput through the gateway to a cloud worker vs through the gateway to a
 *      local PTY (a client in this process, the gateway and the worker in their own), and the same
 *      at the Runtime interface (worker agent process vs local PTY, no gateway)
 *  (l) acquiring a worker from the warm pool vs starting one cold, with the process provider and
 *      with the docker provider (a container per worker)
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../server/log';
import { CloudRuntime } from '../../server/runtimes/cloud/cloud-runtime';
import { LocalRuntime } from '../../server/runtimes/local/local-runtime';
import { Orchestrator } from '../../server/cloud/orchestrator';
import { ProcessProvider } from '../../server/cloud/process-provider';
import { DockerProvider } from '../../server/cloud/docker-provider';
import { DockerEngine } from '../../server/cloud/docker/engine';
import { openDatabase } from '../../server/db/database';
import { GatewayClient } from '../../server/testing/ws-client';
import { trpcCall } from '../../server/testing/trpc-call';
import { startGatewayProcess } from './gateway-process';
import { median, ptyRun } from './stats';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** A worker agent process on a free port, serving `root`. */
export async function startWorkerProcess(root: string): Promise<{ url: string; secret: string; stop(): void }> {
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
      const l = await ptyRun(local, 'cat data.txt');
      const c = await ptyRun(cloud, 'cat data.txt');
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

async function viaGateway(url: string, token: string, workspace: string, command: string): Promise<number> {
  const c = await GatewayClient.connect(url, { token, keepData: false });
  const start = performance.now();
  await c.open(1, { workspace, cols: 120, rows: 40, command });
  await c.until(() => c.channel(1).exit !== undefined, 300_000, 'exit');
  const ch = c.channel(1);
  if (ch.duplicateBytes || ch.gaps) throw new Error('duplicate bytes or gaps');
  await c.close();
  return ch.bytes / ((ch.lastOutputAt - start) / 1000);
}

/** (k) end to end: the same `cat` through the gateway, from a cloud workspace and a local one. */
export async function cloudGatewayThroughput(opts: { dataFile: string; quick: boolean }) {
  const gw = await startGatewayProcess({ TETHER_CLOUD_WARM: '1' });
  try {
    const created = await trpcCall<{ id: string; workerId: string }>(gw.url, 'workspaces.create', { token: gw.token, mutation: true, input: { name: 'bench-cloud', cloud: {} } });
    if (!created.data) throw new Error(`cloud workspace: ${created.error?.message}`);
    await copyFile(opts.dataFile, path.join(gw.dataDir, 'workers', created.data.workerId, 'workspace', 'data.txt'));
    await copyFile(opts.dataFile, path.join(gw.root, 'data.txt'));
    const cloud: number[] = [];
    const local: number[] = [];
    for (let i = 0; i < (opts.quick ? 1 : 3); i++) {
      local.push(await viaGateway(gw.url, gw.token, gw.workspace, 'cat data.txt'));
      cloud.push(await viaGateway(gw.url, gw.token, created.data.id, 'cat data.txt'));
    }
    return { cloudMBs: median(cloud) / (1024 * 1024), localMBs: median(local) / (1024 * 1024) };
  } finally {
    await gw.stop();
  }
}

/**
 * (l) acquire: from the warm pool vs a cold start, with the real process provider or (`docker`)
 * containers on the Docker engine (the image made before the clock starts, as a gateway does at start).
 */
export async function acquireLatency(opts: { quick: boolean; provider?: 'process' | 'docker' }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tbench-'));
  const dbh = await openDatabase(path.join(dir, 'tether.db'));
  const provider =
    opts.provider === 'docker'
      ? new DockerProvider({ engine: DockerEngine.fromEnv(), baseDir: path.join(dir, 'dw'), namespace: `bench-${process.pid}`, log: silentLogger })
      : new ProcessProvider({ baseDir: path.join(dir, 'workers'), repoRoot: ROOT, log: silentLogger });
  if (provider instanceof DockerProvider) await provider.image();
  const rounds = opts.quick ? 3 : 5;
  const make = (warm: number) => new Orchestrator({ dbh, provider, log: silentLogger, warmPoolSize: warm, maxWorkersPerUser: 100 });
  const warmOrch = make(1);
  const coldOrch = make(0);
  try {
    await warmOrch.start();
    const warm: number[] = [];
    for (let i = 0; i < rounds; i++) {
      while ((await warmOrch.poolStatus()).warm < 1) await new Promise((r) => setTimeout(r, 20));
      const t0 = performance.now();
      const w = await warmOrch.acquire(`u${i}`, 'small');
      warm.push(performance.now() - t0);
      await warmOrch.release(w.id);
    }
    await warmOrch.destroyAll();
    await warmOrch.stop();
    await coldOrch.start();
    const cold: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      const w = await coldOrch.acquire(`c${i}`, 'small');
      cold.push(performance.now() - t0);
      await coldOrch.release(w.id);
    }
    return { warmMs: median(warm), coldMs: median(cold), rounds, sandbox: await provider.sandbox() };
  } finally {
    await coldOrch.destroyAll();
    await coldOrch.stop();
    await dbh.close();
    await rm(dir, { recursive: true, force: true });
  }
}
