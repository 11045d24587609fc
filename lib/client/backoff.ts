/**
 * Reconnect delays: exponential backoff with full jitter (AWS architecture blog, "Exponential
 * Backoff And Jitter"). Full jitter spreads a crowd of tabs that lost the gateway at the same
 * moment — a restart — over the whole window instead of letting them stampede in lockstep.
 */

export const RECONNECT_BASE_MS = 250;
export const RECONNECT_CAP_MS = 10_000;

export interface BackoffOptions {
  baseMs?: number;
  capMs?: number;
}

/** Upper bound of the delay before reconnect attempt `attempt` (0-based): min(cap, base·2^attempt). */
export function backoffCeiling(attempt: number, opts: BackoffOptions = {}): number {
  const base = opts.baseMs ?? RECONNECT_BASE_MS;
  const cap = opts.capMs ?? RECONNECT_CAP_MS;
  // Clamp the exponent so 2^attempt cannot overflow to Infinity after many failures.
  const exp = Math.min(Math.max(attempt, 0), 30);
  return Math.min(cap, base * 2 ** exp);
}

/** Full-jitter delay: uniform in [0, ceiling). `random` is injectable for tests. */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}, random: () => number = Math.random): number {
  return Math.floor(random() * backoffCeiling(attempt, opts));
}
