/**
 * `npm run bench:load` (not part of `npm test`): many terminals at once through one gateway.
 *
 *  1. 500 terminals over 50 sockets (10 channels each), every one running a printer that writes a
 *     numbered line sequence at a fixed rate for a fixed time (each at its own phase of the tick).
 *     Every channel's bytes are checked as they arrive (next expected line number + a partial-line
 *     buffer; nothing else is kept): the stream must be exactly `ready`, then lines 0..N−1 in
 *     order, and end with EXIT 0.
 *  2. On one more socket, an interactive shell: keystroke echo is timed while the load runs, and
 *     then beside a flood (`yes`) on the same socket.
 *  3. Gateway CPU (utime+stime of its process), RSS before/peak/after, aggregate MiB/s, and the
 *     gateway's event-loop delay and GC pauses (from its /metrics) to tell where time went.
 *  4. With TETHER_BENCH_TTYD=/path/to/ttyd, afterwards: the same load through ttyd on loopback
 *     (the peer users compare with): the same printers at the same phases, one WebSocket per
 *     terminal (ttyd has no channels), every stream checked the same way, and the typist's echo
 *     on its own ttyd connection. Its lost or broken streams are reported, not failed.
 *
 * `--quick`: 100 terminals over 10 sockets, 10 s. Overrides: `--terminals=N --sockets=N
 * --seconds=S --lines-per-tick=N` (a tick is 100 ms; a line is ~58 bytes with its CRLF; the
 * default 32 lines per tick offer ~18 KiB/s per terminal).
 * Exits non-zero if any channel lost, repeated or reordered a byte, or did not finish, or if a
 * session or process is left behind.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ACK_EVERY_BYTES } from '../../lib/protocol';
import { GatewayClient } from '../../server/testing/ws-client';
import { alive, withDescendants } from '../../server/os/processes';
import { startGatewayProcess, type GatewayProcess } from './gateway-process';
import { echoSeries, gatewayTerminal, settle } from './keystrokes';
import { gatewayAndHost, spawnersOf } from './speed';
import { memfdBytes, rssBytes } from './process-memory';
import { median, percentile } from './stats';
import { startTtyd, TtydClient } from './ttyd-client';

const MB = 1024 * 1024;
const quick = process.argv.includes('--quick');

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (!arg) return fallback;
  const v = Number(arg.slice(name.length + 3));
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}

const TERMINALS = flag('terminals', quick ? 100 : 500);
const SOCKETS = flag('sockets', quick ? 10 : 50);
const SECONDS = flag('seconds', quick ? 10 : 25);
const TICK_SECONDS = 0.1;
const LINES_PER_TICK = flag('lines-per-tick', 32);
const TICKS = Math.round(SECONDS / TICK_SECONDS);
const LINES = TICKS * LINES_PER_TICK;
const ECHO_ROUNDS = quick ? 200 : 300;
const PER_SOCKET = Math.ceil(TERMINALS / SOCKETS);
const PAD = '.'.repeat(48);
const CLK_TCK = 100;

/**
 * The printer (Perl: a bash loop costs several times the CPU, which the gateway would then not
 * get): says `ready` once echo is off, waits for one line of input (the start signal), then every
 * tick writes LINES_PER_TICK numbered lines in one write and sleeps.
 */
const PRINTER = `use strict;
my ($k, $ticks, $tick, $phase) = @ARGV;
my $pad = '${PAD}';
sub out { my $s = shift; while (length $s) { my $n = syswrite(STDOUT, $s); die "write: $!" unless defined $n; substr($s, 0, $n) = ''; } }
out("ready\n");
my $go = <STDIN>;
select(undef, undef, undef, $phase);
my $i = 0;
for my $t (1 .. $ticks) {
  my $s = '';
  for (1 .. $k) { $s .= "line $i $pad\n"; $i++; }
  out($s);
  select(undef, undef, undef, $tick);
}
`;

/** Terminal `i`'s printer, at its own phase of the tick (so the terminals' writes are spread over
 * time as independent programs' would be, not 500 writes in the same millisecond). */
const printerCommand = (script: string, i: number) =>
  `stty -echo && exec perl ${script} ${LINES_PER_TICK} ${TICKS} ${TICK_SECONDS} ${((i / TERMINALS) * TICK_SECONDS).toFixed(4)}`;

const READY = 'ready\r\n';
const lineText = (i: number) => `line ${i} ${PAD}`;
/** Bytes a printer's channel must deliver in total: `ready` and N lines, each ending in CRLF (the PTY's onlcr). */
function expectedBytes(lines: number): number {
  let n = READY.length;
  for (let i = 0; i < lines; i++) n += lineText(i).length + 2;
  return n;
}

/** Checks one channel's stream incrementally: only the next line number and an unfinished line are kept. */
class LineChecker {
  private partial = '';
  ready = false;
  next = 0;
  outOfOrder = 0;
  malformed = 0;

