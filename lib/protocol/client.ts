/**
 * The one client of wire protocol v1, isomorphic: the browser tab (lib/client/gateway-socket.ts),
 * the gateway's link to an agent (server/runtimes/agent/agent-client.ts) and the test client
 * (server/testing/ws-client.ts) are adapters over it. It never touches a socket: it is fed the
 * server's frames as bytes and hands the frames it builds to a `send` that answers false when they
 * could not go out. It owns what every client must do the same way:
 *
 *  - decoding server frames once and routing them to channels by number (ProtocolClient.receive);
 *  - channel-number allocation: u32, never reused within a connection (ProtocolClient.allocate);
 *  - each channel's received offset, and the `resumeFrom` it re-opens with after a reconnect
 *    (ProtocolChannel.resume), so a consumer sees every output byte once, with no gap and no repeat;
 *  - exactly-once accounting: bytes below the received offset are dropped and reported;
 *  - the ACK cadence (AckPolicy) and the HELLO/OPEN/INPUT/ANSWER/RESIZE/ACK/DETACH/KILL/PING frames.
 *
 * When to connect, ping and retry, and what a channel means to its user, stay with each adapter.
 */
import type { DecodeError, ServerFrame } from './frame';
import {
  decodeServerFrame,
  encodeAck,
  encodeAnswer,
  encodeDetach,
  encodeHello,
  encodeInput,
  encodeKill,
  encodeOpen,
  encodePing,
  encodeResize,
} from './frame';
import type { ErrorInfo, ExitInfo, HelloAck, Opened, OpenRequest, SessionEvent } from './messages';
import { ACK_EVERY_BYTES, AckTracker, sliceFresh } from './offsets';
import { MAX_CHANNEL_ID, PROTOCOL_VERSION } from './ops';

/** Where frames go: a WebSocket, a framed byte stream. False when the frame was not sent. */
export interface FrameTransport {
  send(frame: Uint8Array): boolean;
}

/** What a channel sends through; a ProtocolClient, or a bare transport for a channel driven by hand. */
export interface ChannelLink extends FrameTransport {
  /** The channel now answers to `number` on the connection, or to none (null). */
  bind?(channel: ProtocolChannel, number: number | null): void;
}

export type AckPolicy =
  /**
   * ACK output as it arrives, unless `holdAcks` (the agent link, the test client): each OUTPUT
   * frame at once, or — with `every` — once `every` bytes are unacked and `trailingMs` after a
   * frame that left some unacked (fewer ACK frames on a link carrying a flood).
   */
  | { on: 'receive'; every?: number; trailingMs?: number }
  /**
   * ACK what the consumer reports processed (OutputInfo.processed — xterm's write callback) every
   * `every` bytes, and once more `trailingMs` after a report that left bytes unacked, so the last
   * partial batch before output stops is acknowledged too (the browser).
   */
  | { on: 'processed'; every: number; trailingMs: number };

/** Server frames that belong to a channel. */
export type ChannelFrame = Extract<ServerFrame, { type: 'opened' | 'output' | 'exit' | 'error' | 'event' }>;
/** Server frames about the connection itself (HELLO_ACK, PONG, ERROR on channel 0). */
export type ConnectionFrame = Extract<ServerFrame, { type: 'hello_ack' | 'pong' | 'error' }>;

export interface OutputInfo {
  /** Stream offset of the first byte handed over. */
  start: number;
  /** Bytes of the frame dropped because they were received already. */
  duplicate: number;
  /** Bytes missing before the frame (a server bug: they were skipped without a snapshot). */
  gap: number;
  /** AckPolicy 'processed': the consumer has processed the stream up to offset `end`. Calls from
   * an earlier attachment (before a reconnect) are ignored. */
  processed(end: number): void;
}

