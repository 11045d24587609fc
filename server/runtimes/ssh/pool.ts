/**
 * SSH connection pool. One pool entry per (Tether user, host, port, login user); an entry holds
 * one or more connections, each carrying up to `maxChannels` channels (terminals, exec, SFTP).
 *
 * - Single flight: concurrent acquires wait on the connection being made instead of each making
 *   their own; only when a connection's channel slots are all taken does another one start.
 * - A server that refuses a channel for lack of sessions (OpenSSH MaxSessions) lowers that
 *   connection's cap, and the channel is opened on another connection.
 * - After a failed attempt, acquires fail fast until the backoff (exponential, with jitter)
 *   expires, and the host is tried again in the background. A connection that drops after it
 *   carried a channel is not a failed attempt: it is dialled again at once, and backoff starts
 *   only if that fails. One dropped before any channel opened on it counts as a failed attempt
 *   (a server that lets us in and then drops us is not re-dialled in a loop).
 * - Nagle is off (`setNoDelay`), SSH keepalives detect dead peers, and connections idle (no
 *   channel) for `idleCloseMs` are closed.
 * - Jump hosts (ProxyJump) are chained with `forwardOut`; their clients live and die with the
 *   connection they carry.
 *
 * Making a connection (jump hosts, host keys, authentication) is ssh-connect.ts; the records kept
 * per entry and connection, and the health snapshot, are pool-entry.ts.
 */
import type { Client } from 'ssh2';
import { backoffDelay } from '../../../lib/protocol';
import type { Logger } from '../../log';
import { classifySshError, SshError } from './errors';
import { entryHealth, PoolEntry, PooledConnection, type PoolEntryHealth } from './pool-entry';
import { connect, endpointName, type PoolTarget } from './ssh-connect';
import type { SshEndpoint } from './ssh-target';

export type { PoolEntryHealth, PoolState } from './pool-entry';
export { endpointName, type PoolTarget, type SshCredentials, type SshKeyCredential } from './ssh-connect';

export interface PoolOptions {
  /** Channels per connection before another connection is opened (OpenSSH's MaxSessions default is 10). */
  maxChannels: number;
  idleCloseMs: number;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Background reconnects stop when the host was not used for this long. */
  retryWindowMs: number;
  log: Logger;
  /** Injected for tests. */
  random?: () => number;
  /** Metrics: time to a usable connection, and failures by kind. */
  observe?: { sshAcquired(seconds: number): void; sshFailed(kind: string): void };
}

export const DEFAULT_POOL_OPTIONS: Omit<PoolOptions, 'log'> = {
  maxChannels: 10,
  idleCloseMs: 5 * 60_000,
  connectTimeoutMs: 15_000,
  keepaliveIntervalMs: 15_000,
  backoffBaseMs: 1000,
  backoffMaxMs: 60_000,
  retryWindowMs: 10 * 60_000,
};

export interface Lease {
  readonly client: Client;
  /** Give the channel slot back. Idempotent. */
  release(): void;
}

/** How often one channel open moves on to another connection before giving up. */
const MAX_CHANNEL_ATTEMPTS = 8;

/**
 * A refused session channel means "this connection has no room" (OpenSSH answers MaxSessions
 * with CONNECT_FAILED "open failed"; others use ADMINISTRATIVELY_PROHIBITED or RESOURCE_SHORTAGE).
 * Only session channels go through openChannel, so no refusal here is about a forwarding target.
 */
function isChannelRefusal(err: unknown): boolean {
  const reason = (err as { reason?: unknown }).reason;
  return reason === 1 || reason === 2 || reason === 4;
}

export function poolKey(userId: string, t: SshEndpoint): string {
  return `${userId}|${t.username}@${t.host}:${t.port}`;
}

export class SshPool {
  private readonly entries = new Map<string, PoolEntry>();
  private readonly opts: PoolOptions;
  private disposed = false;

  constructor(opts: Partial<PoolOptions> & { log: Logger }) {
    this.opts = { ...DEFAULT_POOL_OPTIONS, ...opts };
  }

