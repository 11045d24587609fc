/**
 * The one WebSocket a browser tab keeps to the gateway (`/ws`), multiplexing every terminal
 * channel of the tab. It owns the connection lifecycle:
 *
 *   connecting ──HELLO_ACK──▶ open ──close / ping timeout──▶ reconnecting ──backoff──▶ (connect)
 *        any ──close 4401 / auth check fails──▶ unauthenticated (final: the user must sign in)
 *        any ──close 4403──▶ forbidden (final: a share link was revoked, expired, or the guest
 *                                       removed; `closeReason` says which, in words)
 *        any ──navigator offline & not open──▶ offline ──online event──▶ (connect now)
 *
 * Liveness is checked at the application level (PING every 10 s, dead without PONG in 5 s)
 * because a TCP connection through a sleeping phone or a dropped NAT mapping can stay "open" for
 * minutes. Channels survive reconnects; see gateway-channel.ts.
 */
import {
  ACK_EVERY_BYTES,
  backoffDelay,
  CloseCode,
  ProtocolClient,
  TRAILING_ACK_MS,
  type ErrorInfo,
  type FrameTransport,
  type HelloAck,
} from '../protocol';
import { acceptsInput, isFinalStatus, type ConnectionStatus } from './connection-status';
import { Emitter } from './emitter';
import { GatewayChannel, type ChannelHost, type ChannelOptions, type ChannelTarget } from './gateway-channel';

export { isFinalStatus, type ConnectionStatus } from './connection-status';

export const PING_INTERVAL_MS = 10_000;
export const PONG_TIMEOUT_MS = 5_000;
/** A connection that stays up this long resets the backoff. */
export const STABLE_AFTER_MS = 5_000;
/** Close code we use locally when the app-level ping times out (private-use range). */
const PING_TIMEOUT_CLOSE = 4000;

/** A live transport (normally a WebSocket) for one connection attempt; `send` answers false when
 * the frame could not be sent (the connection is closing). */
export interface Transport extends FrameTransport {
  close(code?: number, reason?: string): void;
}
export interface TransportHandlers {
  onOpen(): void;
  onMessage(frame: Uint8Array): void;
  onClose(code: number, reason: string): void;
}
export type TransportFactory = (handlers: TransportHandlers) => Transport;

/** Browser signals, injectable so the state machine can be tested in Node. */
export interface Environment {
  isOnline(): boolean;
  /** Subscribe to online/offline/visible; each returns an unsubscribe. */
  onOnline(fn: () => void): () => void;
  onOffline(fn: () => void): () => void;
  onVisible(fn: () => void): () => void;
  random(): number;
}

export interface GatewaySocketOptions {
  transport: TransportFactory;
  env: Environment;
  /**
   * Asked after a connection failed before it opened: a browser cannot see why an upgrade was
   * refused (an HTTP 401 looks like any network error), so we ask whether the session still
   * exists. Resolve false to stop retrying and report `unauthenticated`.
   */
  checkAuth?: () => Promise<boolean>;
  /**
   * Drop typing while the connection is lost instead of queueing it for the resume — for a page
   * that shows the loss and blocks typing visibly (the workspace's banner, connection-banner.ts).
   * Default false: queued (bounded) and sent after the reconnect.
   */
  blockInputWhileLost?: boolean;
}

type SocketEvents = {
  status: [status: ConnectionStatus];
  /** Connection-level ERROR frames (channel 0). */
  error: [error: ErrorInfo];
  helloAck: [helloAck: HelloAck];
  /** A reconnect attempt started; `attempt` counts them since the connection was last open. */
  attempt: [attempt: number];
};

type TimerName = 'reconnect' | 'ping' | 'pong' | 'stable';

export interface TerminalSize {
  cols: number;
  rows: number;
}

export class GatewaySocket extends Emitter<SocketEvents> {
  private _status: ConnectionStatus = 'connecting';
  private _closeReason: string | null = null;
  private transport: Transport | null = null;
  /** Incremented per connection attempt; handlers of older attempts are ignored. */
  private gen = 0;
  private ready = false;
  private attempt = 0;
  private everOpened = false;
  /** Reconnect attempts started since the connection was last open (for the banner). */
  private retries = 0;
  private disposed = false;
  /** Decodes frames, routes them to the channels attached on the current connection, numbers them. */
  private readonly protocol = new ProtocolClient({ ack: { on: 'processed', every: ACK_EVERY_BYTES, trailingMs: TRAILING_ACK_MS } });
  /** Every channel that is not closed, attached or not. */
  private channels = new Set<GatewayChannel>();
  private timers: { [K in TimerName]?: ReturnType<typeof setTimeout> } = {};
  private readonly unsubscribe: Array<() => void> = [];
  private readonly host: ChannelHost;

