/**
 * (s) Terminal speed against the peers, interleaved in one run: the same output flood and the same
 * echo loop through node-pty in this process (the floor), Tether as `npm start` ships it (pty
 * host on), Tether with the pty host off, and ttyd (the fastest peer users compare with) when a
 * built `ttyd` is found (on PATH, or TETHER_BENCH_TTYD=/path/to/ttyd). CPU is the user + system
 * time of every server process on the path (gateway, pty host and a Perl spawner; ttyd's one process; this
 * process for node-pty), per 100 MB relayed — the child program's own time is never counted.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as pty from 'node-pty';
import { ACK_EVERY_BYTES } from '../../lib/protocol';
import { findProcesses, withDescendants } from '../../server/os/processes';
import { SPAWNER_ARG } from '../../server/runtimes/local/spawner';
import { GatewayClient } from '../../server/testing/ws-client';
import type { GatewayProcess } from './gateway-process';
import { median, percentile } from './stats';
import { startTtyd, TtydClient } from './ttyd-client';

const MB = 1024 * 1024;
const CLOCK_TICKS = 100;

/** User + system CPU seconds a process has used so far. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** The gateway and the pty host serving its DATA_DIR (when there is one). */
export function gatewayAndHost(gw: GatewayProcess): number[] {
  return [gw.pid, ...findProcesses((argv) => argv.includes('serve') && argv.some((a) => a.includes(gw.dataDir)))];
}

/** Those and the Perl spawner of either (when terminals start through Perl: TETHER_PTY_SPAWNER=perl,
 * or no posix_spawn here). The spawner forks every terminal's program — 3.7 ms of CPU each on a
 * 2-core VM — and until 2026-12-07 it was not counted. */
export function serverPids(gw: GatewayProcess): number[] {
  const servers = gatewayAndHost(gw);
  return [...servers, ...spawnersOf(servers)];
}

/** Perl spawners (server/runtimes/local/spawner.ts) started by `servers` — known by their command
 * line, not by being `perl`: a terminal's own Perl program is a child of the pty host too. */
export function spawnersOf(servers: number[]): number[] {
  const tree = new Set(withDescendants(servers));
  return findProcesses((argv) => argv.includes(SPAWNER_ARG)).filter((pid) => tree.has(pid));
}

export interface Run {
  seconds: number;
  bytes: number;
  /** CPU seconds of the server processes during the run. */
  cpu: number;
}

/** A built ttyd, if any. */
export function findTtyd(): string | null {
  const given = process.env.TETHER_BENCH_TTYD;
  if (given) return existsSync(given) ? given : null;
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(path.join(dir, 'ttyd'))) return path.join(dir, 'ttyd');
  return null;
}

const ECHO_COMMAND = 'stty raw -echo; exec cat';

/** Round trips of one byte: `send` writes it; `waitFor`, asked before the send, resolves when it is back. */
async function echoLoop(rounds: number, send: (b: string) => void, waitFor: (b: string) => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const b = String.fromCharCode(97 + (i % 26));
    const back = waitFor(b);
    const t0 = process.hrtime.bigint();
    send(b);
    await back;
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return samples;
}

/** A waiter for the next output chunk that contains `b`. */
function echoWaiter(): { feed(d: Buffer): void; waitFor(b: string): Promise<void> } {
  let want: { b: string; done: () => void } | null = null;
  return {
    feed(d) {
      if (want && d.toString('latin1').includes(want.b)) {
        const w = want;
        want = null;
        w.done();
      }
    },
    waitFor: (b) => new Promise<void>((done) => (want = { b, done })),
  };
}

export async function rawEcho(rounds: number): Promise<number[]> {
  const w = echoWaiter();
  const p = pty.spawn('/bin/sh', ['-c', ECHO_COMMAND], { cols: 80, rows: 24, encoding: null } as pty.IPtyForkOptions);
  p.onData((d) => w.feed(d as unknown as Buffer));
  await new Promise((r) => setTimeout(r, 300));
  const samples = await echoLoop(rounds, (b) => p.write(b), w.waitFor);
  p.kill();
  return samples;
}

