/**
 * Figures of the admin dashboard from `admin.stats` readings: the server sends totals since start,
 * the page turns two consecutive readings into rates. Pure, so it is unit tested.
 */

/** The parts of an `admin.stats` reading that rates are computed from. */
export interface Reading {
  at: number;
  uptimeSeconds: number;
  process: { cpuSeconds: number };
  bytesSent: number;
  bytesReceived: number;
  trpcCalls: number;
  trpcErrors: number;
}

export interface Rates {
  /** Terminal output sent to clients, bytes per second. */
  bytesOutPerSec: number;
  /** Terminal input received from clients, bytes per second. */
  bytesInPerSec: number;
  /** Share of one core the gateway process used, in percent (may exceed 100 on several cores). */
  cpuPercent: number;
  trpcCallsPerSec: number;
  trpcErrorsPerSec: number;
  /** Seconds between the two readings. */
  seconds: number;
}

/**
 * Rates between two readings, or null when they cannot be had: no earlier reading, no time
 * between them, or the gateway restarted in between (a counter or the uptime went backwards).
 */
export function ratesBetween(prev: Reading | null, cur: Reading): Rates | null {
  if (!prev) return null;
  const seconds = (cur.at - prev.at) / 1000;
  if (!(seconds > 0)) return null;
  const restarted =
    cur.uptimeSeconds < prev.uptimeSeconds ||
    cur.bytesSent < prev.bytesSent ||
    cur.bytesReceived < prev.bytesReceived ||
    cur.trpcCalls < prev.trpcCalls ||
    cur.trpcErrors < prev.trpcErrors ||
    cur.process.cpuSeconds < prev.process.cpuSeconds;
  if (restarted) return null;
  return {
    bytesOutPerSec: (cur.bytesSent - prev.bytesSent) / seconds,
    bytesInPerSec: (cur.bytesReceived - prev.bytesReceived) / seconds,
    cpuPercent: ((cur.process.cpuSeconds - prev.process.cpuSeconds) / seconds) * 100,
    trpcCallsPerSec: (cur.trpcCalls - prev.trpcCalls) / seconds,
    trpcErrorsPerSec: (cur.trpcErrors - prev.trpcErrors) / seconds,
    seconds,
  };
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** "0 B", "512 B", "1.5 KiB", "23 MiB": three significant figures at most. */
export function bytesText(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  let v = n;
  let unit = 0;
  while (v >= 1024 && unit < BYTE_UNITS.length - 1) {
    v /= 1024;
    unit++;
  }
  const digits = unit === 0 || v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

/** "1.5 KiB/s". */
export function rateText(bytesPerSec: number): string {
  return `${bytesText(bytesPerSec)}/s`;
}

/** A count per second: "0", "0.5", "12", "1.2k". */
export function perSecText(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  if (n >= 1000) return `${(n / 1000).toFixed(1)}k`;
  if (n >= 10 || n === 0) return String(Math.round(n));
  return n.toFixed(1);
}

/** Latency in ms: "0.42 ms", "3.1 ms", "120 ms"; "—" before any sample. */
export function msText(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  return `${Math.round(ms)} ms`;
}

/** "12.3 %". */
export function percentText(p: number): string {
  if (!Number.isFinite(p)) return '—';
  return `${p < 10 ? p.toFixed(1) : Math.round(p)} %`;
}

/** Uptime: "42 s", "5 min 3 s", "3 h 12 min", "2 d 4 h". */
export function uptimeText(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min ${s % 60} s`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** When an SSH host will be tried again: "in 12 s", "now" when due, null when not waiting. */
export function retryText(nextRetryAt: number | null, now: number): string | null {
  if (nextRetryAt === null || nextRetryAt <= 0) return null;
  const s = Math.ceil((nextRetryAt - now) / 1000);
  return s <= 0 ? 'now' : `in ${s} s`;
}

/** "user@host" plus ":port" when it is not 22. */
export function endpointText(h: { host: string; port: number; username: string }): string {
  return `${h.username}@${h.host}${h.port === 22 ? '' : `:${h.port}`}`;
}