  feed(chunk: Buffer): void {
    const s = this.partial + chunk.toString('latin1');
    let start = 0;
    for (let nl = s.indexOf('\r\n'); nl >= 0; nl = s.indexOf('\r\n', start)) {
      this.line(s.slice(start, nl));
      start = nl + 2;
    }
    this.partial = s.slice(start);
    if (this.partial.length > 4096) {
      this.malformed++;
      this.partial = '';
    }
  }

  private line(l: string): void {
    if (!this.ready) {
      if (l === 'ready') this.ready = true;
      else this.malformed++;
      return;
    }
    if (l === lineText(this.next)) {
      this.next++;
      return;
    }
    const m = /^line (\d+) \.+$/.exec(l);
    if (m) {
      this.outOfOrder++;
      this.next = Number(m[1]) + 1;
    } else this.malformed++;
  }

  get complete(): boolean {
    return this.ready && this.next === LINES && this.partial === '';
  }
  get unfinishedLine(): boolean {
    return this.partial !== '';
  }
}

/** One terminal's stream as verified at the end, whichever server carried it. */
interface Delivery {
  check: LineChecker;
  bytes: number;
  /** Bytes that arrived twice or out of order, and offset gaps (Tether's offsets; ttyd has none). */
  duplicateBytes: number;
  gaps: number;
  /** Its end arrived (Tether: EXIT; ttyd: its socket closed). */
  ended: boolean;
  badExit: boolean;
  /** ERROR frames on it. */
  errors: number;
  /** Which terminal, and how it ended, for the report of a broken one. */
  where(): string;
  end(): string;
}

interface Faults {
  lost: number;
  repeated: number;
  gaps: number;
  outOfOrder: number;
  malformed: number;
  unfinished: number;
  badExit: number;
}

/** Every terminal's faults summed; the first few broken ones are printed (`unit`: what a terminal is called there). */
function verify(all: readonly Delivery[], unit = 'channels'): Faults {
  const want = expectedBytes(LINES);
  const f: Faults = { lost: 0, repeated: 0, gaps: 0, outOfOrder: 0, malformed: 0, unfinished: 0, badExit: 0 };
  for (const d of all) {
    f.lost += Math.max(0, want - d.bytes);
    f.repeated += d.duplicateBytes + Math.max(0, d.bytes - want);
    f.gaps += d.gaps;
    f.outOfOrder += d.check.outOfOrder;
    f.malformed += d.check.malformed + d.errors;
    if (!d.check.complete || !d.ended) f.unfinished++;
    if (d.badExit) f.badExit++;
  }
  const broken = all.filter((d) => !d.check.complete || d.check.outOfOrder || d.check.malformed || d.duplicateBytes);
  for (const d of broken.slice(0, 5)) {
    console.error(
      `  broken: ${d.where()}: ${d.bytes} of ${want} bytes, next line ${d.check.next} of ${LINES}, ` +
        `unfinished line: ${d.check.unfinishedLine}, out of order ${d.check.outOfOrder}, malformed ${d.check.malformed}, ${d.end()}`,
    );
  }
  if (broken.length) {
    const missing = broken.map((d) => LINES - d.check.next).sort((a, b) => a - b);
    console.error(`  ${broken.length} broken ${unit}; lines missing at the end: min ${missing[0]}, median ${median(missing)}, max ${missing.at(-1)}`);
  }
  return f;
}

const faultCount = (f: Faults) => Object.values(f).reduce((a, b) => a + b, 0);

interface LoadChannel {
  client: GatewayClient;
  id: number;
  /** Position among all terminals (sets its printer's phase). */
  index: number;
  check: LineChecker;
}

// ---- /proc readings ----

function cpuTicks(pid: number): { own: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14–17 of proc(5) (utime stime cutime cstime); f[0] is field 3.
  return { own: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
}

/** The main thread's time on a CPU and waiting for one (ns; schedstat, kernel ≥ 2.6.23). */
function schedstat(pid: number): { ran: number; waited: number } {
  try {
    const [ran, waited] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    return { ran: ran!, waited: waited! };
  } catch {
    return { ran: 0, waited: 0 };
  }
}

function machineTicks(): { busy: number; total: number } {
  const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const n = v.map(Number);
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - n[3]! - n[4]!, total };
}

/** What else took the machine's CPU during the load (the printers, this process, everything). */
function besideLine(printers: number, client: number, machine: number): string {
  return `  beside it:          printers ${pct(printers)} of a core, this client ${pct(client)}, whole machine ${pct(machine)} busy`;
}

function lostLine(f: { lost: number; repeated: number; outOfOrder: number }): string {
  return `lost bytes: ${f.lost}, repeated bytes: ${f.repeated}, out-of-order lines: ${f.outOfOrder}`;
}