export interface ChannelHandlers {
  /** `skipped`: bytes a resume jumped over without a snapshot (the server resumed later than asked). */
  opened?(opened: Opened, skipped: number): void;
  /** Fresh bytes only, possibly none (a frame of duplicates); a view into the frame, never a copy. */
  output?(data: Uint8Array, info: OutputInfo): void;
  exit?(exit: ExitInfo): void;
  error?(error: ErrorInfo): void;
  event?(event: SessionEvent): void;
}

export interface ChannelInit {
  /** The session to attach to, when known before the first OPENED. */
  session?: string;
  /** Stream offset of the first byte wanted (default 0). */
  resumeFrom?: number;
  /** Answer to this number from the start (a client that numbers its channels itself). */
  number?: number;
}

interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
// Every runtime we target has timers; looked up at call time so test fakes apply.
const timers = globalThis as unknown as Timers;

/** One channel of a connection; it outlives connections and re-opens on each with a new number. */
export class ProtocolChannel {
  private _number: number | null = null;
  private _session: string | null;
  private _received: number;
  /** Whether the pending OPEN resumes at `received` (resume) rather than starts afresh (open). */
  private resuming = false;
  private acks: AckTracker;
  private ackEvery: number;
  /** Bumped on every (re)open and unbind, so late reports from an older attachment ack nothing. */
  private attachment = 0;
  private trailing: unknown = null;
  /** AckPolicy 'receive': received bytes are not acked while set (a paused consumer). */
  holdAcks = false;

  constructor(
    private readonly link: ChannelLink,
    private readonly handlers: ChannelHandlers,
    init: ChannelInit = {},
    private readonly policy: AckPolicy = { on: 'receive' },
  ) {
    this._session = init.session ?? null;
    this._received = init.resumeFrom ?? 0;
    this.ackEvery = policy.every ?? ACK_EVERY_BYTES;
    this.acks = new AckTracker(this._received, this.ackEvery);
    if (init.number !== undefined) {
      this._number = init.number;
      link.bind?.(this, init.number);
    }
  }

  /** The channel's number on the current connection; null while it has none. */
  get number(): number | null {
    return this._number;
  }
  /** The session, known up front for an attach and from the first OPENED for a create. */
  get session(): string | null {
    return this._session;
  }
  /** Stream offset of the next output byte this channel needs: what it resumes from. */
  get received(): number {
    return this._received;
  }
  /** Stream offset last acknowledged to the server. */
  get acked(): number {
    return this.acks.ackedTo;
  }

  /** OPEN `req` as given on `number`: the stream starts wherever OPENED says. `ackEvery`
   * overrides the policy's batch size for this attachment. */
  open(number: number, req: OpenRequest, ackEvery?: number): boolean {
    this.bind(number, ackEvery);
    this.resuming = false;
    return this.link.send(encodeOpen(number, req));
  }

  /** OPEN the known session again on `number`, resuming at `received` (after a reconnect). */
  resume(number: number, size: { cols: number; rows: number }, ackEvery?: number): boolean {
    if (this._session === null) throw new Error('cannot resume a channel whose session is unknown');
    this.bind(number, ackEvery);
    this.resuming = true;
    return this.link.send(encodeOpen(number, { session: this._session, cols: size.cols, rows: size.rows, resumeFrom: this._received }));
  }

  /** The connection is gone, or the channel is done: it answers to no number any more. */
  unbind(): void {
    this.attachment++;
    this.clearTrailing();
    if (this._number === null) return;
    this._number = null;
    this.link.bind?.(this, null);
  }

  input(data: Uint8Array | string): boolean {
    return this._number !== null && this.link.send(encodeInput(this._number, data));
  }
  answer(data: Uint8Array | string): boolean {
    return this._number !== null && this.link.send(encodeAnswer(this._number, data));
  }
  resize(cols: number, rows: number): boolean {
    return this._number !== null && this.link.send(encodeResize(this._number, cols, rows));
  }
  detach(): boolean {
    return this._number !== null && this.link.send(encodeDetach(this._number));
  }
  kill(): boolean {
    return this._number !== null && this.link.send(encodeKill(this._number));
  }

