/**
 * Retry delays, the one formula for every reconnecting client (browser socket, agent link, SSH
 * pool): exponential, min(cap, base·2^attempt), with jitter (AWS architecture blog, "Exponential
 * Backoff And Jitter") so a crowd that lost the same peer at the same moment — a restart — spreads
 * over the window instead of stampeding in lockstep. Callers differ only in their numbers:
 *
 *   browser socket  base 250 ms, cap 10 s, full jitter                   (the defaults)
 *   agent link      base 200 ms, cap 5 s, equal jitter, first retry immediate
 *   SSH pool        base 1 s, cap 60 s, equal jitter                     (PoolOptions)
 */

export const RECONNECT_BASE_MS = 250;
export const RECONNECT_CAP_MS = 10_000;

export interface BackoffOptions {
  baseMs?: number;
  capMs?: number;
  /**
   * 'full' (default): uniform in [0, ceiling), floored to whole ms.
   * 'equal': uniform in [ceiling/2, ceiling], rounded to whole ms — never retries at once.
   */
  jitter?: 'full' | 'equal';
  /** Attempt 0 waits nothing and attempt n waits what attempt n−1 would otherwise (a link that
   * just dropped is dialled again at once; backoff starts after a failed attempt). */
  immediateFirst?: boolean;
}

/** Upper bound of the delay before reconnect attempt `attempt` (0-based): min(cap, base·2^attempt). */
export function backoffCeiling(attempt: number, opts: BackoffOptions = {}): number {
  const base = opts.baseMs ?? RECONNECT_BASE_MS;
  const cap = opts.capMs ?? RECONNECT_CAP_MS;
  // Clamp the exponent so 2^attempt cannot overflow to Infinity after many failures.
  const exp = Math.min(Math.max(attempt, 0), 30);
  return Math.min(cap, base * 2 ** exp);
}

/** The delay before reconnect attempt `attempt` (0-based). `random` is injectable for tests. */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}, random: () => number = Math.random): number {
  if (opts.immediateFirst) {
    if (attempt <= 0) return 0;
    attempt -= 1;
  }
  const ceiling = backoffCeiling(attempt, opts);
  return opts.jitter === 'equal' ? Math.round(ceiling * (0.5 + 0.5 * random())) : Math.floor(random() * ceiling);
}
