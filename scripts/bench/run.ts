/**
 * `npm run bench`: the gateway's four figures, each against a baseline measured in the same run
 * (these machines are shared and noisy, so ratios mean more than absolute numbers).
 *
 *  (a) throughput of ~100 MB of terminal output through the gateway ÷ raw node-pty
 *  (b) keystroke echo latency p50/p99 over 1,000 round trips (raw node-pty echo as the baseline)
 *  (c) gateway RSS per idle session at 100 sessions
 *  (d) gateway RSS growth while a client that stops reading is sent 200 MB
 *  (e–g) files: list 10,000 entries, open a 5 MB file, watch latency (see files.ts)
 *  (h–j) SSH: pooled vs fresh terminal open, throughput and echo vs local (see ssh.ts)
 *  (k–l) cloud: throughput through a worker agent vs local; warm vs cold acquire, process and
 *        docker providers (see cloud.ts)
 *  (m) moving a 10,000-file / 50 MB repository to a worker: full vs incremental (see migration.ts)
 *  (n) attaching to a busy full-screen session on a slow link: snapshot vs ring replay (see attach.ts)
 *  (r) the local pty host's hop: gateway throughput and echo with terminals in the pty host vs
 *      in the gateway process (TETHER_PTY_HOST=off), interleaved in the same run
 *  (s) terminal speed: Tether (pty host on and off), node-pty in this process and ttyd when built,
 *      throughput, CPU-s per 100 MB of every server process and echo, interleaved (see speed.ts)
 *  (t) the gateway's resident memory with the UI: at start, idle, under a burst, 60 s after
 *  (o–q) SSH runner: first terminal deployed vs cached vs direct, resume after a cut connection,
 *        watch latency inotify vs SFTP polling (see runner.ts)
 *  (u) several gateways: two behind nginx, N terminals on cloud workers, one gateway killed
 *      mid-run: bytes lost and time for browsers to resume (`--cluster`, `--terminals N`; cluster.ts)
 *  (v) live mirror: edit → other side p50/p99 (SSH, cloud), initial sync of 10,000 files / 50 MB
 *      full and again with 100 changed, gateway CPU while 1,000 files change at once (see mirror.ts)
 *  (w) database: the hot queries (workspace list, session auth, share check) on Postgres vs
 *      SQLite, p50/p99 µs and calls/s (see db.ts)
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GatewayClient } from '../../server/testing/ws-client';
import { listFigures, openFigures, watchFigures } from './files';
import { startGatewayProcess, type GatewayProcess } from './gateway-process';
import { acquireLatency, cloudGatewayThroughput, cloudThroughput } from './cloud';
import { clusterFigures } from './cluster';
import { dbFigures } from './db';
import { migrationFigures } from './migration';
import { mirrorFigures } from './mirror';
import { SLOW_LINK, attachFigures } from './attach';
import { runnerFigures } from './runner';
import { memoryFigures } from './memory';
import { sshFigures } from './ssh';
import { gatewayMany, rawPtyMany, ttydMany } from './many';
import { compare, findTtyd, gatewayEcho, rawEcho, ttydEcho, type Peer, type Run } from './speed';
import { median, percentile } from './stats';

const MB = 1024 * 1024;
/** (s, many): terminals printing at once (the speed issue's 100 × 2 MB). */
const MANY_TERMINALS = 100;
const THROUGHPUT_BYTES = 100 * MB;
const ECHO_ROUNDS = 1000;
/** (s): echoes before the measured warm ones (see speed.ts compare). */
const ECHO_WARMUP = 5000;
const IDLE_SESSIONS = 100;
const SLOW_CLIENT_BYTES = 200 * MB;
const quick = process.argv.includes('--quick');
/** `--ssh` / `--cloud` / `--migration` run only the SSH (h–j) / cloud (k–l) / migration (m) figures. */
const sshOnly = process.argv.includes('--ssh');
const cloudOnly = process.argv.includes('--cloud');
const migrationOnly = process.argv.includes('--migration');
/** `--acquire` runs only the warm/cold acquire figures (l), process and docker providers. */
const acquireOnly = process.argv.includes('--acquire');
const attachOnly = process.argv.includes('--attach');
const runnerOnly = process.argv.includes('--runner');
const ptyHostOnly = process.argv.includes('--ptyhost');
/** `--speed` runs only the terminal-speed comparison with the peers (s). */
const speedOnly = process.argv.includes('--speed');
const memoryOnly = process.argv.includes('--memory');
/** `--cluster` runs only (u); `--terminals N` sets its terminal count (default 1,000; 100 quick). */
const clusterOnly = process.argv.includes('--cluster');
const terminalsArg = process.argv.indexOf('--terminals');
const CLUSTER_TERMINALS = terminalsArg > 0 ? Number(process.argv[terminalsArg + 1]) : quick ? 100 : 1000;
/** `--mirror` runs only the live-mirror figures (v). */
const mirrorOnly = process.argv.includes('--mirror');
/** `--db` runs only the database figures (w). */
const dbOnly = process.argv.includes('--db');
/** `--core` runs only the gateway's own figures (a–g): throughput, echo, idle sessions, slow client, files. */
const coreOnly = process.argv.includes('--core');

