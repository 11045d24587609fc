/**
 * The SSH runner against a real OpenSSH server on loopback (node is on this machine, so the same
 * host serves the runner and direct SSH): deployment and reuse, a tampered artifact replaced,
 * a terminal surviving a cut TCP connection, direct SSH for `never` and as the `auto` fallback on
 * a host without node, resource limits, and inotify watching vs SFTP polling.
 */
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../log';
import type { SessionLimits } from '../limits';
import { startSshd, type TestSshd } from '../../testing/sshd';
import { testPoolTarget } from '../../testing/ssh-pool-target';
import { endRunnerDaemons } from '../../testing/runner-daemons';
import { startTcpProxy, type TcpProxy } from '../../testing/tcp-proxy';
import { runnerArtifact } from '../agent/runner-artifact';
import type { FsEvent, PtyProcess } from '../runtime';
import { SshPool, type PoolTarget } from './pool';
import { RunnerService, type RunnerMode, type RunnerStatus } from './runner-service';
import type { DirectSshRuntime } from './ssh-runtime';
import { RunnerSshRuntime, sshRuntime } from './runner-runtime';
import { until as pollUntil } from '../../testing/until';

let sshd: TestSshd;
let dataDir: string;
let home: string;
const cacheDir = `.cache/tether-test-${randomBytes(4).toString('hex')}`;
const pools: SshPool[] = [];
const services: RunnerService[] = [];

function pool(): SshPool {
  const p = new SshPool({ log: silentLogger, backoffBaseMs: 100, backoffMaxMs: 1000, keepaliveIntervalMs: 2000 });
  pools.push(p);
  return p;
}

function service(p: SshPool, statuses: RunnerStatus[] = []): RunnerService {
  const s = new RunnerService({ pool: p, dataDir, log: silentLogger, graceMs: 3600_000, lostAfterMs: 60_000, cacheDir, idleExitMs: 3000, onStatus: (_id, st) => statuses.push(st) });
  services.push(s);
  return s;
}

function runtime(p: SshPool, target: PoolTarget, runners: RunnerService, root: string, mode: RunnerMode, limits: SessionLimits = {}, hostId = 'h1'): DirectSshRuntime {
  return sshRuntime(mode, { pool: p, target, root }, { host: runners.forHost(hostId, target), workspaceId: `w-${randomBytes(4).toString('hex')}`, limits });
}

const until = (check: () => boolean | Promise<boolean>, what: string, ms = 20_000) => pollUntil(check, what, ms);

function collect(p: PtyProcess): { text: () => string } {
  let text = '';
  p.onData((d) => (text += Buffer.from(d).toString('utf8')));
  return { text: () => text };
}

async function run(p: PtyProcess, out: { text: () => string }, command: string, marker: string): Promise<string> {
  // The marker is computed by the shell, so the echo of the typed line does not contain it.
  p.write(Buffer.from(`${command}; echo ${marker}-$((40+2))\r`));
  await until(() => out.text().includes(`${marker}-42\r\n`), marker);
  const t = out.text();
  return t.slice(0, t.lastIndexOf(`${marker}-42\r\n`));
}

beforeAll(async () => {
  sshd = await startSshd();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tether-runner-'));
  home = process.getuid?.() === 0 ? `/home/${sshd.user}` : os.homedir();
});