  /** ACK whatever is processed and not yet acked (a consumer that stops holding acks). */
  flushAck(): boolean {
    if (this._number === null) return false;
    const total = this.acks.take();
    return total !== null && this.link.send(encodeAck(this._number, total));
  }

  /**
   * Output this client read itself, following what it has received (a terminal whose reading the
   * local pty host lent to the gateway): counted and handed on as if OUTPUT had brought it at
   * `received` — not acknowledged: the server did not send it.
   */
  localOutput(data: Uint8Array): void {
    this.onOutput(this._received, data, false);
  }

  /** A server frame for this channel (ProtocolClient.receive routes them here). */
  handle(frame: ChannelFrame): void {
    switch (frame.type) {
      case 'opened':
        return this.onOpened(frame.opened);
      case 'output':
        return this.onOutput(frame.offset, frame.data);
      case 'exit':
        return this.handlers.exit?.(frame.exit);
      case 'error':
        return this.handlers.error?.(frame.error);
      case 'event':
        return this.handlers.event?.(frame.event);
    }
  }

  private bind(number: number, ackEvery: number | undefined): void {
    this.attachment++;
    this.clearTrailing();
    if (ackEvery !== undefined) this.ackEvery = ackEvery;
    this._number = number;
    this.link.bind?.(this, number);
  }

  private onOpened(opened: Opened): void {
    this._session = opened.session;
    let skipped = 0;
    // A snapshot restarts the screen at `offset`; so does any OPEN that did not ask to resume.
    if (opened.snapshot || !this.resuming) this._received = opened.offset;
    else if (opened.offset > this._received) {
      skipped = opened.offset - this._received;
      this._received = opened.offset;
    }
    // The server counts this attachment's window from OPENED.offset.
    this.acks = new AckTracker(opened.offset, this.batched ? this.ackEvery : Infinity);
    this.handlers.opened?.(opened, skipped);
  }

  private onOutput(offset: number, data: Uint8Array, ack = true): void {
    const slice = sliceFresh(this._received, offset, data);
    this._received = slice.received;
    const attachment = this.attachment;
    this.handlers.output?.(slice.fresh, {
      start: slice.received - slice.fresh.byteLength,
      duplicate: slice.duplicate,
      gap: slice.gap,
      processed: (end) => this.processed(attachment, end),
    });
    if (ack && this.policy.on === 'receive' && attachment === this.attachment) {
      if (this.holdAcks || !this.batched) {
        this.acks.note(slice.received);
        if (!this.holdAcks) this.flushAck();
      } else this.batchAck(attachment, slice.received);
    }
  }

  /** ACKs go in batches (`every` bytes, then a trailing one), not one per frame. */
  private get batched(): boolean {
    return this.policy.on === 'processed' || this.policy.every !== undefined;
  }

  private processed(attachment: number, end: number): void {
    if (this.policy.on !== 'processed') return;
    this.batchAck(attachment, end);
  }

  private batchAck(attachment: number, end: number): void {
    if (attachment !== this.attachment || this._number === null) return;
    const total = this.acks.record(end);
    if (total !== null) {
      this.clearTrailing();
      this.link.send(encodeAck(this._number, total));
      return;
    }
    if (this.trailing === null && this.acks.pending) {
      this.trailing = timers.setTimeout(() => {
        this.trailing = null;
        if (attachment === this.attachment && !this.holdAcks) this.flushAck();
      }, this.policy.trailingMs ?? 0);
    }
  }

  private clearTrailing(): void {
    if (this.trailing !== null) timers.clearTimeout(this.trailing);
    this.trailing = null;
  }
}

