/**
 * SSH runner figures against a real sshd on loopback, at the Runtime interface, each with a
 * baseline from the same run:
 *  (o) first terminal of a gateway on a host: runner deployed now (SFTP upload) vs runner cached
 *      on the host (its daemon running, or not: then the bridge starts it), vs direct SSH; each on
 *      a fresh connection (handshake included) and as the time to the terminal's first output
 *  (p) reconnect and resume after the SSH TCP connection is cut while a terminal prints numbered
 *      lines: time from the cut to the first byte that came over the new connection, and bytes
 *      lost / repeated — with the pool's shipped settings (backoff, keepalive), so it is what
 *      `npm start` users get
 *  (q) file watch latency (write over SFTP → event): runner inotify vs SFTP polling (2 s)
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../server/log';
import type { FsEvent, PtyProcess } from '../../server/runtimes/runtime';
import { SshPool, type PoolTarget } from '../../server/runtimes/ssh/pool';
import { RunnerService, type RunnerMode } from '../../server/runtimes/ssh/runner-service';
import type { DirectSshRuntime } from '../../server/runtimes/ssh/ssh-runtime';
import { sshRuntime } from '../../server/runtimes/ssh/runner-runtime';
import { startSshd, type TestSshd } from '../../server/testing/sshd';
import { testPoolTarget } from '../../server/testing/ssh-pool-target';
import { endRunnerDaemons } from '../../server/testing/runner-daemons';
import { startTcpProxy } from '../../server/testing/tcp-proxy';
import { median } from './stats';

export interface RunnerFigures {
  rounds: number;
  deployMs: number;
  /** Cached artifact, daemon already running (another gateway or a reconnect). */
  cachedMs: number;
  /** Cached artifact, no daemon running (the host rebooted): the bridge starts one. */
  coldDaemonMs: number;
  directMs: number;
  artifactBytes: number;
  drops: number;
  resumeMs: number;
  lines: number;
  lostLines: number;
  repeatedLines: number;
  runnerWatchMs: number;
  pollWatchMs: number;
}

function until(check: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => (check() ? resolve() : Date.now() > end ? reject(new Error('bench: timed out')) : setTimeout(tick, 2));
    tick();
  });
}

async function firstOutput(p: PtyProcess): Promise<void> {
  let got = false;
  p.onData(() => (got = true));
  await until(() => got);
}