const fmtMB = (b: number) => `${(b / MB).toFixed(1)} MiB`;

/** A file of base64 text with newlines (what a build log or `cat` of a big file looks like). */
async function makeDataFile(dir: string, bytes: number): Promise<{ file: string; ptyBytes: number }> {
  const file = path.join(dir, 'data.txt');
  const raw = randomBytes(Math.floor((bytes / 77) * 57));
  const b64 = raw.toString('base64').replace(/(.{76})/g, '$1\n');
  await writeFile(file, b64);
  // The PTY turns each "\n" into "\r\n".
  const newlines = b64.length - b64.replaceAll('\n', '').length;
  return { file, ptyBytes: b64.length + newlines };
}

/** Throughput of the bare relay (see bare-relay.mjs): the ceiling for any WebSocket relay here. */
async function bareRelayRun(port: number): Promise<{ seconds: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
    const start = performance.now();
    let last = start;
    let bytes = 0;
    ws.on('message', (d: Buffer, binary) => {
      if (!binary) {
        ws.close();
        resolve({ seconds: (last - start) / 1000, bytes });
      } else {
        bytes += d.length;
        last = performance.now();
      }
    });
    ws.on('error', reject);
  });
}

async function startBareRelay(file: string): Promise<{ port: number; stop(): void }> {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, 'bare-relay.mjs'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      const m = /PORT (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`bare relay exited with ${code}`)));
  });
  return { port, stop: () => child.kill() };
}

async function throughput(gw: GatewayProcess, file: string, expected: number) {
  const command = `cat ${file}`;
  const raw: number[] = [];
  const via: number[] = [];
  const bare: number[] = [];
  let rawLost = 0;
  const relay = await startBareRelay(file);
  const rounds = quick ? 1 : 3;
  for (let i = 0; i < rounds; i++) {
    const r = await rawPtyMany(1, command);
    raw.push(r.bytes / r.seconds);
    const g = await gatewayMany(gw, 1, command);
    if (g.bytes !== expected) throw new Error(`gateway delivered ${g.bytes} bytes, expected ${expected}`);
    rawLost = Math.max(rawLost, expected - r.bytes);
    via.push(g.bytes / g.seconds);
    const b = await bareRelayRun(relay.port);
    bare.push(b.bytes / b.seconds);
  }
  relay.stop();
  return {
    rawMBs: median(raw) / MB,
    gatewayMBs: median(via) / MB,
    bareMBs: median(bare) / MB,
    ratio: median(via) / median(raw),
    bareRatio: median(bare) / median(raw),
    rawLost,
  };
}

async function echoLatency(gw: GatewayProcess) {
  const rounds = quick ? 200 : ECHO_ROUNDS;
  // Baseline: the same program straight on node-pty in this process.
  const rawSamples = await rawEcho(rounds);
  const samples = await gatewayEcho(gw, rounds);
  return {
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    rawP50: percentile(rawSamples, 50),
    rawP99: percentile(rawSamples, 99),
  };
}

async function idleSessions(gw: GatewayProcess) {
  const n = quick ? 20 : IDLE_SESSIONS;
  const c = await GatewayClient.connect(gw.url, { token: gw.token });
  // Warm up code paths so the baseline is not dominated by first-use allocations.
  await c.open(1, { workspace: gw.workspace, cols: 80, rows: 24, command: 'sleep 600' });
  await new Promise((r) => setTimeout(r, 1000));
  const before = await gw.rssBytes();
  const conns: GatewayClient[] = [];
  for (let i = 0; i < n; i++) {
    // Shells as a user would have them: each prints its prompt into its ring, then waits.
    const k = await GatewayClient.connect(gw.url, { token: gw.token });
    await k.open(1, { workspace: gw.workspace, cols: 120, rows: 40 });
    k.detach(1);
    conns.push(k);
  }
  await Promise.all(conns.map((k) => k.close()));
  await new Promise((r) => setTimeout(r, 2000));
  const after = await gw.rssBytes();
  c.kill(1);
  await c.close();
  return { sessions: n, before, after, perSession: (after - before) / n };
}

