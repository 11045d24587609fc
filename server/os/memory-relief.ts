/**
 * Gives memory back once the gateway goes quiet after work that left garbage behind: a burst of
 * terminals that ended (their rings, up to 8 MiB each), pages served, its own start.
 *
 * V8 collects when allocation reaches a limit, and an idle gateway allocates nothing, so whatever
 * it stopped needing stayed resident (after 100 terminals printed 2 MiB each and ended, 219 MB of
 * ring buffers stayed alive for good). Every couple of seconds this samples the process's resident
 * memory: once it has grown ≥ 16 MiB past where the last collection left it and held still for one
 * interval, it runs one full collection — when the process was started with
 * `--expose-gc`, as `npm start` does (scripts/gateway-build.mjs); without it, it does nothing —
 * and then hands the freed pages back to the kernel (os/malloc-trim.ts), which glibc would
 * otherwise keep for the next burst. While memory is moving (a flood), or the process is busy, it
 * waits.
 *
 * It sampled V8's heap and external memory until 2026-12-06: once terminals' rings read their
 * bytes where the pty host keeps them, a burst no longer grew those by 16 MiB, nothing collected,
 * and what malloc kept stayed resident (100 × 2 MiB: 169 MB 60 s after, idle 112; sampling RSS,
 * 124 MB).
 */
import { mallocTrim } from './malloc-trim';

export interface MemoryReliefOptions {
  /** Collect once memory has grown this much past where the last collection left it… */
  thresholdBytes?: number;
  /** …and moved less than `quietBytes` since the sample `intervalMs` before… */
  quietBytes?: number;
  intervalMs?: number;
  /** …and the process used less than this share of one core meanwhile (default a tenth): it is
   * idle, not just steady. */
  busyShare?: number;
  /** Default: the process's resident memory. */
  sample?: () => number;
  /** Default: the CPU time the process used so far, µs (every thread: V8's too). */
  cpu?: () => number;
  /** Default: V8's `gc` when exposed. */
  collect?: (() => void) | null;
  /** Run `trimDelayMs` after a collection, once the process is idle. Default: glibc's
   * malloc_trim where there is one. */
  trim?: (() => void) | null;
  trimDelayMs?: number;
}

/**
 * Samples every `intervalMs`; collects (and trims) only in an interval where the process was idle.
 * It used to need memory to hold still only, which it also does while the gateway is busy at a
 * steady size: in `bench:load` its full collection (72 ms, the event loop stopped) ran while the
 * 500 terminals were being opened. An idle gateway has nobody to keep waiting.
 */
export class MemoryRelief {
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly thresholdBytes: number;
  private readonly quietBytes: number;
  private readonly intervalMs: number;
  private readonly busyShare: number;
  private readonly sample: () => number;
  private readonly cpu: () => number;
  private readonly collect: (() => void) | null;
  private readonly trim: (() => void) | null;
  private readonly trimDelayMs: number;
  private baseline = 0;
  private last = 0;
  private lastCpu = 0;
  /** A trim waits: its delay is running, or the process was busy when it ran out. */
  private trimTimer: NodeJS.Timeout | undefined;
  private trimDue = false;
  /** Collections run so far (for tests and metrics). */
  collections = 0;
  /** Trims run so far. */
  trims = 0;

  constructor(opts: MemoryReliefOptions = {}) {
    this.thresholdBytes = opts.thresholdBytes ?? 16 * 1024 * 1024;
    this.quietBytes = opts.quietBytes ?? 1024 * 1024;
    this.intervalMs = opts.intervalMs ?? 2000;
    this.busyShare = opts.busyShare ?? 0.1;
    this.sample = opts.sample ?? residentBytes;
    this.cpu = opts.cpu ?? cpuMicros;
    this.collect = opts.collect === undefined ? exposedGc() : opts.collect;
    this.trim = opts.trim === undefined ? mallocTrim() : opts.trim;
    this.trimDelayMs = opts.trimDelayMs ?? TRIM_DELAY_MS;
    if (!this.collect) return;
    this.baseline = this.last = this.sample();
    this.lastCpu = this.cpu();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Whether `used` µs of CPU over `ms` is less than the process's idle share of a core. */
  private idle(used: number, ms: number): boolean {
    return used < this.busyShare * ms * 1000;
  }

  private tick(): void {
    const now = this.sample();
    const cpu = this.cpu();
    const quiet = Math.abs(now - this.last) < this.quietBytes;
    const idle = this.idle(cpu - this.lastCpu, this.intervalMs);
    this.last = now;
    this.lastCpu = cpu;
    if (now < this.baseline) this.baseline = now;
    if (this.trimTimer) return;
    if (this.trimDue) {
      if (idle) this.runTrim();
      return;
    }
    if (!quiet || !idle || now - this.baseline < this.thresholdBytes) return;
    this.collections++;
    this.collect!();
    // The collection's own CPU is not the process being busy.
    this.lastCpu = this.cpu();
    if (!this.trim) {
      this.baseline = this.last = this.sample();
      return;
    }
    // V8 frees the collected ArrayBuffers' memory on a background thread after the collection
    // returns: trimming at once found most of a burst still allocated.
    const after = this.lastCpu;
    this.trimTimer = setTimeout(() => {
      this.trimTimer = undefined;
      if (this.idle(this.cpu() - after, this.trimDelayMs)) this.runTrim();
      else this.trimDue = true; // the first idle interval does it
    }, this.trimDelayMs);
    this.trimTimer.unref();
  }

  private runTrim(): void {
    this.trimDue = false;
    this.trims++;
    this.trim!();
    this.baseline = this.last = this.sample();
    this.lastCpu = this.cpu();
  }

  dispose(): void {
    clearInterval(this.timer);
    clearTimeout(this.trimTimer);
  }
}

function residentBytes(): number {
  return process.memoryUsage.rss();
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

const TRIM_DELAY_MS = 1000;

function exposedGc(): (() => void) | null {
  return (globalThis as { gc?: () => void }).gc ?? null;
}