export async function runnerFigures(opts: { quick: boolean }): Promise<RunnerFigures> {
  const sshd: TestSshd = await startSshd();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tether-bench-runner-'));
  const cacheDir = `.cache/tether-bench-${randomBytes(4).toString('hex')}`;
  const home = process.getuid?.() === 0 ? `/home/${sshd.user}` : os.homedir();
  const cleanups: (() => unknown)[] = [];
  const gateway = (target: PoolTarget) => {
    // The shipped pool settings: no shorter backoff than users get.
    const pool = new SshPool({ log: silentLogger });
    const runners = new RunnerService({ pool, dataDir, log: silentLogger, graceMs: 60_000, lostAfterMs: 60_000, cacheDir, idleExitMs: 2000, onStatus: () => {} });
    cleanups.push(() => runners.dispose(), () => pool.dispose());
    const runtime = async (mode: RunnerMode, hostId = 'bench') =>
      sshRuntime(mode, { pool, target, root: await sshd.makeRemoteDir() }, { host: runners.forHost(hostId, target), workspaceId: randomBytes(4).toString('hex'), limits: {} });
    return { pool, runners, runtime };
  };
  try {
    const target = testPoolTarget(sshd);
    const rounds = opts.quick ? 3 : 7;
    const deploy: number[] = [];
    const cached: number[] = [];
    const coldDaemon: number[] = [];
    const direct: number[] = [];
    let artifactBytes = 0;
    for (let i = 0; i < rounds; i++) {
      await rm(path.join(home, cacheDir), { recursive: true, force: true }); // a host never deployed to
      for (const [mode, into] of [['always', deploy], ['always', cached], ['always', coldDaemon], ['never', direct]] as const) {
        if (into === coldDaemon) await endRunnerDaemons(home, cacheDir); // as after a reboot: the bridge starts one
        const g = gateway(target); // a gateway that just started: no connection, no runner link
        const rt = await g.runtime(mode);
        const t0 = performance.now();
        const p = await rt.openPty({ cols: 80, rows: 24, command: 'echo ready' });
        await firstOutput(p);
        into.push(performance.now() - t0);
        if (into === deploy) artifactBytes = (await readFile(path.join(home, cacheDir, (await readdir(path.join(home, cacheDir))).find((f) => f.endsWith('.js'))!))).byteLength;
        g.runners.dispose();
        g.pool.dispose();
      }
      // Daemons of this round end (no terminal, no link) before the next round's fresh deploy.
      await new Promise((r) => setTimeout(r, 50));
    }

    // (p) cut the TCP connection under a printing terminal, repeatedly.
    const proxy = await startTcpProxy({ host: sshd.host, port: sshd.port });
    cleanups.push(() => proxy.close());
    const g = gateway({ ...target, target: { ...target.target, port: proxy.port } });
    const rt = await g.runtime('always', 'bench-proxy');
    const lines = opts.quick ? 300_000 : 1_000_000;
    const p = await rt.openPty({ cols: 80, rows: 24, command: `seq 1 ${lines}` });
    const chunks: Buffer[] = [];
    let bytes = 0;
    let lastAt = 0;
    p.onData((d) => {
      chunks.push(Buffer.from(d));
      bytes += d.byteLength;
      lastAt = performance.now();
    });
    const exited = new Promise((r) => p.onExit(r));
    const resumes: number[] = [];
    const drops = opts.quick ? 3 : 5;
    const handshakes = () => g.pool.health().reduce((n, h) => n + h.handshakes, 0);
    for (let i = 0; i < drops; i++) {
      await until(() => bytes > (i + 1) * 200_000);
      const before = handshakes();
      proxy.cut();
      const cutAt = performance.now();
      // Bytes already on their way when the cut came still arrive; output flows again with the
      // first byte after the new connection is up.
      await until(() => handshakes() > before);
      const upAt = performance.now();
      await until(() => lastAt > upAt);
      resumes.push(performance.now() - cutAt);
    }
    await exited;
    let lostLines = 0;
    let repeatedLines = 0;
    let next = 1;
    for (const line of Buffer.concat(chunks).toString().replace(/\r/g, '').trim().split('\n')) {
      const n = Number(line);
      if (n === next) next++;
      else if (n < next) repeatedLines++;
      else {
        lostLines += n - next;
        next = n + 1;
      }
    }
    lostLines += lines + 1 - next;

    // (q) watch latency.
    const watchLatency = async (r: DirectSshRuntime, label: string, samples: number): Promise<number> => {
      const events: FsEvent[] = [];
      const sub = r.fs.watch((e) => events.push(...e));
      const times: number[] = [];
      try {
        for (let i = 0; !events.length; i++) {
          await r.fs.writeFile(`warm-${i}`, Buffer.from('x'));
          await new Promise((res) => setTimeout(res, 200));
        }
        for (let i = 0; i < samples; i++) {
          const name = `${label}-${i}.txt`;
          const t0 = performance.now();
          await r.fs.writeFile(name, Buffer.from('x'));
          await until(() => events.some((e) => e.path === name), 15_000);
          times.push(performance.now() - t0);
          await new Promise((res) => setTimeout(res, 37 * (i % 5))); // not in step with the poller
        }
      } finally {
        sub.dispose();
      }
      return median(times);
    };
    const samples = opts.quick ? 5 : 15;
    const runnerWatchMs = await watchLatency(await g.runtime('always', 'bench-proxy'), 'runner', samples);
    const pollWatchMs = await watchLatency(await g.runtime('never', 'bench-poll'), 'poll', samples);
    return {
      rounds,
      deployMs: median(deploy),
      cachedMs: median(cached),
      coldDaemonMs: median(coldDaemon),
      directMs: median(direct),
      artifactBytes,
      drops,
      resumeMs: median(resumes),
      lines,
      lostLines,
      repeatedLines,
      runnerWatchMs,
      pollWatchMs,
    };
  } finally {
    for (const c of cleanups.reverse()) await c();
    await new Promise((r) => setTimeout(r, 2500)); // runner daemons idle out
    await rm(path.join(home, cacheDir), { recursive: true, force: true });
    await sshd.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