async function slowClient(gw: GatewayProcess, file: string) {
  const c = await GatewayClient.connect(gw.url, { token: gw.token, autoAck: false });
  const before = await gw.rssBytes();
  const copies = Math.round(SLOW_CLIENT_BYTES / THROUGHPUT_BYTES);
  await c.open(1, { workspace: gw.workspace, cols: 120, rows: 40, command: `for i in $(seq ${copies}); do cat ${file}; done` });
  // Stop reading the socket entirely: no acks, and TCP backpressure on top.
  (c.ws as unknown as { _socket: import('node:net').Socket })._socket.pause();
  let peak = before;
  const deadline = Date.now() + (quick ? 3000 : 8000);
  while (Date.now() < deadline) {
    peak = Math.max(peak, await gw.rssBytes());
    await new Promise((r) => setTimeout(r, 200));
  }
  // Resume: the bytes that were held back must still arrive in order.
  (c.ws as unknown as { _socket: import('node:net').Socket })._socket.resume();
  c.autoAck = true;
  const receivedAtResume = c.channel(1).received;
  if (receivedAtResume > 0) c.ack(1, receivedAtResume);
  await c.until(() => c.channel(1).received > receivedAtResume + MB, 30_000, 'output after resume');
  const ch = c.channel(1);
  c.kill(1);
  await c.close();
  return { before, peak, growth: peak - before, gaps: ch.gaps, dups: ch.duplicateBytes };
}

async function printSshFigures(file: string) {
  const h = await sshFigures({ dataFile: file, quick });
  console.log(
    `(h) SSH terminal open (median of ${h.opens}): pooled ${h.pooledMs.toFixed(1)} ms vs fresh connection ${h.freshMs.toFixed(1)} ms → ` +
      `${(h.freshMs / h.pooledMs).toFixed(1)}× faster (target ≥ 10×); ${h.opens + 1} terminals on the warm pool took ${h.handshakes} handshake(s)`,
  );
  console.log(
    `(i) SSH throughput of ${fmtMB(h.bytes)}: ${h.sshMBs.toFixed(1)} MiB/s over SSH vs ${h.localMBs.toFixed(1)} MiB/s from a local PTY → ` +
      `${((h.sshMBs / h.localMBs) * 100).toFixed(0)}% (target ≥ 70%)`,
  );
  console.log(
    `(j) SSH echo over loopback (${h.echo.n} keys): p50 ${h.echo.p50.toFixed(2)} ms, p99 ${h.echo.p99.toFixed(2)} ms vs local PTY p50 ${h.echo.localP50.toFixed(2)} ms, p99 ${h.echo.localP99.toFixed(2)} ms`,
  );
}

async function printRunnerFigures() {
  const r = await runnerFigures({ quick });
  console.log(
    `(o) first terminal on an SSH host from a just-started gateway (median of ${r.rounds}, fresh connection, to first output): runner deployed now (${(r.artifactBytes / 1024).toFixed(0)} KiB over SFTP) ${r.deployMs.toFixed(0)} ms, ` +
      `runner cached on the host ${r.cachedMs.toFixed(0)} ms with its daemon running / ${r.coldDaemonMs.toFixed(0)} ms starting the daemon (target < 300 ms), ` +
      `direct SSH ${r.directMs.toFixed(0)} ms → the cached runner costs ${(r.cachedMs - r.directMs).toFixed(0)} / ${(r.coldDaemonMs - r.directMs).toFixed(0)} ms over direct SSH`,
  );
  console.log(
    `(p) SSH connection cut ${r.drops}× under a terminal printing ${r.lines.toLocaleString('en')} numbered lines: median ${r.resumeMs.toFixed(0)} ms from the cut to output flowing again; ` +
      `${r.lostLines} lines lost, ${r.repeatedLines} repeated (target 0 and 0)`,
  );
  console.log(`(q) file watch latency on an SSH host (write → event, median): runner inotify ${r.runnerWatchMs.toFixed(0)} ms vs SFTP polling every 2 s ${r.pollWatchMs.toFixed(0)} ms → ${(r.pollWatchMs / r.runnerWatchMs).toFixed(0)}× sooner`);
}

