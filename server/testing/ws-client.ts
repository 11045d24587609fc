/**
 * A Node WebSocket client for the gateway protocol, used by integration tests and benchmarks.
 * Tracks per-channel offsets so callers can assert exactly-once delivery.
 */
import WebSocket from 'ws';
import {
  decodeServerFrame,
  encodeAck,
  encodeDetach,
  encodeHello,
  encodeInput,
  encodeKill,
  encodeOpen,
  encodePing,
  encodeResize,
  type ErrorInfo,
  type ExitInfo,
  type HelloAck,
  type OpenRequest,
  type Opened,
  type ServerFrame,
  type SessionEvent,
} from '../../lib/protocol';

export interface ChannelState {
  opened?: Opened;
  /** Offset of the next byte expected. */
  received: number;
  chunks: Buffer[];
  bytes: number;
  exit?: ExitInfo;
  errors: ErrorInfo[];
  events: SessionEvent[];
  /** Bytes that arrived twice or out of order (must stay 0). */
  duplicateBytes: number;
  gaps: number;
  /** performance.now() of the last OUTPUT frame. */
  lastOutputAt: number;
  /** Last offset acknowledged to the server. */
  acked: number;
}

const ACK_EVERY_BYTES = 64 * 1024;

export interface ConnectOptions {
  token?: string;
  cookie?: string;
  origin?: string;
  /** Socket path (default `/ws`; a share guest uses `/shared/<id>/ws`). */
  path?: string;
  /** ACK output as it arrives, like the browser: whenever ≥ 64 KiB arrived since the last ACK,
   * and at once for smaller frames when nothing else is pending (default true). */
  autoAck?: boolean;
  /** Keep received bytes for `text()` (default true); benchmarks only count them. */
  keepData?: boolean;
}

export class GatewayClient {
  readonly channels = new Map<number, ChannelState>();
  helloAck!: HelloAck;
  closeInfo: { code: number; reason: string } | null = null;
  readonly connectionErrors: ErrorInfo[] = [];
  private waiters: (() => void)[] = [];
  autoAck: boolean;
  private readonly keepData: boolean;

  private constructor(readonly ws: WebSocket, opts: ConnectOptions) {
    this.autoAck = opts.autoAck ?? true;
    this.keepData = opts.keepData ?? true;
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
    ws.send(encodeHello({ v: 1 }));
    await client.until(() => client.helloAck !== undefined || client.closeInfo !== null, 10_000, 'HELLO_ACK');
    if (!client.helloAck) throw new Error(`closed before HELLO_ACK: ${JSON.stringify(client.closeInfo)}`);
    return client;
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolve when `pred` holds (re-checked after every frame). */
  until(pred: () => boolean, timeoutMs = 30_000, what = 'condition'): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      const check = () => {
        if (pred()) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      check();
    });
  }

  channel(id: number): ChannelState {
    let c = this.channels.get(id);
    if (!c) {
      c = { received: 0, chunks: [], bytes: 0, errors: [], events: [], duplicateBytes: 0, gaps: 0, lastOutputAt: 0, acked: 0 };
      this.channels.set(id, c);
    }
    return c;
  }

  private onFrame(data: Buffer): void {
    const r = decodeServerFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    if (!r.ok) throw new Error(`server sent an undecodable frame: ${r.error.message}`);
    this.handle(r.frame);
    this.notify();
  }

  private handle(f: ServerFrame): void {
    switch (f.type) {
      case 'hello_ack':
        this.helloAck = f.helloAck;
        return;
      case 'opened': {
        const c = this.channel(f.channel);
        c.opened = f.opened;
        if (f.opened.snapshot) {
          c.chunks = [];
          c.bytes = 0;
        }
        c.received = f.opened.offset;
        c.acked = f.opened.offset;
        return;
      }
      case 'output': {
        const c = this.channel(f.channel);
        let data = f.data;
        if (f.offset > c.received) c.gaps++;
        if (f.offset < c.received) {
          const dup = Math.min(c.received - f.offset, data.byteLength);
          c.duplicateBytes += dup;
          data = data.subarray(dup);
        }
        if (this.keepData) c.chunks.push(Buffer.from(data));
        c.bytes += data.byteLength;
        c.received = f.offset + f.data.byteLength;
        c.lastOutputAt = performance.now();
        if (this.autoAck && (c.received - c.acked >= ACK_EVERY_BYTES || data.byteLength < ACK_EVERY_BYTES)) {
          c.acked = c.received;
          this.ws.send(encodeAck(f.channel, c.received));
        }
        return;
      }
      case 'exit':
        this.channel(f.channel).exit = f.exit;
        return;
      case 'error':
        if (f.channel === 0) this.connectionErrors.push(f.error);
        else this.channel(f.channel).errors.push(f.error);
        return;
      case 'event':
        this.channel(f.channel).events.push(f.event);
        return;
      case 'pong':
        return;
    }
  }

  text(channel: number): string {
    return Buffer.concat(this.channel(channel).chunks).toString('utf8');
  }

  async open(channel: number, req: OpenRequest): Promise<Opened> {
    const c = this.channel(channel);
    c.opened = undefined;
    const errorsBefore = c.errors.length;
    this.ws.send(encodeOpen(channel, req));
    await this.until(() => c.opened !== undefined || c.errors.length > errorsBefore || this.closeInfo !== null, 15_000, `OPENED on ${channel}`);
    if (!c.opened) throw new Error(`OPEN failed: ${JSON.stringify(c.errors.at(-1) ?? this.closeInfo)}`);
    return c.opened;
  }

  input(channel: number, data: string | Uint8Array): void {
    this.ws.send(encodeInput(channel, data));
  }
  resize(channel: number, cols: number, rows: number): void {
    this.ws.send(encodeResize(channel, cols, rows));
  }
  ack(channel: number, processed: number): void {
    this.ws.send(encodeAck(channel, processed));
  }
  detach(channel: number): void {
    this.ws.send(encodeDetach(channel));
  }
  kill(channel: number): void {
    this.ws.send(encodeKill(channel));
  }
  ping(data: Uint8Array): void {
    this.ws.send(encodePing(data));
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
