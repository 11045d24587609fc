/**
 * Fixed-window failure counter for logins: a key (IP, or IP+username) that fails `max` times
 * within `windowMs` is refused until the window ends. Successful logins clear the key.
 * In-memory: one gateway process owns it; restarting the gateway forgets it.
 */
export interface RateLimitOptions {
  max: number;
  windowMs: number;
  now?: () => number;
}

export class FailureLimiter {
  private readonly hits = new Map<string, { count: number; resetAt: number }>();
  private readonly now: () => number;

  constructor(private readonly opts: RateLimitOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Milliseconds until `key` may try again, or 0 when it may try now. */
  retryAfterMs(key: string): number {
    const entry = this.hits.get(key);
    if (!entry) return 0;
    const now = this.now();
    if (now >= entry.resetAt) {
      this.hits.delete(key);
      return 0;
    }
    return entry.count >= this.opts.max ? entry.resetAt - now : 0;
  }

  fail(key: string): void {
    const now = this.now();
    const entry = this.hits.get(key);
    if (!entry || now >= entry.resetAt) this.hits.set(key, { count: 1, resetAt: now + this.opts.windowMs });
    else entry.count++;
    if (this.hits.size > 10_000) this.sweep(now);
  }

  succeed(key: string): void {
    this.hits.delete(key);
  }

  private sweep(now: number): void {
    for (const [k, v] of this.hits) if (now >= v.resetAt) this.hits.delete(k);
  }
}
