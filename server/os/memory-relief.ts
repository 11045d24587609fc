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
 * otherwise keep for the next burst. While memory is moving (a flood) it waits.
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
  /** …and moved less than `quietBytes` since the sample `intervalMs` before. */
  quietBytes?: number;
  intervalMs?: number;
  /** Default: the process's resident memory. */
  sample?: () => number;
  /** Default: V8's `gc` when exposed, then glibc's malloc_trim where there is one. */
  collect?: (() => void) | null;
}

export class MemoryRelief {
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly thresholdBytes: number;
  private readonly quietBytes: number;
  private readonly sample: () => number;
  private readonly collect: (() => void) | null;
  private baseline = 0;
  private last = 0;
  /** Collections run so far (for tests and metrics). */
  collections = 0;

  constructor(opts: MemoryReliefOptions = {}) {
    this.thresholdBytes = opts.thresholdBytes ?? 16 * 1024 * 1024;
    this.quietBytes = opts.quietBytes ?? 1024 * 1024;
    this.sample = opts.sample ?? residentBytes;
    this.collect = opts.collect === undefined ? defaultCollect() : opts.collect;
    if (!this.collect) return;
    this.baseline = this.last = this.sample();
    this.timer = setInterval(() => this.tick(), opts.intervalMs ?? 2000);
    this.timer.unref();
  }

  private tick(): void {
    const now = this.sample();
    const quiet = Math.abs(now - this.last) < this.quietBytes;
    this.last = now;
    if (now < this.baseline) this.baseline = now;
    if (!quiet || now - this.baseline < this.thresholdBytes) return;
    this.collections++;
    this.collect!();
    this.baseline = this.last = this.sample();
  }

  dispose(): void {
    clearInterval(this.timer);
  }
}

function residentBytes(): number {
  return process.memoryUsage.rss();
}

const TRIM_DELAY_MS = 1000;

function defaultCollect(): (() => void) | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  const trim = mallocTrim();
  return () => {
    gc();
    // V8 frees the collected ArrayBuffers' memory on a background thread after the collection
    // returns: trimming at once found most of a burst still allocated.
    if (trim) setTimeout(trim, TRIM_DELAY_MS).unref();
  };
}