function clientLoopText(loop: IntervalHistogram): string {
  return `this client p99 ${ms(loop.percentile(99) / 1e6)}, max ${ms(loop.max / 1e6)} (10 ms sampling, included)`;
}

/** Stop the server under test (`root`), then what it and its terminals left running. */
async function stopAndFindLeftovers(root: number, spawned: readonly number[], stop: () => Promise<void>): Promise<number[]> {
  const tree = descendants(root);
  await stop();
  await sleep(200);
  return alive([...new Set([...spawned, ...tree])]);
}

/** Live (non-zombie) descendants of `root`. */
function descendants(root: number): number[] {
  return withDescendants([root]).filter((pid) => pid !== root);
}

/** Of the time a process wanted a CPU between two schedstat readings, the share it spent waiting for one (run queue). */
function waitedShare(a: { ran: number; waited: number }, b: { ran: number; waited: number }): number {
  const ran = b.ran - a.ran;
  const waited = b.waited - a.waited;
  return waited / (ran + waited || 1);
}

interface Peak {
  peak: number;
  stop(): Promise<void>;
}

/** The highest `read()` gives, read every 200 ms until stopped. */
function peakOf(read: () => Promise<number>, start: number): Peak {
  let running = true;
  const p: Peak = {
    peak: start,
    async stop() {
      running = false;
      await loop;
    },
  };
  const loop = (async () => {
    while (running) {
      p.peak = Math.max(p.peak, await read().catch(() => 0));
      await sleep(200);
    }
  })();
  return p;
}

/** MiB received in each whole second from now; stop(lastByteAt) ends the count at once (its
 * promise settles within a second) and keeps the seconds that ended by the last byte (the ones
 * after it, while exits are awaited, received nothing by definition). */
function perSecondRates(receivedAt: () => number, from: number): { stop(lastByteAt: number): Promise<number[]> } {
  let running = true;
  const perSecond: { endedAt: number; mib: number }[] = [];
  const loop = (async () => {
    let prev = from;
    for (;;) {
      await sleep(1000);
      if (!running) return;
      const now = receivedAt();
      perSecond.push({ endedAt: performance.now(), mib: (now - prev) / MB });
      prev = now;
    }
  })();
  return {
    stop(lastByteAt) {
      running = false;
      return loop.then(() => {
        const during = perSecond.filter((s) => s.endedAt <= lastByteAt);
        return (during.length > 0 ? during : perSecond).map((s) => s.mib);
      });
    },
  };
}

async function sessionCount(gw: GatewayProcess): Promise<number> {
  const input = encodeURIComponent(JSON.stringify({ workspaceId: gw.workspace }));
  const res = await fetch(`${gw.url}/api/trpc/terminals.list?input=${input}`, { headers: { authorization: `Bearer ${gw.token}` } });
  return ((await res.json()) as { result: { data: unknown[] } }).result.data.length;
}

interface GatewayMetrics {
  /** Event-loop delay since the previous scrape (the histogram is reset on every scrape; a sample
   * every 100 ms, the lag alone: server/observability/metrics.ts eventLoopLag). Until 2026-12-05
   * prom-client's, every 10 ms, those 10 ms included. */
  loopP99: number;
  loopMax: number;
  /** Cumulative GC pauses: count, total ms, and how many took over 100 ms. */
  gc: { count: number; ms: number; over100: number };
  /** V8 heap in use, and memory of Buffers outside it (the rings), bytes. */
  heapUsed: number;
  external: number;
}