/** (r): the same gateway figures with terminals in the pty host and in-process, interleaved. */
async function printPtyHostFigures(hosted: GatewayProcess, file: string, ptyBytes: number) {
  const inProcess = await startGatewayProcess({ TETHER_MAX_SESSIONS_PER_USER: '500', TETHER_PTY_HOST: 'off' });
  try {
    const rounds = quick ? 1 : 3;
    const tp: { hosted: number[]; inProcess: number[] } = { hosted: [], inProcess: [] };
    const echo: { hosted: number[]; inProcess: number[]; hosted99: number[]; inProcess99: number[] } = { hosted: [], inProcess: [], hosted99: [], inProcess99: [] };
    for (let i = 0; i < rounds; i++) {
      for (const [gw, key] of [[hosted, 'hosted'], [inProcess, 'inProcess']] as const) {
        const g = await gatewayMany(gw, 1, `cat ${file}`);
        if (g.bytes !== ptyBytes) throw new Error(`gateway delivered ${g.bytes} bytes, expected ${ptyBytes}`);
        tp[key].push(g.bytes / g.seconds);
        const e = await echoLatency(gw);
        echo[key].push(e.p50);
        echo[`${key}99`].push(e.p99);
      }
    }
    const ratio = median(tp.hosted) / median(tp.inProcess);
    console.log(
      `(r) local pty host hop (median of ${rounds}, interleaved): throughput ${(median(tp.hosted) / MB).toFixed(1)} MiB/s in the pty host vs ${(median(tp.inProcess) / MB).toFixed(1)} MiB/s in the gateway → ` +
        `${(ratio * 100).toFixed(0)}% (cost ${((1 - ratio) * 100).toFixed(1)}%, target < 10%); echo p50 ${median(echo.hosted).toFixed(2)} vs ${median(echo.inProcess).toFixed(2)} ms → ` +
        `+${(median(echo.hosted) - median(echo.inProcess)).toFixed(2)} ms (target < 0.5 ms), p99 ${median(echo.hosted99).toFixed(2)} vs ${median(echo.inProcess99).toFixed(2)} ms`,
    );
  } finally {
    await inProcess.stop();
  }
}

async function printCloudFigures(file: string) {
  const g = await cloudGatewayThroughput({ dataFile: file, quick });
  const k = await cloudThroughput({ dataFile: file, quick });
  console.log(
    `(k) cloud throughput of ${fmtMB(k.bytes)} through the gateway: ${g.cloudMBs.toFixed(1)} MiB/s from a cloud worker vs ${g.localMBs.toFixed(1)} MiB/s from a local PTY → ` +
      `${((g.cloudMBs / g.localMBs) * 100).toFixed(0)}% (target ≥ 70%); at the Runtime interface (no gateway) ${k.cloudMBs.toFixed(1)} vs ${k.localMBs.toFixed(1)} MiB/s → ${((k.cloudMBs / k.localMBs) * 100).toFixed(0)}%`,
  );
  await printAcquireFigures();
}

/** (l) warm vs cold acquire, process provider and docker provider (`--acquire` runs only these). */
async function printAcquireFigures() {
  const l = await acquireLatency({ quick });
  console.log(`(l) acquire a cloud worker (median of ${l.rounds}, sandbox: ${l.sandbox}): warm ${l.warmMs.toFixed(0)} ms vs cold ${l.coldMs.toFixed(0)} ms (target warm < 100 ms)`);
  const d = await acquireLatency({ quick, provider: 'docker' }).catch((err: Error) => err);
  if (d instanceof Error) return console.log(`(l) docker provider: not measured (${d.message.split('\n')[0]})`);
  console.log(
    `(l) acquire a docker worker (median of ${d.rounds}, ${d.sandbox}): warm ${d.warmMs.toFixed(1)} ms vs the process provider's ${l.warmMs.toFixed(1)} ms; ` +
      `cold ${d.coldMs.toFixed(0)} ms (a container started) vs ${l.coldMs.toFixed(0)} ms (a process started)`,
  );
}

