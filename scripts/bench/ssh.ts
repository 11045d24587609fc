/**
 * SSH figures against a real sshd on loopback, each with a baseline from the same run:
 *  (h) opening a terminal on a pooled connection vs on a fresh connection (handshake included)
 *  (i) terminal throughput over SSH vs a local PTY (bytes into the gateway process)
 *  (j) keystroke echo round trip over SSH vs a local PTY
 * Measured at the Runtime interface, the layer the gateway relays from; the gateway's own cost
 * over a runtime is figure (a).
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalRuntime } from '../../server/runtimes/local/local-runtime';
import type { PtyProcess } from '../../server/runtimes/runtime';
import { SshPool } from '../../server/runtimes/ssh/pool';
import { DirectSshRuntime } from '../../server/runtimes/ssh/ssh-runtime';
import { silentLogger } from '../../server/log';
import { startSshd } from '../../server/testing/sshd';
import { testPoolTarget } from '../../server/testing/ssh-pool-target';
import { median, percentile, ptyRun } from './stats';

const enc = new TextEncoder();

async function echoRounds(p: PtyProcess, rounds: number): Promise<number[]> {
  const times: number[] = [];
  let waiting: (() => void) | null = null;
  p.onData(() => waiting?.());
  await new Promise((r) => setTimeout(r, 300)); // let the program start
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      waiting = resolve;
      p.write(enc.encode('x'));
    });
    waiting = null;
    times.push(performance.now() - t0);
  }
  p.kill();
  return times;
}

export async function sshFigures(opts: { dataFile: string; quick: boolean }) {
  const sshd = await startSshd({ maxSessions: 64 });
  const home = await mkdtemp(path.join(os.tmpdir(), 'tether-bench-home-'));
  const pools: SshPool[] = [];
  const newPool = () => {
    const p = new SshPool({ log: silentLogger, maxChannels: 64 });
    pools.push(p);
    return p;
  };
  try {
    const root = await sshd.makeRemoteDir('bench');
    // The data file where both runtimes can read it (the SSH login user owns that folder).
    await copyFile(opts.dataFile, path.join(root, 'data.txt'));
    const target = testPoolTarget(sshd);
    const local = new LocalRuntime(root, { env: { HOME: home } });

    // (h) terminal open: fresh connection each time vs the Nth terminal on a warm pool.
    const opens = opts.quick ? 10 : 30;
    const fresh: number[] = [];
    for (let i = 0; i < opens; i++) {
      const rt = new DirectSshRuntime({ pool: newPool(), target, root });
      const t0 = performance.now();
      const p = await rt.openPty({ cols: 80, rows: 24, command: 'cat' });
      fresh.push(performance.now() - t0);
      p.kill();
      await rt.dispose();
      pools.pop()!.dispose();
    }
    const warmPool = newPool();
    const warm = new DirectSshRuntime({ pool: warmPool, target, root });
    (await warm.openPty({ cols: 80, rows: 24, command: 'cat' })).kill();
    const pooled: number[] = [];
    const held: PtyProcess[] = [];
    for (let i = 0; i < opens; i++) {
      const t0 = performance.now();
      held.push(await warm.openPty({ cols: 80, rows: 24, command: 'cat' }));
      pooled.push(performance.now() - t0);
    }
    for (const p of held) p.kill();
    const handshakes = warmPool.health()[0]?.handshakes ?? 0;

    // (i) throughput: `cat` of the data file through a PTY, local vs SSH, median of rounds.
    const rounds = opts.quick ? 1 : 3;
    const viaSsh: number[] = [];
    const viaLocal: number[] = [];
    let bytes = 0;
    for (let i = 0; i < rounds; i++) {
      const l = await ptyRun(local, 'cat data.txt');
      const s = await ptyRun(warm, 'cat data.txt');
      if (s.bytes !== l.bytes) throw new Error(`SSH delivered ${s.bytes} bytes, local ${l.bytes}`);
      bytes = s.bytes;
      viaLocal.push(l.bytes / l.seconds);
      viaSsh.push(s.bytes / s.seconds);
    }

    // (j) echo: one key, wait for its echo, repeat.
    const echoN = opts.quick ? 200 : 1000;
    const sshEcho = await echoRounds(await warm.openPty({ cols: 80, rows: 24, command: 'cat' }), echoN);
    const localEcho = await echoRounds(await local.openPty({ cols: 80, rows: 24, command: 'cat' }), echoN);
    await warm.dispose();
    await local.dispose();
    return {
      freshMs: median(fresh),
      pooledMs: median(pooled),
      opens,
      handshakes,
      bytes,
      sshMBs: median(viaSsh) / (1024 * 1024),
      localMBs: median(viaLocal) / (1024 * 1024),
      echo: { n: echoN, p50: percentile(sshEcho, 50), p99: percentile(sshEcho, 99), localP50: percentile(localEcho, 50), localP99: percentile(localEcho, 99) },
    };
  } finally {
    for (const p of pools) p.dispose();
    await sshd.close();
    await rm(home, { recursive: true, force: true });
  }
}