  /** Reserve a channel slot on a connection to `pt`, connecting if needed. */
  async acquire(pt: PoolTarget, opts: { force?: boolean } = {}): Promise<Lease> {
    if (this.disposed) throw new SshError('lost', 'the gateway is shutting down', { endpoint: endpointName(pt.target) });
    const entry = this.entry(pt);
    const started = performance.now();
    entry.lastUsedAt = Date.now();
    let conn = entry.connections.find((c) => !c.closed && c.slots < c.cap);
    if (!conn) {
      if (!opts.force && entry.nextRetryAt > Date.now() && entry.lastError) {
        const secs = Math.ceil((entry.nextRetryAt - Date.now()) / 1000);
        throw new SshError(entry.lastError.kind, `${entry.lastError.message} (next attempt in ${secs} s)`, { endpoint: endpointName(pt.target) });
      }
      conn = this.startConnection(entry);
    }
    conn.slots++;
    clearTimeout(conn.idleTimer);
    try {
      await conn.ready;
    } catch (err) {
      conn.slots--;
      throw err;
    }
    this.opts.observe?.sshAcquired((performance.now() - started) / 1000);
    return this.lease(entry, conn);
  }

  /**
   * Open a channel (shell, exec, SFTP…) on a pooled connection; its slot is released when the
   * channel closes. A server refusing the channel for lack of sessions moves it to another connection.
   */
  async openChannel<C extends { once(event: 'close', l: () => void): unknown }>(
    pt: PoolTarget,
    open: (client: Client) => Promise<C>,
  ): Promise<C> {
    for (let attempt = 0; ; attempt++) {
      const lease = await this.acquire(pt);
      let channel: C;
      try {
        channel = await open(lease.client);
      } catch (err) {
        const conn = this.connectionOf(lease.client);
        if (conn && isChannelRefusal(err) && attempt < MAX_CHANNEL_ATTEMPTS - 1) {
          // The server allows fewer sessions than our cap: this connection is full at its current use.
          conn.cap = Math.max(1, conn.slots - 1);
          lease.release();
          continue;
        }
        lease.release();
        throw err;
      }
      const conn = this.connectionOf(lease.client);
      if (conn) conn.carried = true;
      channel.once('close', () => lease.release());
      return channel;
    }
  }

  /** Forget backoff and failures of a host (after the user fixed something: trusted a key, unlocked a key). */
  reset(pt: PoolTarget): void {
    const entry = this.entries.get(poolKey(pt.userId, pt.target));
    if (!entry) return;
    clearTimeout(entry.retryTimer);
    entry.failures = 0;
    entry.nextRetryAt = 0;
    entry.lastError = null;
  }

  /** Close every connection of a host (it was removed or its settings changed). */
  forget(userId: string, endpoint: SshEndpoint): void {
    const key = poolKey(userId, endpoint);
    const entry = this.entries.get(key);
    if (!entry) return;
    clearTimeout(entry.retryTimer);
    for (const c of entry.connections) c.close();
    this.entries.delete(key);
  }

  health(userId?: string): PoolEntryHealth[] {
    const out: PoolEntryHealth[] = [];
    for (const e of this.entries.values()) {
      if (userId !== undefined && e.target.userId !== userId) continue;
      out.push(entryHealth(e));
    }
    return out;
  }

  healthOf(userId: string, endpoint: SshEndpoint): PoolEntryHealth | null {
    const e = this.entries.get(poolKey(userId, endpoint));
    return e ? entryHealth(e) : null;
  }

  dispose(): void {
    this.disposed = true;
    for (const e of this.entries.values()) {
      clearTimeout(e.retryTimer);
      for (const c of e.connections) c.close();
    }
    this.entries.clear();
  }

  private entry(pt: PoolTarget): PoolEntry {
    const key = poolKey(pt.userId, pt.target);
    let e = this.entries.get(key);
    if (!e) this.entries.set(key, (e = new PoolEntry(key, pt)));
    else e.target = pt; // newest credentials/host-key callbacks win
    return e;
  }

