/**
 * A Node WebSocket client for the gateway protocol, used by integration tests and benchmarks: an
 * adapter over the protocol client core (lib/protocol/client.ts) that numbers channels as the test
 * says and records everything for assertions, including per-channel offsets for exactly-once.
 */
import { Waiters } from './waiters';
import WebSocket from 'ws';
import {
  encodeAck,
  ProtocolClient,
  TRAILING_ACK_MS,
  type ErrorInfo,
  type ExitInfo,
  type HelloAck,
  type OpenRequest,
  type Opened,
  type ProtocolChannel,
  type SessionEvent,
} from '../../lib/protocol';

/** One channel's record, for assertions; its offsets and ACKs are the core's. */
export class ChannelState {
  opened?: Opened;
  chunks: Buffer[] = [];
  bytes = 0;
  exit?: ExitInfo;
  errors: ErrorInfo[] = [];
  events: SessionEvent[] = [];
  /** Bytes that arrived twice or out of order (must stay 0). */
  duplicateBytes = 0;
  gaps = 0;
  /** performance.now() of the last OUTPUT frame. */
  lastOutputAt = 0;
  readonly wire: ProtocolChannel;

  constructor(protocol: ProtocolClient, number: number, keepData: boolean) {
    this.wire = protocol.channel(
      {
        opened: (opened) => {
          this.opened = opened;
          if (opened.snapshot) {
            this.chunks = [];
            this.bytes = 0;
          }
        },
        output: (data, { duplicate, gap }) => {
          if (gap > 0) this.gaps++;
          this.duplicateBytes += duplicate;
          if (keepData) this.chunks.push(Buffer.from(data));
          this.bytes += data.byteLength;
          this.lastOutputAt = performance.now();
        },
        exit: (exit) => (this.exit = exit),
        error: (error) => this.errors.push(error),
        event: (event) => this.events.push(event),
      },
      { number },
    );
  }

  /** Offset of the next byte expected. */
  get received(): number {
    return this.wire.received;
  }
  /** Last offset acknowledged to the server. */
  get acked(): number {
    return this.wire.acked;
  }
}

export interface ConnectOptions {
  token?: string;
  cookie?: string;
  origin?: string;
  /** Socket path (default `/ws`; a share guest uses `/shared/<id>/ws`). */
  path?: string;
  /** ACK each OUTPUT frame as it arrives (default true); the browser acks what xterm parsed instead. */
  autoAck?: boolean;
  /** Keep received bytes for `text()` (default true); benchmarks only count them. */
  keepData?: boolean;
  /** Acknowledge as a browser does — once `ackEvery` bytes are unacked, and TRAILING_ACK_MS after
   * the last frame — instead of every frame (benchmarks: a client costing what a browser costs). */
  ackEvery?: number;
}

export class GatewayClient {
  readonly channels = new Map<number, ChannelState>();
  helloAck!: HelloAck;
  closeInfo: { code: number; reason: string } | null = null;
  readonly connectionErrors: ErrorInfo[] = [];
  private readonly waiters = new Waiters();
  private _autoAck: boolean;
  private readonly keepData: boolean;
  /** Every frame is recorded: one for a channel never opened creates its record. */
  private readonly protocol: ProtocolClient;

