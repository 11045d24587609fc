/**
 * (v) Live mirror (server/mirror), the engine in this process as in the gateway, against real peers:
 *  - edit → visible on the other side, p50/p99, both directions: this machine ↔ an SSH host (a
 *    real sshd on loopback, through the runner: inotify) and this machine ↔ a worker agent process
 *  - initial sync of 10,000 files / 50 MB to an empty worker folder, and to one that already holds
 *    the same files but 100 (no agreed state: hashes decide what moves)
 *  - the gateway's CPU while 1,000 files change at once (this process, plus the hashing programs
 *    it ran and reaped), against the wall time until the other side had them all
 * The writes are made by a shell, not by this process, so their cost is not counted.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../server/log';
import { MirrorEngine } from '../../server/mirror/engine';
import { CloudRuntime } from '../../server/runtimes/cloud/cloud-runtime';
import { LocalRuntime } from '../../server/runtimes/local/local-runtime';
import type { Runtime } from '../../server/runtimes/runtime';
import { SshPool } from '../../server/runtimes/ssh/pool';
import { sshRuntime } from '../../server/runtimes/ssh/runner-runtime';
import { RunnerService } from '../../server/runtimes/ssh/runner-service';
import { endRunnerDaemons } from '../../server/testing/runner-daemons';
import { testPoolTarget } from '../../server/testing/ssh-pool-target';
import { startSshd } from '../../server/testing/sshd';
import { startWorkerProcess } from './cloud';
import { percentile } from './stats';

export interface LatencyFigures {
  aToB: { p50: number; p99: number };
  bToA: { p50: number; p99: number };
  samples: number;
}

export interface MirrorFigures {
  ssh: LatencyFigures;
  cloud: LatencyFigures;
  files: number;
  totalBytes: number;
  fullSeconds: number;
  fullBytes: number;
  diffSeconds: number;
  diffFiles: number;
  diffBytes: number;
  burstFiles: number;
  burstSeconds: number;
  burstCpuSeconds: number;
  burstChildCpuSeconds: number;
}

function until(check: () => Promise<boolean>, ms = 120_000, what = 'a mirror result'): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () =>
      void check().then((ok) => (ok ? resolve() : Date.now() > end ? reject(new Error(`bench: timed out waiting for ${what}`)) : setTimeout(tick, 2)));
    tick();
  });
}

const has = (file: string, text: string) => readFile(file, 'utf8').then((t) => t === text, () => false);

/** CPU seconds of reaped children (utime + stime of waited-for children, /proc/self/stat). */
async function childCpuSeconds(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100; // cutime, cstime in clock ticks (100 Hz)
}

async function latency(a: Runtime, aDir: string, b: Runtime, bDir: string, stateDir: string, samples: number): Promise<LatencyFigures> {
  const engine = new MirrorEngine({ sides: async () => ({ a, b }), dir: stateDir, patterns: [], log: silentLogger });
  await engine.start();
  await engine.idle();
  const one = async (from: string, to: string, i: number) => {
    const text = `edit ${i} ${randomBytes(8).toString('hex')}\n`;
    const t0 = performance.now();
    await writeFile(path.join(from, `lat-${i % 10}.txt`), text);
    await until(() => has(path.join(to, `lat-${i % 10}.txt`), text), 30_000, `edit ${i} at ${to}`);
    const ms = performance.now() - t0;
    await engine.idle();
    return ms;
  };
  try {
    const ab: number[] = [];
    const ba: number[] = [];
    for (let i = 0; i < samples; i++) {
      ab.push(await one(aDir, bDir, i));
      ba.push(await one(bDir, aDir, i));
    }
    return { aToB: { p50: percentile(ab, 50), p99: percentile(ab, 99) }, bToA: { p50: percentile(ba, 50), p99: percentile(ba, 99) }, samples };
  } finally {
    await engine.dispose();
  }
}

async function makeTree(dir: string, files: number, totalBytes: number): Promise<void> {
  const each = Math.floor(totalBytes / files);
  for (let d = 0; d < files / 100; d++) {
    await mkdir(path.join(dir, `dir${d}`), { recursive: true });
    await Promise.all(Array.from({ length: 100 }, (_, i) => writeFile(path.join(dir, `dir${d}`, `file${i}.dat`), randomBytes(each))));
  }
}