export async function gatewayEcho(gw: GatewayProcess, rounds: number): Promise<number[]> {
  const c = await GatewayClient.connect(gw.url, { token: gw.token, ackEvery: ACK_EVERY_BYTES });
  await c.open(1, { workspace: gw.workspace, cols: 80, rows: 24, command: ECHO_COMMAND });
  await new Promise((r) => setTimeout(r, 300));
  const samples = await echoLoop(
    rounds,
    (b) => c.input(1, b),
    () => {
      const before = c.channel(1).received;
      return c.until(() => c.channel(1).received > before, 5000, 'echo');
    },
  );
  c.kill(1);
  await c.close();
  return samples;
}

export async function ttydEcho(bin: string, rounds: number): Promise<number[]> {
  const ttyd = await startTtyd(bin, ['/bin/sh', '-c', ECHO_COMMAND], ['-o']);
  const w = echoWaiter();
  const t = await TtydClient.connect(ttyd.port, { onOutput: w.feed });
  await new Promise((r) => setTimeout(r, 300));
  const samples = await echoLoop(rounds, (b) => t.input(b), w.waitFor);
  await t.close();
  await ttyd.stop();
  return samples;
}

export interface Peer {
  name: string;
  flood(command: string): Promise<Run>;
  echo(rounds: number): Promise<number[]>;
}

export interface PeerFigures {
  name: string;
  mbs: number;
  cpuPer100MB: number;
  /** Echo after the warm-up (a process that has been in use: its JIT has compiled the path). */
  p50: number;
  p99: number;
  /** The first echoes a fresh terminal sees in this process, before the warm-up. */
  coldP50: number;
  coldP99: number;
  /** A peer's flood runs that ended short, and the bytes they were short by (Tether's may not). */
  shortRuns: number;
  missingBytes: number;
}

/**
 * Each peer's flood `rounds` times, interleaved, then its echo loop; medians. The echo loop is
 * `echoRounds` measured cold, `echoWarmup` unmeasured, then `echoRounds` measured warm: a
 * gateway's V8 compiles the echo path (the socket read, the input frame, the PTY write, the
 * small-output pump) only after a few thousand keystrokes, and until then its optimizing
 * compiler's threads compete with the main thread for the 2 cores. A gateway that has been in
 * use is warm; one just started is not, so both are reported. Every peer gets the same loop.
 *
 * `warmClients` runs once before the first echo: this process's own clients must be warm, or the
 * cold figures measure this process compiling its client as well as the server warming up. With
 * the client cold, 17 of 42 keystrokes over 1.5 ms to a fresh gateway waited for a CPU held by
 * this process's compiler threads; with it warm, 9 of 43 (`perf sched`, 2026-12-06). It runs the
 * clients against servers of their own, so no measured server is warmed by it.
 */
export async function compare(
  peers: readonly Peer[],
  command: string,
  expectedBytes: number,
  rounds: number,
  echoRounds: number,
  echoWarmup: number,
  warmClients: () => Promise<void> = async () => {},
): Promise<PeerFigures[]> {
  const runs = new Map<string, Run[]>(peers.map((p) => [p.name, []]));
  const short = new Map<string, { runs: number; bytes: number }>(peers.map((p) => [p.name, { runs: 0, bytes: 0 }]));
  for (let i = 0; i < rounds; i++) {
    for (const p of peers) {
      const r = await p.flood(command);
      if (p.name.startsWith('Tether') && r.bytes !== expectedBytes) throw new Error(`${p.name} delivered ${r.bytes} bytes, expected ${expectedBytes}`);
      if (r.bytes < expectedBytes) {
        // A peer's loss is a finding to report (ttyd can drop the last output before the exit).
        const s = short.get(p.name)!;
        s.runs++;
        s.bytes += expectedBytes - r.bytes;
      }
      runs.get(p.name)!.push(r);
    }
  }
  await warmClients();
  const out: PeerFigures[] = [];
  for (const p of peers) {
    const rs = runs.get(p.name)!;
    const echo = await p.echo(echoRounds * 2 + echoWarmup);
    const cold = echo.slice(0, echoRounds);
    const warm = echo.slice(-echoRounds);
    out.push({
      name: p.name,
      mbs: median(rs.map((r) => r.bytes / r.seconds)) / MB,
      cpuPer100MB: median(rs.map((r) => (r.cpu / r.bytes) * 100 * MB)),
      p50: percentile(warm, 50),
      p99: percentile(warm, 99),
      coldP50: percentile(cold, 50),
      coldP99: percentile(cold, 99),
      shortRuns: short.get(p.name)!.runs,
      missingBytes: short.get(p.name)!.bytes,
    });
  }
  return out;
}