  private constructor(readonly ws: WebSocket, opts: ConnectOptions) {
    const ack = opts.ackEvery ? { on: 'receive' as const, every: opts.ackEvery, trailingMs: TRAILING_ACK_MS } : { on: 'receive' as const };
    this.protocol = new ProtocolClient({ ack, unknownChannel: (n) => this.channel(n).wire });
    this._autoAck = opts.autoAck ?? true;
    this.keepData = opts.keepData ?? true;
    this.protocol.transport = {
      send: (frame) => {
        ws.send(frame);
        return true;
      },
    };
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data: Buffer) => this.onFrame(data));
    ws.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      this.notify();
    });
  }

  static async connect(baseUrl: string, opts: ConnectOptions = {}): Promise<GatewayClient> {
    const ws = await openSocket(baseUrl, opts);
    const client = new GatewayClient(ws, opts);
    client.protocol.hello();
    await client.until(() => client.helloAck !== undefined || client.closeInfo !== null, 10_000, 'HELLO_ACK');
    if (!client.helloAck) throw new Error(`closed before HELLO_ACK: ${JSON.stringify(client.closeInfo)}`);
    return client;
  }

  private notify(): void {
    this.waiters.notify();
  }


  /** Resolve when `pred` holds (re-checked after every frame). */
  until(pred: () => boolean, timeoutMs = 30_000, what = 'condition'): Promise<void> {
    return this.waiters.until(pred, timeoutMs, what);
  }


  /** ACK output as it arrives (see ConnectOptions.autoAck); turning it on acks from the next frame. */
  get autoAck(): boolean {
    return this._autoAck;
  }
  set autoAck(on: boolean) {
    this._autoAck = on;
    for (const c of this.channels.values()) c.wire.holdAcks = !on;
  }

  channel(id: number): ChannelState {
    let c = this.channels.get(id);
    if (!c) {
      c = new ChannelState(this.protocol, id, this.keepData);
      c.wire.holdAcks = !this._autoAck;
      this.channels.set(id, c);
    }
    return c;
  }

  private onFrame(data: Buffer): void {
    const r = this.protocol.receive(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    if (r.kind === 'undecodable') throw new Error(`server sent an undecodable frame: ${r.error.message}`);
    if (r.kind === 'connection') {
      if (r.frame.type === 'hello_ack') this.helloAck = r.frame.helloAck;
      else if (r.frame.type === 'error') this.connectionErrors.push(r.frame.error);
    }
    this.notify();
  }

  text(channel: number): string {
    return Buffer.concat(this.channel(channel).chunks).toString('utf8');
  }

  async open(channel: number, req: OpenRequest): Promise<Opened> {
    const c = this.channel(channel);
    c.opened = undefined;
    const errorsBefore = c.errors.length;
    c.wire.open(channel, req);
    await this.until(() => c.opened !== undefined || c.errors.length > errorsBefore || this.closeInfo !== null, 15_000, `OPENED on ${channel}`);
    if (!c.opened) throw new Error(`OPEN failed: ${JSON.stringify(c.errors.at(-1) ?? this.closeInfo)}`);
    return c.opened;
  }

  input(channel: number, data: string | Uint8Array): void {
    this.channel(channel).wire.input(data);
  }
  resize(channel: number, cols: number, rows: number): void {
    this.channel(channel).wire.resize(cols, rows);
  }
  /** An ACK as given (any offset), outside the automatic cadence. */
  ack(channel: number, processed: number): void {
    this.ws.send(encodeAck(channel, processed));
  }
  detach(channel: number): void {
    this.channel(channel).wire.detach();
  }
  kill(channel: number): void {
    this.channel(channel).wire.kill();
  }
  ping(data: Uint8Array): void {
    this.protocol.ping(data);
  }
  sendRaw(bytes: Uint8Array | string, binary = true): void {
    this.ws.send(bytes, { binary });
  }

  async close(): Promise<void> {
    if (this.closeInfo) return;
    this.ws.close(1000);
    await this.until(() => this.closeInfo !== null, 5000, 'close');
  }

  /** Drop the TCP connection without a close handshake (a network loss). */
  drop(): void {
    this.ws.terminate();
  }
}

export function wsUrl(baseUrl: string, path = '/ws'): string {
  return baseUrl.replace(/^http/, 'ws') + path;
}

function openSocket(baseUrl: string, opts: ConnectOptions): Promise<WebSocket> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.cookie) headers.cookie = opts.cookie;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(baseUrl, opts.path), { headers, origin: opts.origin, perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new UpgradeRefused(res.statusCode ?? 0)));
    ws.once('error', reject);
  });
}

export class UpgradeRefused extends Error {
  constructor(readonly status: number) {
    super(`upgrade refused with HTTP ${status}`);
  }
}

/** Try an upgrade and report the HTTP status it got (101 when accepted). */
export async function upgradeStatus(baseUrl: string, opts: ConnectOptions): Promise<number> {
  try {
    const ws = await openSocket(baseUrl, opts);
    ws.terminate();
    return 101;
  } catch (err) {
    if (err instanceof UpgradeRefused) return err.status;
    throw err;
  }
}