async function printMigrationFigures() {
  const m = await migrationFigures({ quick });
  console.log(
    `(m) move a repository of ${m.files.toLocaleString('en')} files / ${fmtMB(m.totalBytes)} to a cloud worker: full ${m.fullSeconds.toFixed(1)} s (${fmtMB(m.fullBytes)} sent) ` +
      `vs incremental after 100 changed files ${m.incSeconds.toFixed(1)} s (${fmtMB(m.incBytes)} sent) → ${(m.fullSeconds / m.incSeconds).toFixed(1)}× faster`,
  );
}

async function printMirrorFigures() {
  const m = await mirrorFigures({ quick });
  const lat = (l: { p50: number; p99: number }) => `p50 ${l.p50.toFixed(0)} ms, p99 ${l.p99.toFixed(0)} ms`;
  console.log(`(v) mirror edit → visible on the other side (${m.ssh.samples} edits each way): this machine → SSH ${lat(m.ssh.aToB)}, SSH → this machine ${lat(m.ssh.bToA)} (runner, inotify)`);
  console.log(`(v) mirror edit → visible on the other side: this machine → cloud ${lat(m.cloud.aToB)}, cloud → this machine ${lat(m.cloud.bToA)} (target well under 1 s)`);
  console.log(
    `(v) mirror initial sync of ${m.files.toLocaleString('en')} files / ${fmtMB(m.totalBytes)} to a worker: empty side ${m.fullSeconds.toFixed(1)} s (${fmtMB(m.fullBytes)} sent); ` +
      `again after a restart with 100 files changed ${m.diffSeconds.toFixed(1)} s (${m.diffFiles} files, ${fmtMB(m.diffBytes)} sent)`,
  );
  console.log(
    `(v) mirror: ${m.burstFiles.toLocaleString('en')} files changed at once reached the worker in ${m.burstSeconds.toFixed(1)} s; gateway CPU ${m.burstCpuSeconds.toFixed(2)} s in its process ` +
      `+ ${m.burstChildCpuSeconds.toFixed(2)} s in the find/sha256sum it ran (${(((m.burstCpuSeconds + m.burstChildCpuSeconds) / m.burstSeconds) * 100).toFixed(0)}% of one core over that time)`,
  );
}

async function printAttachFigures(gw: GatewayProcess) {
  const a = await attachFigures(gw, { quick });
  const kb = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
  const link = `${((SLOW_LINK.bytesPerSecond * 8) / 1e6).toFixed(1)} Mbit/s, ${SLOW_LINK.oneWayDelayMs * 2} ms RTT`;
  console.log(
    `(n) attach to a full-screen session with ~3 MB of history, on a slow link (${link}): snapshot ${kb(a.slow.snapshot.bytes)} in ${a.slow.snapshot.ms.toFixed(0)} ms ` +
      `vs ring replay ${kb(a.slow.replay.bytes)} in ${(a.slow.replay.ms / 1000).toFixed(1)} s (${(a.slow.replay.bytes / a.slow.snapshot.bytes).toFixed(0)}× fewer bytes, ` +
      `${(a.slow.replay.ms / a.slow.snapshot.ms).toFixed(0)}× sooner); on loopback ${a.local.snapshot.ms.toFixed(0)} ms vs ${a.local.replay.ms.toFixed(0)} ms`,
  );
}

/** (t): the gateway's resident memory with the UI, idle and after a burst. */
async function printMemoryFigures(file: string) {
  const m = await memoryFigures(file, { quick });
  if (!m) return console.log('(t) gateway memory with the UI: no production UI build (.next/BUILD_ID), so not measured; run `npm run build`');
  const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;
  console.log(
    `(t) gateway RSS with the UI (as npm start runs it): ${mb(m.start)} at start, ${mb(m.idle)} idle 20 s after serving pages (target ≤ 120 MB; ${mb(m.idleEarly)} at 10 s), ` +
      `${mb(m.peak)} at the peak of ${m.terminals} terminals × 2 MiB, ${mb(m.after60)} 60 s later = ${((m.after60 / m.idle - 1) * 100).toFixed(0)}% above idle (target ≤ 25%)`,
  );
  console.log(`    at that peak, beside the gateway: pty host RSS ${mb(m.hostPeak)}, terminal output in memfds (records, ring files; in neither RSS) ${mb(m.filesPeak)}`);
}