  constructor(private readonly opts: GatewaySocketOptions) {
    super();
    this.host = {
      send: (frame) => this.protocol.send(frame),
      bind: (wire, number) => this.protocol.bind(wire, number),
      release: (channel) => this.channels.delete(channel),
      requestOpen: (channel) => {
        if (this.ready && channel.channelId === null && channel.wantsOpen) this.attach(channel);
      },
      // Typing is dropped while the connection is lost, if asked (see connection-banner.ts).
      acceptsInput: () => !opts.blockInputWhileLost || acceptsInput(this._status, this.everOpened),
    };
    const { env } = opts;
    this.unsubscribe.push(
      env.onOnline(() => this.connectNowIfDown()),
      env.onOffline(() => {
        if (!this.ready && !isFinalStatus(this._status)) {
          this.clearTimer('reconnect');
          this.setStatus('offline');
        }
      }),
      env.onVisible(() => {
        // Tabs in the background get their timers throttled; check liveness right away.
        if (this.ready) this.ping();
        else this.connectNowIfDown();
      }),
    );
    this.connect();
  }

  get status(): ConnectionStatus {
    return this._status;
  }

  /** The server's words when it closed the socket for good (close 4403, e.g. "This link was
   * revoked by its owner."); null otherwise. Set before the `forbidden` status is emitted. */
  get closeReason(): string | null {
    return this._closeReason;
  }

  /** Reconnect attempts started since the connection was last open (0 while open). */
  get reconnectAttempt(): number {
    return this.retries;
  }

  /** Whether the socket has been open at least once. */
  get hasOpened(): boolean {
    return this.everOpened;
  }

  /** For React's useSyncExternalStore. */
  subscribeStatus = (fn: () => void): (() => void) => this.on('status', fn);
  getStatus = (): ConnectionStatus => this._status;

  /** Create a new terminal session in `workspace`. */
  openTerminal(opts: { workspace: string; cwd?: string; command?: string } & TerminalSize & ChannelOptions): GatewayChannel {
    const target: ChannelTarget = { kind: 'create', workspace: opts.workspace };
    if (opts.cwd !== undefined) target.cwd = opts.cwd;
    if (opts.command !== undefined) target.command = opts.command;
    return this.addChannel(target, opts);
  }

  /** View an existing session, replaying its output from `resumeFrom` (default 0: a blank screen). */
  attachTerminal(opts: { session: string; resumeFrom?: number; exited?: boolean } & TerminalSize & ChannelOptions): GatewayChannel {
    const target: ChannelTarget = { kind: 'attach', session: opts.session };
    if (opts.resumeFrom !== undefined) target.resumeFrom = opts.resumeFrom;
    if (opts.exited) target.exited = true;
    return this.addChannel(target, opts);
  }

  /** Drop the connection as a network failure would, then reconnect as usual (tests, diagnostics). */
  dropConnection(): void {
    const dead = this.transport;
    if (!dead) return;
    this.onClosed(1006, true);
    dead.close(PING_TIMEOUT_CLOSE, 'dropped by the client');
  }

  /** Reconnect at once instead of waiting out the backoff ("Retry now"); an attempt still in
   * flight is abandoned for a fresh one. Does nothing while open or in a final status. */
  retryNow(): void {
    if (this.disposed || isFinalStatus(this._status) || this.ready) return;
    const pending = this.transport;
    this.gen++; // ignore anything more from the abandoned attempt
    this.transport = null;
    pending?.close(CloseCode.NORMAL, 'retrying');
    this.connect();
  }

  /** Detach every channel and close the socket for good. */
  dispose(): void {
    if (this.disposed) return;
    for (const ch of [...this.channels]) ch.detach();
    this.disposed = true;
    for (const off of this.unsubscribe) off();
    this.teardown();
    this.transport?.close(CloseCode.NORMAL, 'page closed');
    this.transport = null;
    this.protocol.transport = null;
    this.clear();
  }

  private addChannel(target: ChannelTarget, opts: TerminalSize & ChannelOptions): GatewayChannel {
    if (this.disposed) throw new Error('GatewaySocket is disposed');
    const ch = new GatewayChannel(this.host, target, opts.cols, opts.rows, opts.followSize ? { followSize: true } : {});
    this.channels.add(ch);
    if (this.ready && ch.wantsOpen) this.attach(ch);
    return ch;
  }

  private attach(ch: GatewayChannel): void {
    ch.open(this.protocol.allocate(), this.protocol.ackEvery());
  }