async function gatewayMetrics(gw: GatewayProcess): Promise<GatewayMetrics> {
  const res = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${gw.token}` } });
  const text = await res.text();
  const sum = (re: RegExp) => [...text.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
  const count = sum(/^tether_nodejs_gc_duration_seconds_count\{[^}]*\} (\S+)$/gm);
  const within100 = sum(/^tether_nodejs_gc_duration_seconds_bucket\{le="0\.1",[^}]*\} (\S+)$/gm);
  return {
    loopP99: Number(/^tether_nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(text)?.[1] ?? NaN) * 1000,
    loopMax: Number(/^tether_nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text)?.[1] ?? NaN) * 1000,
    gc: { count, ms: sum(/^tether_nodejs_gc_duration_seconds_sum\{[^}]*\} (\S+)$/gm) * 1000, over100: count - within100 },
    heapUsed: Number(/^tether_nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1] ?? NaN),
    external: Number(/^tether_nodejs_external_memory_bytes (\S+)$/m.exec(text)?.[1] ?? NaN),
  };
}

function gcSince(a: GatewayMetrics, b: GatewayMetrics): string {
  return `${b.gc.count - a.gc.count} GC pauses, ${(b.gc.ms - a.gc.ms).toFixed(0)} ms in all, ${b.gc.over100 - a.gc.over100} over 100 ms`;
}

// ---- keystroke echo ----

interface Typist {
  go(): void;
  /** The round trips typed between go and stop, in ms. */
  stop(): Promise<number[]>;
  child: ChildProcess;
}

/** Someone typing in another browser (typist.ts, its own process, given `args`), ready to start. */
async function startTypist(args: readonly string[]): Promise<Typist> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'typist.ts'), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const line = (pred: (l: string) => boolean, what: string) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const found = out.split('\n').find(pred);
        if (found !== undefined) return resolve(found);
        if (child.exitCode !== null) return reject(new Error(`the typist exited (${child.exitCode}) before ${what}`));
        setTimeout(check, 50);
      };
      check();
    });
  await line((l) => l === 'ready', 'ready');
  return {
    child,
    go: () => child.stdin!.write('go\n'),
    async stop() {
      child.stdin!.write('stop\n');
      return JSON.parse(await line((l) => l.startsWith('['), 'its samples')) as number[];
    },
  };
}

async function stopTypist(typist: Typist | undefined): Promise<void> {
  if (typist && typist.child.exitCode === null) {
    typist.child.kill();
    await new Promise((r) => typist.child.once('exit', r));
  }
}

// ---- figures ----

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const fmt = (b: number) => `${(b / MB).toFixed(0)} MiB`;
const ms = (x: number) => `${x.toFixed(2)} ms`;

/** `duration:` and `received:` of a load (start signal to last byte). */
function throughputLines(bytes: number, seconds: number, perSecond: readonly number[]): string[] {
  const want = expectedBytes(LINES);
  const offered = (TERMINALS * LINES_PER_TICK * (want - READY.length)) / LINES / TICK_SECONDS / MB;
  return [
    `duration:             ${seconds.toFixed(1)} s from start signal to last byte (nominal ${SECONDS} s)`,
    `received:             ${fmt(bytes)}, ${(bytes / MB / seconds).toFixed(1)} MiB/s aggregate (offered ${offered.toFixed(1)} MiB/s; per second min ${Math.min(...perSecond).toFixed(1)} / median ${median(perSecond).toFixed(1)} / max ${Math.max(...perSecond).toFixed(1)})`,
  ];
}

/** The typist's round trips during a load; `where` says what it typed into. */
function echoDuringLoad(echo: readonly number[], where: string): string {
  const max = Math.max(...echo);
  return (
    `echo during load:     p50 ${ms(percentile(echo, 50))}, p99 ${ms(percentile(echo, 99))}, max ${ms(max)} at key ${echo.indexOf(max) + 1} ` +
    `(${echo.length} keys, one per 100 ms from the start signal, typed in another process ${where}; without the first second ${ms(percentile(echo.slice(10), 99))} p99)\n` +
    // Which keys set the p99: the start signal's (the first), the printers' exit (the last), or any.
    `  slowest keys:       ${[...echo.keys()].sort((a, b) => echo[b]! - echo[a]!).slice(0, 6).map((i) => `#${i + 1} ${ms(echo[i]!)}`).join(', ')}`
  );
}

// ---- the run through Tether ----

/** Returns whether it failed. */
async function tetherLoad(script: string): Promise<boolean> {
  const gw = await startGatewayProcess({ TETHER_MAX_SESSIONS_PER_USER: String(TERMINALS + 100) });
  const clients: GatewayClient[] = [];
  const load: LoadChannel[] = [];
  let interactive: GatewayClient | undefined;
  let typist: Typist | undefined;
  let failed = false;
  let spawned: number[] = [];
  let leftover: number[] = [];
  let sessionsLeft = -1;
  let rssAfter = 0;
  let memAfter = { heapUsed: 0, external: 0 };
  let rss: Peak | undefined;
  try {
    console.log(
      `Tether load benchmark (${quick ? 'quick' : 'full'}), node ${process.version}, ${os.cpus().length} cores: ${TERMINALS} terminals over ${SOCKETS} sockets, ` +
        `each ${LINES.toLocaleString('en')} lines in ${TICKS} ticks of ${TICK_SECONDS * 1000} ms`,
    );
    // Sockets first, so the baseline RSS includes them and the figure is per terminal.
    // Each acks as the browser does (every 64 KiB, and once more a moment after the last frame),
    // as in the speed benchmarks, rather than every frame.
    for (let s = 0; s < SOCKETS; s++) clients.push(await GatewayClient.connect(gw.url, { token: gw.token, keepData: true, ackEvery: ACK_EVERY_BYTES }));
    interactive = await GatewayClient.connect(gw.url, { token: gw.token, keepData: false });
    await interactive.open(1, { workspace: gw.workspace, cols: 200, rows: 50, command: 'exec -a tether-load-shell bash --norc --noprofile -i' });
    await settle(gatewayTerminal(interactive, 1));
    typist = await startTypist([gw.url, gw.token, gw.workspace]);
    await sleep(500);
    const rssBefore = await gw.rssBytes();
    const memBefore = await gatewayMetrics(gw);
    rss = peakOf(() => gw.rssBytes(), rssBefore);

    // Open every terminal (sockets in parallel, channels of a socket one after another).
    const setupStart = performance.now();
    const byClient = new Map<GatewayClient, LoadChannel[]>();
    for (let i = 0; i < TERMINALS; i++) {
      const client = clients[i % SOCKETS]!;
      const list = byClient.get(client) ?? [];
      const ch = { client, id: list.length + 1, index: i, check: new LineChecker() };
      list.push(ch);
      byClient.set(client, list);
      load.push(ch);
    }
    // Check each frame's bytes as soon as the client has taken them in, then drop them. The
    // client runs `until` predicates before later 'message' listeners, so predicates drain too.
    const drain = (client: GatewayClient, list: readonly LoadChannel[]) => {
      for (const ch of list) {
        const st = client.channel(ch.id);
        if (st.chunks.length === 0) continue;
        for (const b of st.chunks) ch.check.feed(b);
        st.chunks.length = 0;
      }
    };
    for (const [client, list] of byClient) client.ws.on('message', () => drain(client, list));
    await Promise.all(
      [...byClient].map(async ([client, list]) => {
        for (const ch of list) await client.open(ch.id, { workspace: gw.workspace, cols: 200, rows: 50, command: printerCommand(script, ch.index) });
      }),
    );
    await Promise.all([...byClient].map(([client, list]) => client.until(() => (drain(client, list), list.every((ch) => ch.check.ready)), 60_000, 'ready')));
    const setupSeconds = (performance.now() - setupStart) / 1000;
    spawned = descendants(gw.pid);

    // Go: every printer starts at once.
    const receivedAt = () => load.reduce((n, ch) => n + ch.client.channel(ch.id).bytes, 0);
    const bytesAtGo = receivedAt();
    const gwAtGo = await gatewayMetrics(gw);
    const clientLoop = monitorEventLoopDelay({ resolution: 10 });
    clientLoop.enable();
    // The pty host (when on, as shipped) runs the terminals: its CPU counts as Tether's, and the
    // printers are its own children (posix_spawn, or node-pty with TETHER_PTY_SPAWNER=node-pty), or
    // those of its Perl spawner (server/runtimes/local/spawner.ts), whose own CPU counts as Tether's too.
    const host = gatewayAndHost(gw).find((p) => p !== gw.pid);
    const tether = [gw.pid, ...(host ? [host] : [])];
    const spawners = host ? spawnersOf([host]) : [];
    const hostTicks = () => {
      const t = host ? cpuTicks(host) : { own: 0, children: 0 };
      for (const s of spawners) {
        const st = cpuTicks(s);
        t.own += st.own;
        t.children += st.children;
      }
      return t;
    };
    const cpu0 = cpuTicks(gw.pid);
    const host0 = hostTicks();
    const sched0 = tether.map(schedstat);
    const m0 = machineTicks();
    const client0 = process.cpuUsage();
    const t0 = performance.now();
    for (const ch of load) ch.client.input(ch.id, '\r');
    const rates = perSecondRates(receivedAt, bytesAtGo);
    // Keystroke echo while the load runs: one key every 100 ms, typed in another process.
    typist.go();
    const deadline = SECONDS * 4 + 60;
    const finished = await Promise.all(
      [...byClient].map(([client, list]) =>
        client.until(() => (drain(client, list), list.every((ch) => client.channel(ch.id).exit !== undefined) || client.closeInfo !== null), deadline * 1000, 'exits').then(
          () => true,
          () => false,
        ),
      ),
    );
    const lastByte = Math.max(...load.map((ch) => ch.client.channel(ch.id).lastOutputAt));
    const ratesDone = rates.stop(lastByte);
    const seconds = (lastByte - t0) / 1000;
    const cpu1 = cpuTicks(gw.pid);
    const host1 = hostTicks();
    const sched1 = tether.map(schedstat);
    clientLoop.disable();
    const gwLoad = await gatewayMetrics(gw);
    const m1 = machineTicks();
    const clientCpu = process.cpuUsage(client0);
    const wall = (performance.now() - t0) / 1000;
    const loadBytes = receivedAt() - bytesAtGo;
    const loadEcho = await typist.stop();
    const perSecond = await ratesDone;
    const rssPeakLoad = rss.peak;
    // The rest of Tether's memory now, while every terminal's output is kept.
    const hostRssLoad = host ? rssBytes(host) : 0;
    const filesLoad = memfdBytes(tether);

    // Verify every channel.
    for (const [client, list] of byClient) drain(client, list);
    const want = expectedBytes(LINES);
    if (finished.includes(false)) console.error(`some sockets did not see every EXIT within ${deadline} s`);
    const faults = verify(
      load.map((ch): Delivery => {
        const st = ch.client.channel(ch.id);
        return {
          check: ch.check,
          bytes: st.bytes,
          duplicateBytes: st.duplicateBytes,
          gaps: st.gaps,
          ended: st.exit !== undefined,
          badExit: !!st.exit && (st.exit.code !== 0 || st.exit.signal !== null),
          errors: st.errors.length,
          where: () => `socket ${clients.indexOf(ch.client)} channel ${ch.id}`,
          end: () => `exit ${JSON.stringify(st.exit ?? null)}, socket ${ch.client.closeInfo ? `closed ${JSON.stringify(ch.client.closeInfo)}` : 'open'}`,
        };
      }),
    );

    // Echo beside a flood on the same socket.
    await interactive.open(2, { workspace: gw.workspace, cols: 200, rows: 50, command: `exec -a tether-load-flood yes 'flood ${PAD}${PAD}'` });
    await interactive.until(() => interactive!.channel(2).received > 4 * MB, 30_000, 'flood');
    const floodBytes0 = interactive.channel(2).received;
    const gwFlood0 = await gatewayMetrics(gw);
    const floodT0 = performance.now();
    const floodEcho = await echoSeries(gatewayTerminal(interactive, 1), ECHO_ROUNDS);
    const gwFlood = await gatewayMetrics(gw);
    const floodMBs = (interactive.channel(2).received - floodBytes0) / MB / ((performance.now() - floodT0) / 1000);
    const floodOk = interactive.channel(2).gaps === 0 && interactive.channel(2).duplicateBytes === 0 && interactive.channel(2).exit === undefined;
    await rss.stop();

    // Clean up: KILL ends a running terminal; a KILL after its EXIT forgets it.
    const ends: Promise<void>[] = [];
    const end = async (c: GatewayClient, id: number) => {
      if (c.channel(id).exit === undefined) {
        c.kill(id);
        await c.until(() => c.channel(id).exit !== undefined, 10_000, 'exit after KILL').catch(() => {});
      }
      c.kill(id);
    };
    for (const ch of load) ends.push(end(ch.client, ch.id));
    ends.push(end(interactive, 2), end(interactive, 1));
    await Promise.all(ends);
    await sleep(300);
    sessionsLeft = await sessionCount(gw);
    await Promise.all([...clients, interactive].map((c) => c.close()));
    await sleep(2000);
    rssAfter = await gw.rssBytes();
    memAfter = await gatewayMetrics(gw);

    const cpuGw = (cpu1.own - cpu0.own) / CLK_TCK / wall;
    const cpuHost = (host1.own - host0.own) / CLK_TCK / wall;
    const cpuPrinters = (cpu1.children - cpu0.children + host1.children - host0.children) / CLK_TCK / wall;
    // Of the time the event loop wanted a CPU, the share it spent waiting for one (run queue).
    const waited = sched1.map((b, i) => waitedShare(sched0[i]!, b));
    const cpuMachine = (m1.busy - m0.busy) / (m1.total - m0.total);
    const cpuClient = (clientCpu.user + clientCpu.system) / 1e6 / wall;
    failed = faultCount(faults) > 0 || !floodOk;
    console.log(
      [
        `---- load: ${TERMINALS} terminals over ${SOCKETS} sockets (${PER_SOCKET} per socket) ----`,
        `terminals:            ${TERMINALS} running at once (${spawned.length} gateway child processes after setup), opened in ${setupSeconds.toFixed(1)} s`,
        ...throughputLines(loadBytes, seconds, perSecond),
        `gateway CPU:          ${pct(cpuGw)} of one core${host ? ` + pty host ${pct(cpuHost)}` : ''} (${pct((cpuGw + cpuHost) / os.cpus().length)} of the machine's ${os.cpus().length} cores)`,
        `  runnable, waiting:  gateway ${pct(waited[0]!)}${host ? `, pty host ${pct(waited[1]!)}` : ''} of the time it wanted a CPU was spent waiting for one (/proc/<pid>/schedstat)`,
        besideLine(cpuPrinters, cpuClient, cpuMachine),
        `gateway RSS:          before ${fmt(rssBefore)}, peak ${fmt(rssPeakLoad)} (load), ${fmt(rss.peak)} (incl. flood), after ${fmt(rssAfter)}`,
        `gateway memory:       JS heap ${fmt(memBefore.heapUsed)} → ${fmt(memAfter.heapUsed)}, Buffers ${fmt(memBefore.external)} → ${fmt(memAfter.external)} (before → after the sessions ended; RSS above these is memory the allocator keeps)`,
        `RSS per session:      ${((rssPeakLoad - rssBefore) / TERMINALS / 1024).toFixed(0)} KiB ((peak − before) / ${TERMINALS}; each terminal printed ${((want / 1024) | 0).toLocaleString('en')} KiB, which its ring keeps — in the gateway's memory, or read where the pty host keeps it)`,
        `beside it, at the end of the load: ${host ? `pty host RSS ${fmt(hostRssLoad)}, ` : ''}terminal output in memfds ${fmt(filesLoad)} (lent terminals' records, the pty host's ring files: in neither RSS, counted once)`,
        echoDuringLoad(loadEcho, 'on its own socket'),
        `  event-loop delay:   gateway p99 ${ms(gwLoad.loopP99)}, max ${ms(gwLoad.loopMax)} (${gcSince(gwAtGo, gwLoad)}); ${clientLoopText(clientLoop)}`,
        `echo beside a flood:  p50 ${ms(percentile(floodEcho, 50))}, p99 ${ms(percentile(floodEcho, 99))}, max ${ms(Math.max(...floodEcho))} (${floodEcho.length} keys; \`yes\` on the same socket at ${floodMBs.toFixed(1)} MiB/s${floodOk ? '' : ', FLOOD CHANNEL BROKEN'}; gateway loop delay p99 ${ms(gwFlood.loopP99)}, max ${ms(gwFlood.loopMax)}, ${gcSince(gwFlood0, gwFlood)})`,
        lostLine(faults) +
          ` (offset gaps ${faults.gaps}, malformed lines ${faults.malformed}, unfinished channels ${faults.unfinished}, bad exits ${faults.badExit})`,
      ].join('\n'),
    );
  } catch (err) {
    failed = true;
    console.error((err as Error).stack ?? String(err));
  } finally {
    await rss?.stop();
    if (sessionsLeft < 0) {
      for (const ch of load) ch.client.kill(ch.id);
      interactive?.kill(1);
      interactive?.kill(2);
    }
    for (const c of [...clients, ...(interactive ? [interactive] : [])]) await c.close().catch(() => {});
    await stopTypist(typist);
    leftover = await stopAndFindLeftovers(gw.pid, spawned, () => gw.stop());
    console.log(`cleanup:              sessions left in the gateway ${sessionsLeft}, processes left behind ${leftover.length}${leftover.length ? ` (${leftover.join(' ')})` : ''}`);
    if (sessionsLeft !== 0 || leftover.length) failed = true;
  }
  return failed;
}