/** (s, many): MANY terminals each printing 2 MiB at once, median of 3 interleaved rounds. */
async function printManyFigures(gw: GatewayProcess, off: GatewayProcess, ttyd: string | null, file: string) {
  const n = quick ? 20 : MANY_TERMINALS;
  const command = `head -c ${2 * 1024 * 1024} ${file}`;
  const peers: { name: string; run: () => Promise<Run> }[] = [
    { name: 'node-pty', run: () => rawPtyMany(n, command) },
    { name: 'Tether', run: () => gatewayMany(gw, n, command) },
    { name: 'Tether, pty host off', run: () => gatewayMany(off, n, command) },
    ...(ttyd ? [{ name: 'ttyd', run: () => ttydMany(ttyd, n, command) }] : []),
  ];
  const runs = new Map<string, Run[]>(peers.map((p) => [p.name, []]));
  for (let i = 0; i < (quick ? 1 : 3); i++) for (const p of peers) runs.get(p.name)!.push(await p.run());
  const rate = (name: string) => median(runs.get(name)!.map((r) => r.bytes / r.seconds)) / MB;
  const floor = rate('node-pty');
  console.log(`(s) ${n} terminals each printing 2 MiB at once (median of ${quick ? 1 : 3}):`);
  for (const p of peers) {
    const rs = runs.get(p.name)!;
    const cpu = median(rs.map((r) => (r.cpu / r.bytes) * 100 * MB));
    const vsTtyd = ttyd && p.name.startsWith('Tether') ? ` (${(rate(p.name) / rate('ttyd')).toFixed(2)}× ttyd)` : '';
    console.log(`    ${p.name.padEnd(22)} ${rate(p.name).toFixed(1).padStart(6)} MiB/s aggregate = ${(rate(p.name) / floor).toFixed(2)}× node-pty${vsTtyd} · ${cpu.toFixed(2)} CPU-s per 100 MB`);
  }
  console.log('    target: Tether ≥ 1.0× node-pty in one process');
}

/** (s): the default configuration, the pty host off, node-pty in this process and ttyd, side by side. */
async function printSpeedFigures(gw: GatewayProcess, file: string, bytes: number) {
  const off = await startGatewayProcess({ TETHER_PTY_HOST: 'off', TETHER_MAX_SESSIONS_PER_USER: '500' });
  const ttyd = findTtyd();
  const peers: Peer[] = [
    { name: 'node-pty', flood: (c) => rawPtyMany(1, c), echo: rawEcho },
    { name: 'Tether', flood: (c) => gatewayMany(gw, 1, c), echo: (n) => gatewayEcho(gw, n) },
    { name: 'Tether, pty host off', flood: (c) => gatewayMany(off, 1, c), echo: (n) => gatewayEcho(off, n) },
    ...(ttyd ? [{ name: 'ttyd', flood: (c: string) => ttydMany(ttyd, 1, c), echo: (n: number) => ttydEcho(ttyd, n) }] : []),
  ];
  try {
    const rounds = quick ? 1 : 5;
    const echoRounds = quick ? 200 : ECHO_ROUNDS;
    const echoWarmup = quick ? 1000 : ECHO_WARMUP;
    // This process's clients (GatewayClient and TtydClient), warmed on servers of their own.
    const warmClients = async () => {
      const spare = await startGatewayProcess();
      try {
        await gatewayEcho(spare, echoWarmup);
      } finally {
        await spare.stop();
      }
      if (ttyd) await ttydEcho(ttyd, echoWarmup);
    };
    const figures = await compare(peers, `cat ${file}`, bytes, rounds, echoRounds, echoWarmup, warmClients);
    const floor = figures[0]!;
    const ttydFigures = figures.find((f) => f.name === 'ttyd');
    console.log(`(s) terminal speed, ${fmtMB(bytes)} flood (median of ${rounds}, interleaved) and one-byte echoes, ${echoRounds} warm (after ${echoWarmup} unmeasured) and the first ${echoRounds} cold (each server's first keystrokes, after the floods, which do not run its input path; this process's clients warmed on servers of their own)${ttyd ? '' : '; ttyd not found (PATH or TETHER_BENCH_TTYD), so not compared'}:`);
    for (const f of figures) {
      console.log(
        `    ${f.name.padEnd(22)} ${f.mbs.toFixed(1).padStart(6)} MiB/s = ${((f.mbs / floor.mbs) * 100).toFixed(0).padStart(3)}% of node-pty` +
          (ttydFigures && f.name.startsWith('Tether') ? ` (${(f.mbs / ttydFigures.mbs).toFixed(2)}× ttyd)` : '') +
          ' · ' +
          `${f.cpuPer100MB.toFixed(2)} CPU-s per 100 MB · echo p50 ${f.p50.toFixed(2)} ms, p99 ${f.p99.toFixed(2)} ms (cold ${f.coldP50.toFixed(2)} / ${f.coldP99.toFixed(2)})` +
          (f.shortRuns ? ` · ${f.shortRuns} of ${rounds} runs ended short (${f.missingBytes} bytes missing in all)` : ''),
      );
    }
    console.log('    targets: Tether ≥ 90% of node-pty (pty host off ≥ 95%), ≤ 1.2 CPU-s per 100 MB, warm echo p50 ≤ 0.2 ms and p99 ≤ 1.5 ms');
    await printManyFigures(gw, off, ttyd, file);
  } finally {
    await off.stop();
  }
}

