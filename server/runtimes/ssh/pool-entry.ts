/**
 * What the SSH pool keeps per connection (channel slots, cap, idle close) and per pool entry
 * (its connections, failures, backoff, timings), and the health snapshot read from an entry.
 */
import type { Client } from 'ssh2';
import type { SshFailureKind } from './errors';
import type { PoolTarget } from './ssh-connect';

export type PoolState = 'idle' | 'connecting' | 'ready' | 'backoff' | 'failed';

export interface PoolEntryHealth {
  key: string;
  userId: string;
  host: string;
  port: number;
  username: string;
  state: PoolState;
  connections: number;
  channels: number;
  /** Handshakes made for this entry since the gateway started. */
  handshakes: number;
  /** Consecutive failures (0 after a success). */
  failures: number;
  lastError: { kind: SshFailureKind; message: string; at: number } | null;
  /** When the next attempt may happen (ms since epoch), during backoff. */
  nextRetryAt: number | null;
  /** Duration of the last successful connect (TCP + key exchange + auth), ms. */
  connectMs: number | null;
}

export class PooledConnection {
  client: Client | null = null;
  /** Clients of jump hosts this connection runs through (closed with it). */
  jumpClients: Client[] = [];
  ready!: Promise<void>;
  slots = 0;
  cap: number;
  closed = false;
  /** Closed by us (idle, dispose) rather than lost. */
  closing = false;
  /** A channel was opened on it: losing it is losing a working link, not a failed attempt. */
  carried = false;
  idleTimer: NodeJS.Timeout | undefined;

  constructor(cap: number) {
    this.cap = cap;
  }

  /** Close once no channel has used it for `ms`. */
  closeWhenIdleFor(ms: number): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.slots === 0 && this.close(), ms);
    this.idleTimer.unref();
  }

  close(): void {
    this.closing = true;
    clearTimeout(this.idleTimer);
    this.client?.end();
    for (const j of this.jumpClients) j.end();
  }
}

export class PoolEntry {
  readonly connections: PooledConnection[] = [];
  handshakes = 0;
  failures = 0;
  lastError: PoolEntryHealth['lastError'] = null;
  nextRetryAt = 0;
  retryTimer: NodeJS.Timeout | undefined;
  connectMs: number | null = null;
  lastUsedAt = Date.now();

  constructor(
    readonly key: string,
    public target: PoolTarget,
  ) {}
}

/** An entry's state as health reports show it. */
export function entryHealth(e: PoolEntry): PoolEntryHealth {
  const live = e.connections.filter((c) => !c.closed);
  const now = Date.now();
  let state: PoolState = 'idle';
  if (live.some((c) => c.client)) state = 'ready';
  else if (live.length > 0) state = 'connecting';
  else if (e.nextRetryAt > now) state = 'backoff';
  else if (e.lastError) state = 'failed';
  return {
    key: e.key,
    userId: e.target.userId,
    host: e.target.target.host,
    port: e.target.target.port,
    username: e.target.target.username,
    state,
    connections: live.filter((c) => c.client).length,
    channels: live.reduce((n, c) => n + (c.client ? c.slots : 0), 0),
    handshakes: e.handshakes,
    failures: e.failures,
    lastError: e.lastError,
    nextRetryAt: e.nextRetryAt > now ? e.nextRetryAt : null,
    connectMs: e.connectMs,
  };
}