afterAll(async () => {
  for (const s of services) s.dispose();
  for (const p of pools) p.dispose();
  await endRunnerDaemons(home, cacheDir);
  await rm(path.join(home, cacheDir), { recursive: true, force: true });
  await sshd?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('SSH runner', () => {
  it('deploys once over SFTP, then a later gateway reuses the cached artifact without uploading', async () => {
    const artifact = await runnerArtifact(dataDir);
    const target = testPoolTarget(sshd);
    const statuses: RunnerStatus[] = [];
    const p1 = pool();
    const s1 = service(p1, statuses);
    const rt1 = runtime(p1, target, s1, await sshd.makeRemoteDir(), 'auto');
    const t1 = await rt1.openPty({ cols: 80, rows: 24 });
    const o1 = collect(t1);
    // The shell runs under the runner: its parent is the runner's terminal spawner (Perl), whose parent is the runner.
    expect(await run(t1, o1, 'ps -o comm= -p $PPID; ps -o comm= -p $(ps -o ppid= -p $PPID)', 'parent')).toMatch(/\bperl\r\nnode\r\n/);
    expect(s1.forHost('h1', target).uploads).toBe(1);
    expect(statuses.at(-1)).toMatchObject({ state: 'runner', uploaded: true, digest: artifact.sha256, version: artifact.version });

    // On the host: the artifact (0600 in a 0700 dir) with the digest and a signature that verifies.
    const onHost = path.join(home, cacheDir, artifact.fileName);
    const bytes = await readFile(onHost);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(artifact.sha256);
    expect((await stat(onHost)).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(home, cacheDir))).mode & 0o777).toBe(0o700);
    const manifest = JSON.parse(await readFile(onHost.replace(/\.js$/, '.sig.json'), 'utf8')) as { sha256: string; publicKey: string; signature: string; version: string };
    expect(manifest.sha256).toBe(artifact.sha256);
    const key = createPublicKey({ key: Buffer.from(manifest.publicKey, 'base64'), format: 'der', type: 'spki' });
    expect(verify(null, Buffer.from(`tether-runner\n${manifest.version}\n${manifest.sha256}\n`), key, Buffer.from(manifest.signature, 'base64'))).toBe(true);
    t1.kill();

    // A second gateway (its own pool and runner service, same DATA_DIR): no upload.
    const statuses2: RunnerStatus[] = [];
    const p2 = pool();
    const s2 = service(p2, statuses2);
    const rt2 = runtime(p2, target, s2, await sshd.makeRemoteDir(), 'auto');
    const t2 = await rt2.openPty({ cols: 80, rows: 24 });
    const o2 = collect(t2);
    expect(await run(t2, o2, 'echo hello-$((6*7))', 'again')).toContain('hello-42');
    expect(s2.forHost('h1', target).uploads).toBe(0);
    expect(statuses2.at(-1)).toMatchObject({ state: 'runner', uploaded: false });
    expect(statuses2.at(-1)!.connectMs).toBeGreaterThan(0);
    t2.kill();
  });

  it('detects a changed artifact on the host and replaces it before running anything', async () => {
    const artifact = await runnerArtifact(dataDir);
    const onHost = path.join(home, cacheDir, artifact.fileName);
    await appendFile(onHost, '\nrequire("child_process").execSync("touch /tmp/tether-runner-pwned");\n');
    const statuses: RunnerStatus[] = [];
    const p = pool();
    const s = service(p, statuses);
    const target = testPoolTarget(sshd);
    // A fresh daemon directory is not needed: the check happens before the file is run at all.
    const rt = runtime(p, target, s, await sshd.makeRemoteDir(), 'always');
    const t = await rt.openPty({ cols: 80, rows: 24, command: 'echo ok' });
    const o = collect(t);
    await new Promise((r) => t.onExit(r));
    expect(o.text()).toContain('ok');
    expect(s.forHost('h1', target).uploads).toBe(1);
    expect(statuses.at(-1)).toMatchObject({ state: 'runner', uploaded: true });
    expect(statuses.at(-1)!.replaced).toMatch(/digest mismatch/);
    expect(createHash('sha256').update(await readFile(onHost)).digest('hex')).toBe(artifact.sha256);
    await expect(stat('/tmp/tether-runner-pwned')).rejects.toThrow();
  });

  it('keeps a terminal through a cut TCP connection and resumes it with no gap and no repeat', async () => {
    let proxy: TcpProxy | null = null;
    try {
      proxy = await startTcpProxy({ host: sshd.host, port: sshd.port });
      const base = testPoolTarget(sshd);
      const target: PoolTarget = { ...base, target: { ...base.target, port: proxy.port } };
      const p = pool();
      const s = service(p);
      const rt = runtime(p, target, s, await sshd.makeRemoteDir(), 'auto', {}, 'h-proxy');

      // A shell: its pid before and after, and its output exactly once.
      const sh = await rt.openPty({ cols: 80, rows: 24 });
      const so = collect(sh);
      const pidBefore = /pid:(\d+)/.exec(await run(sh, so, 'echo pid:$$', 'a'))![1];

      // A stream paused mid-way (the runner holds it at its high-water mark), cut, then resumed.
      const seq = await rt.openPty({ cols: 80, rows: 24, command: 'seq 1 200000' });
      const chunks: Buffer[] = [];
      let bytes = 0;
      seq.onData((d) => {
        chunks.push(Buffer.from(d));
        bytes += d.byteLength;
      });
      const exit = new Promise((r) => seq.onExit((e, lost) => r({ ...e, lost })));
      seq.pause();
      await until(() => bytes > 100_000, 'first output');
      const connectionsBefore = proxy.connections;
      proxy.cut();
      await new Promise((r) => setTimeout(r, 300));
      seq.resume();
      expect(await exit).toEqual({ code: 0, signal: null, lost: undefined });
      expect(proxy.connections).toBeGreaterThan(connectionsBefore); // it did reconnect
      const lines = Buffer.concat(chunks).toString().replace(/\r/g, '').trim().split('\n');
      expect(lines.length).toBe(200000);
      expect(lines.every((l, i) => l === String(i + 1))).toBe(true);

      const after = await run(sh, so, 'echo pid:$$', 'b');
      expect(after.match(/pid:(\d+)/g)).toEqual([`pid:${pidBefore}`, `pid:${pidBefore}`]);
      expect((await (rt as RunnerSshRuntime).runningTerminals()).map((t) => t.pid)).toContain(Number(pidBefore));
      sh.kill();
    } finally {
      await proxy?.close();
    }
  });

  it('uses direct SSH for a host set to never, with no runner involved', async () => {
    const p = pool();
    const s = service(p);
    const target = testPoolTarget(sshd);
    const rt = runtime(p, target, s, await sshd.makeRemoteDir(), 'never', {}, 'h-never');
    const t = await rt.openPty({ cols: 80, rows: 24 });
    const o = collect(t);
    expect(await run(t, o, 'ps -o comm= -p $PPID', 'parent')).toMatch(/\bsshd\r\n/);
    expect(s.forHost('h-never', target).uploads).toBe(0);
    expect(s.forHost('h-never', target).status).toBeNull();
    // A direct runtime has no terminals to re-attach after a restart: nothing outlives the gateway there.
    expect(rt).not.toBeInstanceOf(RunnerSshRuntime);
    expect('runningTerminals' in rt).toBe(false);
    t.kill();
  });

  it('falls back to direct SSH on a host without node (auto), with the reason; always refuses', async () => {
    const bare = await startSshd({ setEnv: { PATH: '/nonexistent' } });
    try {
      const statuses: RunnerStatus[] = [];
      const p = pool();
      const s = service(p, statuses);
      const target = testPoolTarget(bare);
      const rt = runtime(p, target, s, await bare.makeRemoteDir(), 'auto', {}, 'h-bare');
      const t = await rt.openPty({ cols: 80, rows: 24, command: 'echo direct-$((2+3))' });
      const o = collect(t);
      await new Promise((r) => t.onExit(r));
      expect(o.text()).toContain('direct-5');
      expect(statuses.at(-1)).toMatchObject({ state: 'direct' });
      expect(statuses.at(-1)!.reason).toMatch(/node/);
      const strict = runtime(p, target, s, await bare.makeRemoteDir(), 'always', {}, 'h-bare');
      await expect(strict.openPty({ cols: 80, rows: 24 })).rejects.toThrow(/node.*always use the runner/);
    } finally {
      await bare.close();
    }
  });

  it("applies the host's resource limits to the runner's terminals", async () => {
    const statuses: RunnerStatus[] = [];
    const p = pool();
    const s = service(p, statuses);
    const target = testPoolTarget(sshd);
    const rt = runtime(p, target, s, await sshd.makeRemoteDir(), 'always', { openFiles: 321, memoryMb: 700 }, 'h-limits');
    const t = await rt.openPty({ cols: 80, rows: 24 });
    const o = collect(t);
    const out = await run(t, o, 'echo nofile:$(ulimit -n) as:$(ulimit -v)', 'limits');
    const limits = statuses.at(-1)!.limits!;
    expect(limits.applied).toContain('open files 321');
    expect(out).toContain('nofile:321');
    if (limits.mechanism === 'ulimit') {
      expect(out).toContain(`as:${700 * 1024}`);
      expect(limits.applied).toContain('memory 700 MB (address space per process)');
    } else {
      expect(limits.mechanism).toBe('systemd');
      expect(limits.applied).toContain('memory 700 MB');
    }
    t.kill();
  });

  it('watches files with inotify through the runner, faster than SFTP polling', async () => {
    const p = pool();
    const s = service(p);
    const target = testPoolTarget(sshd);
    const latency = async (rt: DirectSshRuntime, label: string): Promise<number> => {
      const events: FsEvent[] = [];
      const sub = rt.fs.watch((e) => events.push(...e));
      try {
        // Until the watch is live (the runner's watcher has scanned; the poller has its snapshot).
        for (let i = 0; !events.some((e) => e.path.startsWith('probe-')); i++) {
          await rt.fs.writeFile(`probe-${i}.txt`, Buffer.from('x'));
          await new Promise((r) => setTimeout(r, 250));
          if (i > 60) throw new Error(`${label}: the watch never reported anything`);
        }
        const name = `${label}-${Date.now()}.txt`;
        const t0 = performance.now();
        await rt.fs.writeFile(name, Buffer.from('hello'));
        await until(() => events.some((e) => e.path === name), `${label} event`, 10_000);
        return performance.now() - t0;
      } finally {
        sub.dispose();
      }
    };
    const viaRunner = await latency(runtime(p, target, s, await sshd.makeRemoteDir(), 'always', {}, 'h-watch'), 'runner');
    const polled = await latency(runtime(p, target, s, await sshd.makeRemoteDir(), 'never', {}, 'h-watch-poll'), 'poll');
    console.log(`watch latency: runner ${viaRunner.toFixed(0)} ms, SFTP polling ${polled.toFixed(0)} ms`);
    expect(viaRunner).toBeLessThan(1000);
    expect(viaRunner).toBeLessThan(polled);
  });
});