  private connectionOf(client: Client): PooledConnection | undefined {
    for (const e of this.entries.values()) for (const c of e.connections) if (c.client === client) return c;
    return undefined;
  }

  private lease(entry: PoolEntry, conn: PooledConnection): Lease {
    let released = false;
    return {
      client: conn.client!,
      release: () => {
        if (released) return;
        released = true;
        conn.slots--;
        entry.lastUsedAt = Date.now();
        if (conn.slots === 0 && !conn.closed) conn.closeWhenIdleFor(this.opts.idleCloseMs);
      },
    };
  }

  private startConnection(entry: PoolEntry): PooledConnection {
    const conn = new PooledConnection(this.opts.maxChannels);
    entry.connections.push(conn);
    const started = Date.now();
    conn.ready = connect(entry.target, conn, this.opts).then(
      (client) => {
        entry.handshakes++;
        entry.failures = 0;
        entry.lastError = null;
        entry.nextRetryAt = 0;
        entry.connectMs = Date.now() - started;
        clearTimeout(entry.retryTimer);
        conn.client = client;
        if (conn.slots === 0) conn.closeWhenIdleFor(this.opts.idleCloseMs);
        client.on('close', () => this.onConnectionClosed(entry, conn));
      },
      (err: unknown) => {
        conn.closed = true;
        this.remove(entry, conn);
        const e = classifySshError(err, endpointName(entry.target.target));
        this.recordFailure(entry, e);
        throw e;
      },
    );
    // Nobody may be waiting (a background reconnect); the rejection is recorded above.
    conn.ready.catch(() => {});
    return conn;
  }

  private onConnectionClosed(entry: PoolEntry, conn: PooledConnection): void {
    if (conn.closed) return;
    conn.closed = true;
    clearTimeout(conn.idleTimer);
    for (const j of conn.jumpClients) j.end();
    this.remove(entry, conn);
    if (conn.closing || this.disposed) return;
    const endpoint = endpointName(entry.target.target);
    this.opts.log.warn('ssh connection lost', { host: endpoint, channels: conn.slots });
    const err = new SshError('lost', `the connection to ${endpoint} was lost`, { endpoint });
    if (!conn.carried) {
      this.recordFailure(entry, err);
      return;
    }
    // A working link was lost: dial again at once, so terminals resume as soon as the network
    // allows; backoff starts only if this attempt fails (recordFailure).
    this.opts.observe?.sshFailed(err.kind);
    entry.lastError = { kind: err.kind, message: err.message, at: Date.now() };
    clearTimeout(entry.retryTimer);
    this.redial(entry);
  }

  /** Bring the host back in the background, unless it is connected or no longer used. */
  private redial(entry: PoolEntry): void {
    if (this.disposed || Date.now() - entry.lastUsedAt > this.opts.retryWindowMs) return;
    if (entry.connections.some((c) => !c.closed)) return;
    this.startConnection(entry);
  }

  private recordFailure(entry: PoolEntry, err: SshError): void {
    this.opts.observe?.sshFailed(err.kind);
    entry.failures++;
    entry.lastError = { kind: err.kind, message: err.message, at: Date.now() };
    const delay = backoffDelay(
      entry.failures - 1,
      { baseMs: this.opts.backoffBaseMs, capMs: this.opts.backoffMaxMs, jitter: 'equal' },
      this.opts.random ?? Math.random,
    );
    entry.nextRetryAt = Date.now() + delay;
    clearTimeout(entry.retryTimer);
    // Failures that need the user (a key to trust, a passphrase, a refused login) are not retried on their own.
    const needsUser = err.kind.startsWith('host_key') || err.kind === 'auth_failed' || err.kind === 'passphrase_required';
    if (needsUser || this.disposed) return;
    entry.retryTimer = setTimeout(() => this.redial(entry), delay);
    entry.retryTimer.unref();
  }

  private remove(entry: PoolEntry, conn: PooledConnection): void {
    const i = entry.connections.indexOf(conn);
    if (i >= 0) entry.connections.splice(i, 1);
  }
}
