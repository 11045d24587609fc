/**
 * Frees a burst's memory for reuse. A forgotten session's ring (up to 8 MiB of blocks) is freed only
 * when V8 collects the objects holding it, and an idle gateway allocates nothing, so nothing
 * prompts a collection: after 100 terminals printed 2 MiB each and ended, 219 MB of ring buffers
 * stayed alive for good. Once enough has been let go, and nothing more for a few seconds, this
 * runs one full collection — when the process was started with `--expose-gc`, as `npm start` does
 * (scripts/gateway-build.mjs); without it, it does nothing — and then hands the freed pages back
 * to the kernel (os/malloc-trim.ts), which glibc would otherwise keep for the next burst.
 */
import { mallocTrim } from './malloc-trim';

export interface MemoryReliefOptions {
  /** Collect once this much has been let go since the last collection. */
  thresholdBytes?: number;
  /** …and nothing more was let go for this long (a burst of exits is one collection). */
  quietMs?: number;
  /** Default: V8's `gc` when exposed, then glibc's malloc_trim where there is one. */
  collect?: (() => void) | null;
}

export class MemoryRelief {
  private pending = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly thresholdBytes: number;
  private readonly quietMs: number;
  private readonly collect: (() => void) | null;
  /** Collections run so far (for tests and metrics). */
  collections = 0;

  constructor(opts: MemoryReliefOptions = {}) {
    this.thresholdBytes = opts.thresholdBytes ?? 16 * 1024 * 1024;
    this.quietMs = opts.quietMs ?? 3000;
    this.collect = opts.collect === undefined ? defaultCollect() : opts.collect;
  }

  /** `bytes` of memory are no longer needed (a session's ring, once it is forgotten). */
  released(bytes: number): void {
    if (!this.collect) return;
    this.pending += bytes;
    if (this.pending < this.thresholdBytes) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pending = 0;
      this.collections++;
      this.collect?.();
    }, this.quietMs);
    this.timer.unref();
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
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