async function printDbFigures() {
  const f = await dbFigures({ quick });
  const line = (what: string, key: keyof typeof f.sqlite) => {
    const [s, p] = [f.sqlite[key], f.postgres[key]];
    console.log(
      `    ${what}: Postgres p50 ${p.p50Us.toFixed(0)} µs, p99 ${p.p99Us.toFixed(0)} µs, ${p.serialQps.toFixed(0)}/s serial, ${p.concurrentQps.toFixed(0)}/s with 16 in flight; ` +
        `SQLite p50 ${s.p50Us.toFixed(0)} µs, p99 ${s.p99Us.toFixed(0)} µs, ${s.serialQps.toFixed(0)}/s serial, ${s.concurrentQps.toFixed(0)}/s with 16 in flight`,
    );
  };
  console.log('(w) database hot queries, Postgres (loopback TCP) vs SQLite (embedded), 200 accounts:');
  line('workspace list', 'workspaceList');
  line('session auth (signed out? active? session live?)', 'sessionAuth');
  line('share check (guest cookie → guest and share)', 'shareCheck');
}

async function main() {
  if (dbOnly) return printDbFigures();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tether-bench-data-'));
  const { file, ptyBytes } = await makeDataFile(dir, quick ? 20 * MB : THROUGHPUT_BYTES);
  if (attachOnly) {
    const gw = await startGatewayProcess();
    await printAttachFigures(gw).finally(async () => {
      await gw.stop();
      await rm(dir, { recursive: true, force: true });
    });
    return;
  }
  if (ptyHostOnly) {
    const gw = await startGatewayProcess({ TETHER_MAX_SESSIONS_PER_USER: '500' });
    await printPtyHostFigures(gw, file, ptyBytes).finally(async () => {
      await gw.stop();
      await rm(dir, { recursive: true, force: true });
    });
    return;
  }
  if (speedOnly) {
    const gw = await startGatewayProcess({ TETHER_MAX_SESSIONS_PER_USER: '500' });
    await printSpeedFigures(gw, file, ptyBytes).finally(async () => {
      await gw.stop();
      await rm(dir, { recursive: true, force: true });
    });
    return;
  }
  if (clusterOnly) {
    await printClusterFigures().finally(() => rm(dir, { recursive: true, force: true }));
    return;
  }
  if (mirrorOnly) {
    await printMirrorFigures().finally(() => rm(dir, { recursive: true, force: true }));
    return;
  }
  if (memoryOnly) {
    await printMemoryFigures(file).finally(() => rm(dir, { recursive: true, force: true }));
    return;
  }
  if (runnerOnly) {
    await printRunnerFigures().finally(() => rm(dir, { recursive: true, force: true }));
    return;
  }
  if (acquireOnly) {
    await printAcquireFigures().finally(() => rm(dir, { recursive: true, force: true }));
    return;
  }
  if (sshOnly || cloudOnly || migrationOnly) {
    await (sshOnly ? printSshFigures(file) : cloudOnly ? printCloudFigures(file) : printMigrationFigures()).finally(() => rm(dir, { recursive: true, force: true }));
    return;
  }
  const gw = await startGatewayProcess({ TETHER_MAX_SESSIONS_PER_USER: '500' });
  try {
    console.log(`Tether benchmark (${quick ? 'quick' : 'full'}), node ${process.version}, ${os.cpus().length} cores`);
    const t = await throughput(gw, file, ptyBytes);
    console.log(
      `(a) throughput of ${fmtMB(ptyBytes)} (median of ${quick ? 1 : 3}): gateway ${t.gatewayMBs.toFixed(1)} MiB/s vs raw node-pty ${t.rawMBs.toFixed(1)} MiB/s → ` +
        `ratio ${(t.ratio * 100).toFixed(0)}% (target ≥ 80%); a bare node-pty→ws relay reaches ${t.bareMBs.toFixed(1)} MiB/s = ${(t.bareRatio * 100).toFixed(0)}% in the same run, ` +
        `so the gateway keeps ${((t.gatewayMBs / t.bareMBs) * 100).toFixed(0)}% of what any relay can do here; gateway bytes exact, raw node-pty lost up to ${t.rawLost} bytes at exit`,
    );
    const e = await echoLatency(gw);
    console.log(`(b) echo latency: p50 ${e.p50.toFixed(2)} ms, p99 ${e.p99.toFixed(2)} ms through the gateway; raw node-pty p50 ${e.rawP50.toFixed(2)} ms, p99 ${e.rawP99.toFixed(2)} ms (target p99 < 5 ms)`);
    const s = await idleSessions(gw);
    console.log(`(c) idle sessions: ${s.sessions} sessions added ${fmtMB(s.after - s.before)} RSS → ${(s.perSession / 1024).toFixed(0)} KiB per session (target ≤ 2 MiB beyond the ring)`);
    const d = await slowClient(gw, file);
    console.log(
      `(d) slow client: a client that stopped reading while ${SLOW_CLIENT_BYTES / MB} MB were printed: gateway RSS ${fmtMB(d.before)} → peak ${fmtMB(d.peak)}, ` +
        `growth ${fmtMB(d.growth)} (target < 50 MiB); when it read again, output resumed with ${d.gaps} gaps and ${d.dups} repeated bytes`,
    );
    const l = await listFigures(gw);
    console.log(`(e) list a folder of 10,000 entries (first page of 1,000 with stats): ${l.gatewayMs.toFixed(0)} ms through tRPC vs ${l.rawMs.toFixed(0)} ms raw readdir+lstat (×${(l.gatewayMs / l.rawMs).toFixed(1)}; target < 150 ms)`);
    const o = await openFigures(gw);
    console.log(`(f) open a 5 MB file: ${o.gatewayMs.toFixed(0)} ms through tRPC vs ${o.rawMs.toFixed(0)} ms raw readFile (×${(o.gatewayMs / o.rawMs).toFixed(1)})`);
    const w = await watchFigures(gw);
    console.log(`(g) watch latency, write on disk → SSE event: p50 ${w.p50.toFixed(0)} ms, max ${w.max.toFixed(0)} ms (batching window 100 ms) vs raw fs.watch p50 ${w.rawP50.toFixed(1)} ms (target < 300 ms)`);
    if (coreOnly) return;
    await printPtyHostFigures(gw, file, ptyBytes);
    await printSpeedFigures(gw, file, ptyBytes);
    await printAttachFigures(gw);
    await printMemoryFigures(file);
    await printSshFigures(file);
    await printRunnerFigures();
    await printCloudFigures(file);
    await printMigrationFigures();
    await printClusterFigures();
    await printMirrorFigures();
    await printDbFigures();
  } finally {
    await gw.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function printClusterFigures(): Promise<void> {
  if (!Number.isInteger(CLUSTER_TERMINALS) || CLUSTER_TERMINALS < 1) throw new Error('--terminals wants a positive whole number');
  const u = await clusterFigures({ terminals: CLUSTER_TERMINALS, rounds: quick ? 9 : 12 });
  console.log(
    `(u) two gateways behind nginx, ${u.terminals} terminals on ${u.workers} cloud workers over ${u.sockets} browser sockets (${u.perGateway.join(' / ')} sockets per gateway; opened in ${u.openSeconds.toFixed(1)} s), ` +
      `one gateway SIGKILLed after ${Math.floor(u.rounds / 3)} of ${u.rounds} rounds of typed lines: ${u.moved} terminals moved, resumed after p50 ${u.resumeP50.toFixed(0)} ms, p99 ${u.resumeP99.toFixed(0)} ms, max ${u.resumeMax.toFixed(0)} ms; ` +
      `${u.bytesLost} of ${u.bytesExpected.toLocaleString('en')} bytes lost, ${u.bytesRepeated} repeated (target 0)`,
  );
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