export async function mirrorFigures(opts: { quick: boolean }): Promise<MirrorFigures> {
  const samples = opts.quick ? 20 : 100;
  const files = opts.quick ? 2000 : 10_000;
  const totalBytes = opts.quick ? 10 * 1024 * 1024 : 50 * 1024 * 1024;
  const base = await mkdtemp(path.join(os.tmpdir(), 'tether-bench-mirror-'));
  const dir = (name: string) => mkdir(path.join(base, name), { recursive: true }).then(() => path.join(base, name));
  const cleanups: (() => unknown)[] = [];
  try {
    // --- this machine ↔ SSH host (runner, inotify) ---
    const sshd = await startSshd();
    const cacheDir = `.cache/tether-bench-${randomBytes(4).toString('hex')}`;
    const home = process.getuid?.() === 0 ? `/home/${sshd.user}` : os.homedir();
    const pool = new SshPool({ log: silentLogger });
    const runners = new RunnerService({ pool, dataDir: await dir('runner-data'), log: silentLogger, graceMs: 60_000, lostAfterMs: 60_000, cacheDir, onStatus: () => {} });
    cleanups.push(() => sshd.close(), () => endRunnerDaemons(home, cacheDir), () => pool.dispose(), () => runners.dispose());
    const target = testPoolTarget(sshd);
    const sshRoot = await sshd.makeRemoteDir();
    const ssh = sshRuntime('always', { pool, target, root: sshRoot }, { host: runners.forHost('bench', target), workspaceId: 'bench-mirror', limits: {} });
    cleanups.push(() => ssh.dispose());
    // Bind the workspace on the runner first, as a terminal opened there would have: the runner's
    // watch is registered only once the workspace is bound (README: Mirrors, known issue), and the
    // figure is the steady-state latency.
    await (ssh as Runtime).runningTerminals?.();
    const localA = await dir('a-ssh');
    const a1 = new LocalRuntime(localA);
    cleanups.push(() => a1.dispose());
    const sshFig = await latency(a1, localA, ssh, sshRoot, await dir('state-ssh'), samples);

    // --- this machine ↔ worker agent process ---
    const workerRoot = await dir('worker/workspace');
    const worker = await startWorkerProcess(workerRoot);
    cleanups.push(() => worker.stop());
    const cloud = new CloudRuntime({ endpoint: async () => ({ url: worker.url, secret: worker.secret }), id: 'cloud:bench-mirror', log: silentLogger });
    cleanups.push(() => cloud.dispose());
    const latA = await dir('a-cloud');
    const latB = path.join(workerRoot, 'lat');
    await mkdir(latB);
    const a2 = new LocalRuntime(latA);
    cleanups.push(() => a2.dispose());
    // The worker runtime's root is the worker's; a sub-folder per figure keeps them apart.
    const cloudLat = subRuntime(cloud, 'lat');
    const cloudFig = await latency(a2, latA, cloudLat, latB, await dir('state-cloud'), samples);

    // --- initial sync, full and with 100 differing ---
    const src = await dir('src');
    await makeTree(src, files, totalBytes);
    const a3 = new LocalRuntime(src);
    cleanups.push(() => a3.dispose());
    await mkdir(path.join(workerRoot, 'full'));
    let engine = new MirrorEngine({ sides: async () => ({ a: a3, b: subRuntime(cloud, 'full') }), dir: await dir('state-full'), patterns: [], log: silentLogger });
    let t0 = performance.now();
    await engine.start();
    await engine.idle();
    const fullSeconds = (performance.now() - t0) / 1000;
    const full = engine.totals();
    await engine.dispose();
    // The mirror again after a restart, with 100 files changed here meanwhile: the agreed state
    // and the hashes decide, and only those 100 move.
    for (let i = 0; i < 100; i++) await writeFile(path.join(src, `dir${i % (files / 100)}`, `file${i}.dat`), randomBytes(Math.floor(totalBytes / files)));
    engine = new MirrorEngine({ sides: async () => ({ a: a3, b: subRuntime(cloud, 'full') }), dir: path.join(base, 'state-full'), patterns: [], log: silentLogger });
    t0 = performance.now();
    await engine.start();
    await engine.idle();
    const diffSeconds = (performance.now() - t0) / 1000;
    const diff = engine.totals();

    // --- 1,000 files change at once (written by a shell) ---
    const burst = 1000;
    const cpu0 = process.cpuUsage();
    const child0 = await childCpuSeconds();
    t0 = performance.now();
    execFileSync('sh', ['-c', `i=0; while [ $i -lt ${burst} ]; do d=$((i % ${files / 100})); echo "burst $i" > "dir$d/file$i.dat"; i=$((i+1)); done`], { cwd: src });
    await until(() => has(path.join(workerRoot, 'full', `dir${(burst - 1) % (files / 100)}`, `file${burst - 1}.dat`), `burst ${burst - 1}\n`));
    await engine.idle();
    const burstSeconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const childCpu = (await childCpuSeconds()) - child0;
    await engine.dispose();
    return {
      ssh: sshFig,
      cloud: cloudFig,
      files,
      totalBytes,
      fullSeconds,
      fullBytes: full.bytes,
      diffSeconds,
      diffFiles: diff.files,
      diffBytes: diff.bytes,
      burstFiles: burst,
      burstSeconds,
      burstCpuSeconds: (cpu.user + cpu.system) / 1e6,
      burstChildCpuSeconds: childCpu,
    };
  } finally {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
    await rm(base, { recursive: true, force: true });
  }
}

/** A runtime whose paths are below `sub` of another (several figures share one worker). */
function subRuntime(rt: Runtime, sub: string): Runtime {
  const p = (x: string) => (x ? `${sub}/${x}` : sub);
  const fs = rt.fs;
  return {
    id: `${rt.id}/${sub}`,
    openPty: (o) => rt.openPty({ ...o, cwd: p(o.cwd ?? '') }),
    exec: (argv, o = {}) => rt.exec(argv, { ...o, cwd: p(o.cwd ?? '') }),
    health: () => rt.health(),
    dispose: async () => {},
    fs: {
      readdir: (d) => fs.readdir(p(d)),
      stat: (x) => fs.stat(p(x)),
      statEntries: (d, n) => fs.statEntries(p(d), n),
      readFile: (x, m) => fs.readFile(p(x), m),
      writeFile: (x, d, o) => fs.writeFile(p(x), d, o),
      readStream: (x) => fs.readStream(p(x)),
      readable: (xs) => fs.readable(xs.map(p)),
      mkdir: (x) => fs.mkdir(p(x)),
      rm: (x) => fs.rm(p(x)),
      rename: (a, b) => fs.rename(p(a), p(b)),
      watch: (listener) =>
        fs.watch((events) => {
          const mine = events.filter((e) => e.path.startsWith(`${sub}/`)).map((e) => ({ ...e, path: e.path.slice(sub.length + 1) }));
          if (mine.length) listener(mine);
        }),
    },
  };
}