export type Received =
  | { kind: 'connection'; frame: ConnectionFrame }
  /** Routed to `channel` (already handled by it). */
  | { kind: 'channel'; frame: ChannelFrame; channel: ProtocolChannel }
  /** For a channel number nothing answers to: a straggler for a channel already detached. */
  | { kind: 'dropped'; frame: ChannelFrame }
  | { kind: 'undecodable'; error: DecodeError };

export interface ProtocolClientOptions {
  /** How channels made by `channel()` acknowledge output (default: as it arrives). */
  ack?: AckPolicy;
  /** A frame came for a number no channel answers to: return a channel to take it, or nothing to drop it. */
  unknownChannel?(number: number): ProtocolChannel | undefined;
}

/** One connection's worth of protocol at a time; channels carry over to the next connection. */
export class ProtocolClient implements ChannelLink {
  /** The live connection's transport; null between connections. */
  transport: FrameTransport | null = null;
  private _limits: HelloAck['limits'] | null = null;
  private next = 1;
  private readonly byNumber = new Map<number, ProtocolChannel>();
  private readonly numbers = new Map<ProtocolChannel, number>();

  constructor(private readonly opts: ProtocolClientOptions = {}) {}

  /** The limits of the last HELLO_ACK. */
  get limits(): HelloAck['limits'] | null {
    return this._limits;
  }

  /** A channel on this client (not open yet: see ProtocolChannel.open / resume). */
  channel(handlers: ChannelHandlers, init: ChannelInit = {}): ProtocolChannel {
    return new ProtocolChannel(this, handlers, init, this.opts.ack);
  }

  /** A fresh channel number. Numbers are never reused within a connection; u32 wrap-around is theoretical. */
  allocate(): number {
    const n = this.next;
    this.next = n >= MAX_CHANNEL_ID ? 1 : n + 1;
    return n;
  }

  /** The ACK batch for AckPolicy 'processed': well before the server's high-water mark, whatever it configured. */
  ackEvery(): number {
    const every = this.opts.ack?.every ?? ACK_EVERY_BYTES;
    const hw = this._limits?.highWater;
    return hw ? Math.max(1, Math.min(every, Math.floor(hw / 4))) : every;
  }

  send(frame: Uint8Array): boolean {
    return this.transport !== null && this.transport.send(frame);
  }

  bind(channel: ProtocolChannel, number: number | null): void {
    const old = this.numbers.get(channel);
    if (old !== undefined && this.byNumber.get(old) === channel) this.byNumber.delete(old);
    if (number === null) this.numbers.delete(channel);
    else {
      this.numbers.set(channel, number);
      this.byNumber.set(number, channel);
    }
  }

  /** HELLO, on `via` when the connection is not this client's transport yet (it becomes so at HELLO_ACK). */
  hello(via: FrameTransport | null = this.transport): boolean {
    return via !== null && via.send(encodeHello({ v: PROTOCOL_VERSION }));
  }

  ping(data: Uint8Array): boolean {
    return this.send(encodePing(data));
  }

  /** Decode one server frame and route it; HELLO_ACK's limits are kept for `ackEvery`. */
  receive(bytes: Uint8Array): Received {
    const r = decodeServerFrame(bytes);
    if (!r.ok) return { kind: 'undecodable', error: r.error };
    const frame = r.frame;
    switch (frame.type) {
      case 'hello_ack':
        this._limits = frame.helloAck.limits;
        return { kind: 'connection', frame };
      case 'pong':
        return { kind: 'connection', frame };
      case 'error':
        if (frame.channel === 0) return { kind: 'connection', frame };
    }
    const channel = this.byNumber.get(frame.channel) ?? this.opts.unknownChannel?.(frame.channel);
    if (!channel) return { kind: 'dropped', frame };
    channel.handle(frame);
    return { kind: 'channel', frame, channel };
  }

  /** The connection is gone: no channel answers to a number any more; each resumes on the next. */
  connectionLost(): void {
    this.transport = null;
    for (const channel of [...this.byNumber.values()]) channel.unbind();
  }
}