  private connect(): void {
    if (this.disposed || isFinalStatus(this._status)) return;
    this.clearTimer('reconnect');
    if (!this.opts.env.isOnline()) {
      this.setStatus('offline');
      return;
    }
    const gen = ++this.gen;
    let opened = false;
    const again = this.everOpened || this.attempt > 0;
    if (again) this.retries++;
    this.setStatus(again ? 'reconnecting' : 'connecting');
    if (again) this.emit('attempt', this.retries);
    const transport = this.opts.transport({
      onOpen: () => {
        if (gen !== this.gen) return;
        opened = true;
        this.protocol.hello(transport);
      },
      onMessage: (bytes) => {
        if (gen === this.gen) this.onFrame(bytes);
      },
      onClose: (code, reason) => {
        if (gen === this.gen) this.onClosed(code, opened, reason);
      },
    });
    this.transport = transport;
  }

  private connectNowIfDown(): void {
    if (this.disposed || isFinalStatus(this._status) || this.ready) return;
    // An attempt already in flight (waiting for the upgrade or HELLO_ACK) is left to finish.
    if (this.transport) return;
    this.connect();
  }

  private onFrame(bytes: Uint8Array): void {
    // Channel frames go straight to their channel; frames for a channel we already detached are
    // expected stragglers and dropped.
    const r = this.protocol.receive(bytes);
    if (r.kind === 'undecodable') console.warn(`tether: undecodable frame on channel ${r.error.channel}: ${r.error.message}`);
    if (r.kind !== 'connection') return;
    const frame = r.frame;
    switch (frame.type) {
      case 'hello_ack':
        return this.onHelloAck(frame.helloAck);
      case 'pong':
        this.clearTimer('pong');
        return;
      case 'error':
        this.emit('error', frame.error);
        return;
    }
  }

  private onHelloAck(helloAck: HelloAck): void {
    this.ready = true;
    this.everOpened = true;
    this.retries = 0;
    this.protocol.transport = this.transport;
    this.setStatus('open');
    this.emit('helloAck', helloAck);
    this.timers.stable = setTimeout(() => {
      this.attempt = 0;
    }, STABLE_AFTER_MS);
    this.timers.ping = setInterval(() => this.ping(), PING_INTERVAL_MS);
    for (const ch of this.channels) if (ch.wantsOpen) this.attach(ch);
  }

  private ping(): void {
    if (!this.ready || !this.transport || this.timers.pong !== undefined) return;
    const stamp = new Uint8Array(8);
    new DataView(stamp.buffer).setFloat64(0, Date.now());
    this.protocol.ping(stamp);
    this.timers.pong = setTimeout(() => {
      this.timers.pong = undefined;
      // Don't wait for the browser to notice: a dead TCP connection can take minutes to close.
      const dead = this.transport;
      this.onClosed(PING_TIMEOUT_CLOSE, true);
      dead?.close(PING_TIMEOUT_CLOSE, 'ping timeout');
    }, PONG_TIMEOUT_MS);
  }

  private onClosed(code: number, opened: boolean, reason = ''): void {
    this.gen++; // ignore anything more from this transport
    this.transport = null;
    this.ready = false;
    this.teardown();
    this.protocol.connectionLost();
    for (const ch of this.channels) ch.connectionLost();
    if (this.disposed) return;
    if (code === CloseCode.UNAUTHENTICATED) {
      this.setStatus('unauthenticated');
      return;
    }
    if (code === CloseCode.FORBIDDEN) {
      this._closeReason = reason || 'Access to this terminal was withdrawn.';
      this.setStatus('forbidden');
      return;
    }
    if (!opened && this.opts.checkAuth) {
      const gen = this.gen;
      this.opts.checkAuth().then(
        (ok) => {
          if (gen !== this.gen || this.disposed) return;
          if (ok) this.scheduleReconnect();
          else this.setStatus('unauthenticated');
        },
        // Could not even ask (network down): keep retrying.
        () => {
          if (gen === this.gen && !this.disposed) this.scheduleReconnect();
        },
      );
      this.setStatus(this.opts.env.isOnline() ? 'reconnecting' : 'offline');
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (!this.opts.env.isOnline()) {
      this.setStatus('offline');
      return;
    }
    this.setStatus('reconnecting');
    const delay = backoffDelay(this.attempt, {}, () => this.opts.env.random());
    this.attempt++;
    this.clearTimer('reconnect');
    this.timers.reconnect = setTimeout(() => {
      this.timers.reconnect = undefined;
      this.connect();
    }, delay);
  }

  private teardown(): void {
    this.clearTimer('ping');
    this.clearTimer('pong');
    this.clearTimer('stable');
    this.clearTimer('reconnect');
  }

  private clearTimer(name: TimerName): void {
    const t = this.timers[name];
    if (t !== undefined) {
      if (name === 'ping') clearInterval(t);
      else clearTimeout(t);
    }
    this.timers[name] = undefined;
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this._status) return;
    this._status = status;
    this.emit('status', status);
  }
}