// ---- the same load through ttyd ----

interface TtydTerminal {
  client: TtydClient;
  /** Position among all terminals (sets its printer's phase). */
  index: number;
  check: LineChecker;
}

/** TETHER_BENCH_TTYD, when set: the ttyd the same load runs through after Tether's. */
function ttydBinary(): string | null {
  const bin = process.env.TETHER_BENCH_TTYD;
  if (!bin) return null;
  if (!existsSync(bin)) throw new Error(`TETHER_BENCH_TTYD=${bin}: no such file`);
  return bin;
}

/**
 * The same printers at the same phases, and the same typist, through one ttyd on loopback: `-a`
 * lets each connection name its command (`?arg=`, appended to `/bin/sh -c`); its default of no
 * client limit takes every terminal. ttyd has one terminal per WebSocket, so each gets its own,
 * opened SOCKETS at a time. Its CPU is its one process; the printers are its children. ttyd sends
 * no exit status (it closes every socket alike), so a terminal ends with its socket's close.
 * Returns whether the run itself failed: ttyd's lost or broken streams are reported, not failed.
 */
async function ttydLoad(bin: string, script: string): Promise<boolean> {
  const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim().replace(' version ', ' ');
  const ttyd = await startTtyd(bin, ['/bin/sh', '-c'], ['-a']);
  const pid = ttyd.child.pid!;
  const terms: TtydTerminal[] = [];
  let typist: Typist | undefined;
  let rss: Peak | undefined;
  let spawned: number[] = [];
  let failed = false;
  try {
    typist = await startTypist(['--ttyd', String(ttyd.port)]);
    await sleep(500);
    const rssBefore = rssBytes(pid);
    rss = peakOf(async () => rssBytes(pid), rssBefore);

    const setupStart = performance.now();
    await Promise.all(
      Array.from({ length: SOCKETS }, async (_, lane) => {
        for (let i = lane; i < TERMINALS; i += SOCKETS) {
          const check = new LineChecker();
          const client = await TtydClient.connect(ttyd.port, { args: [printerCommand(script, i)], columns: 200, rows: 50, onOutput: (d) => check.feed(d) });
          terms.push({ client, index: i, check });
        }
      }),
    );
    await Promise.all(terms.map(({ client, check }) => client.until(() => check.ready || client.closeInfo !== null, 60_000, 'ready')));
    const notReady = terms.filter((t) => !t.check.ready).length;
    if (notReady) throw new Error(`${notReady} ttyd terminals closed before their printer was ready`);
    const setupSeconds = (performance.now() - setupStart) / 1000;
    spawned = descendants(pid);

    // Go: every printer starts at once.
    const receivedAt = () => terms.reduce((n, t) => n + t.client.received, 0);
    const bytesAtGo = receivedAt();
    const clientLoop = monitorEventLoopDelay({ resolution: 10 });
    clientLoop.enable();
    const cpu0 = cpuTicks(pid);
    const sched0 = schedstat(pid);
    const m0 = machineTicks();
    const client0 = process.cpuUsage();
    const t0 = performance.now();
    for (const t of terms) t.client.input('\r');
    const rates = perSecondRates(receivedAt, bytesAtGo);
    typist.go();
    const deadline = SECONDS * 4 + 60;
    const finished = await Promise.all(
      terms.map(({ client }) =>
        client.until(() => client.closeInfo !== null, deadline * 1000, 'close').then(
          () => true,
          () => false,
        ),
      ),
    );
    const lastByte = Math.max(...terms.map((t) => t.client.lastOutputAt));
    const ratesDone = rates.stop(lastByte);
    const seconds = (lastByte - t0) / 1000;
    const cpu1 = cpuTicks(pid);
    const sched1 = schedstat(pid);
    clientLoop.disable();
    const m1 = machineTicks();
    const clientCpu = process.cpuUsage(client0);
    const wall = (performance.now() - t0) / 1000;
    const loadBytes = receivedAt() - bytesAtGo;
    const loadEcho = await typist.stop();
    const perSecond = await ratesDone;
    await rss.stop();

    if (finished.includes(false)) console.error(`some ttyd sockets did not close within ${deadline} s`);
    const faults = verify(
      terms.map(
        ({ client, index, check }): Delivery => ({
          check,
          bytes: client.received,
          duplicateBytes: 0,
          gaps: 0,
          ended: client.closeInfo !== null,
          badExit: false,
          errors: 0,
          where: () => `ttyd terminal ${index}`,
          end: () => `socket ${client.closeInfo ? `closed ${JSON.stringify(client.closeInfo)}` : 'open'}`,
        }),
      ),
      'ttyd terminals',
    );
    const cpuTtyd = (cpu1.own - cpu0.own) / CLK_TCK / wall;
    const cpuPrinters = (cpu1.children - cpu0.children) / CLK_TCK / wall;
    const cpuMachine = (m1.busy - m0.busy) / (m1.total - m0.total);
    const cpuClient = (clientCpu.user + clientCpu.system) / 1e6 / wall;
    console.log(
      [
        `---- the same load through ${version}: ${TERMINALS} terminals, one WebSocket each (ttyd has no channels) ----`,
        `terminals:            ${TERMINALS} running at once (${spawned.length} ttyd child processes after setup), opened in ${setupSeconds.toFixed(1)} s`,
        ...throughputLines(loadBytes, seconds, perSecond),
        `ttyd CPU:             ${pct(cpuTtyd)} of one core (${pct(cpuTtyd / os.cpus().length)} of the machine's ${os.cpus().length} cores)`,
        `  runnable, waiting:  ttyd ${pct(waitedShare(sched0, sched1))} of the time it wanted a CPU was spent waiting for one (/proc/<pid>/schedstat)`,
        besideLine(cpuPrinters, cpuClient, cpuMachine),
        `ttyd RSS:             before ${fmt(rssBefore)}, peak ${fmt(rss.peak)} (load)`,
        echoDuringLoad(loadEcho, 'on its own ttyd socket, `cat` in raw mode'),
        `  event-loop delay:   ${clientLoopText(clientLoop)}`,
        lostLine(faults) +
          ` (malformed lines ${faults.malformed}, unfinished terminals ${faults.unfinished}; ttyd sends no exit status)`,
      ].join('\n'),
    );
  } catch (err) {
    failed = true;
    console.error((err as Error).stack ?? String(err));
  } finally {
    await rss?.stop();
    // A closed socket makes ttyd hang up its terminal's process.
    await Promise.all(terms.map((t) => t.client.close().catch(() => {})));
    await stopTypist(typist);
    const leftover = await stopAndFindLeftovers(pid, spawned, () => ttyd.stop());
    for (const p of leftover) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    console.log(`cleanup:              ttyd stopped, processes left behind ${leftover.length}${leftover.length ? ` (${leftover.join(' ')}, killed)` : ''}`);
  }
  return failed;
}

async function main() {
  const ttyd = ttydBinary();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tether-load-'));
  const script = path.join(dir, 'printer.pl');
  let failed: boolean;
  try {
    await writeFile(script, PRINTER);
    failed = await tetherLoad(script);
    if (ttyd) failed = (await ttydLoad(ttyd, script)) || failed;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (failed) {
    console.error('FAILED');
    process.exit(1);
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
