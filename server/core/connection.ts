/**
 * One authenticated WebSocket (one browser tab): HELLO handshake, then frames dispatched by
 * channel. Every inbound frame is decoded once here; a bad frame costs the sender an ERROR on
 * that channel, never the other channels. The socket owns only its channels: closing it detaches
 * them and the sessions keep running.
 */
import {
  CloseCode,
  ErrorCode,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  assertNever,
  decodeClientFrame,
  encodeError,
  encodeEvent,
  encodeExit,
  encodeHelloAck,
  encodeOpened,
  encodeOutput,
  encodePong,
  type ClientFrame,
  type ExitInfo,
  type OpenRequest,
  type Opened,
  type SessionEvent,
} from '../../lib/protocol';
import type { Logger } from '../log';
import type { LinkSocket } from '../runtimes/agent/framed-stream';
import { Channel, openedFor, type ChannelSink } from './channel';
import { FramePool } from './frame-pool';
import { GatewayError, toGatewayError } from './errors';
import type { SessionHandle } from './session';

export interface ConnectionLimits {
  maxChannelsPerConnection: number;
  highWater: number;
  lowWater: number;
  /** Bytes queued on the socket beyond which every channel stops sending. */
  socketHighWater: number;
  helloTimeoutMs: number;
  /** Bad frames tolerated per minute before the connection is closed with 4400. */
  maxErrorsPerMinute: number;
  /** Background output (see Channel.background) leaves at most this often, all of it in one
   * write; 0 or absent: every turn, as other output. */
  backgroundFlushMs?: number;
}

export interface ConnectionUser {
  id: string;
  name: string;
}

/**
 * What a connection needs to find or create sessions. Their errors (TetherErrors: a GatewayError
 * with its own protocol code, any other through WIRE_CODES) are answered to the client as an ERROR
 * on the channel — also those of a decorated session's operations (sharing's SharedSession).
 */
export interface SessionSource<S extends SessionHandle = SessionHandle> {
  create(user: ConnectionUser, req: OpenRequest & { workspace: string }): Promise<S>;
  /** May wait (a gateway that just started is still re-adopting terminals that outlived it). */
  find(user: ConnectionUser, sessionId: string): S | null | Promise<S | null>;
  forget(session: SessionHandle): void;
}

/** Every connection's OUTPUT frames (one process, one pool). */
const framePool = new FramePool();

/** Metrics: terminal bytes through this connection. */
export interface ConnectionObserver {
  outputSent(bytes: number): void;
  inputReceived(bytes: number): void;
}

/** Extra ops a connection hands to someone else after HELLO (the worker agent's CALL frames). */
export interface ConnectionExtension {
  readonly ops: ReadonlySet<number>;
  onFrame(frame: Uint8Array, conn: Connection): void;
  onClose?(conn: Connection): void;
}

/** Where replay starts for an attach: exact resume when the ring still has the bytes, otherwise a
 * reset ("snapshot") starting at a line boundary near the oldest retained byte. */
export function replayStart(session: SessionHandle, resumeFrom: number | undefined): { from: number; snapshot: boolean } {
  const ring = session.ring;
  const want = resumeFrom ?? 0;
  // Up to knownEnd, not just ring.end: right after a gateway restart a terminal's history is
  // still arriving from the pty host / worker / runner, and a browser that resumes at once must
  // get exactly the bytes after its offset, not everything again.
  if (want >= ring.start && want <= session.knownEnd) return { from: want, snapshot: false };
  if (ring.start === 0 && want > ring.end) return { from: 0, snapshot: true };
  // Evicted (or a bogus future offset): start after the first newline of the retained bytes so the
  // replay does not begin inside a line or an escape sequence.
  return { from: ring.lineStartAt(ring.start), snapshot: true };
}

export class Connection implements ChannelSink {
  private helloDone = false;
  private readonly channels = new Map<number, Channel>();
  private readonly opening = new Set<number>();
  private queuedBytes = 0;
  /** Channels to pump this loop turn, and channels that are streaming and wait for their next slot. */
  private readonly pumpQueue = new Set<Channel>();
  private readonly coalescing = new Set<Channel>();
  private pumpScheduled = false;
  private pumpTimer: NodeJS.Timeout | undefined;
  /** Channels with background output, waiting for the next background flush (or a ride on any
   * other pump of this socket before it). */
  private readonly background = new Set<Channel>();
  private backgroundTimer: NodeJS.Timeout | undefined;
  /** Per channel: when its last flush was, and how many bytes it sent. */
  private readonly lastFlush = new WeakMap<Channel, { at: number; bytes: number }>();
  /** Corked while a turn's channels pump (see corkable). */
  private readonly stream: { cork(): void; uncork(): void } | null;
  private errorTimes: number[] = [];
  private closed = false;
  private readonly helloTimer: NodeJS.Timeout;

  constructor(
    /** A browser's WebSocket, or an agent link (WebSocket or length-prefixed stream). */
    private readonly ws: LinkSocket,
    readonly user: ConnectionUser,
    private readonly sessions: SessionSource,
    private readonly limits: ConnectionLimits,
    private readonly log: Logger,
    private readonly extension?: ConnectionExtension,
    private readonly observe?: ConnectionObserver,
  ) {
    this.stream = corkable(ws);
    this.helloTimer = setTimeout(() => this.close(CloseCode.PROTOCOL, 'no HELLO received'), limits.helloTimeoutMs);
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', () => this.dispose());
    ws.on('error', (err) => this.log.warn('socket error', { user: user.id, error: err.message }));
  }

  /** The channel open as `id` on this connection (an extension's frames name channels too). */
  channel(id: number): Channel | undefined {
    return this.channels.get(id);
  }

  get writable(): boolean {
    return !this.closed && this.queuedBytes < this.limits.socketHighWater;
  }

  // ---- outbound ----

  /** Send an encoded frame (extensions use it for their own ops). */
  sendFrame(frame: Uint8Array): void {
    this.send(frame);
  }

  /** `pooled`: the frame's memory is framePool's, given back once the socket took it. */
  private send(frame: Uint8Array, pooled = false): void {
    if (this.closed) {
      if (pooled) framePool.release(frame);
      return;
    }
    const n = frame.byteLength;
    this.queuedBytes += n;
    this.ws.send(frame, { binary: true }, () => {
      if (pooled) framePool.release(frame);
      const wasBlocked = this.queuedBytes >= this.limits.socketHighWater;
      this.queuedBytes -= n;
      if (wasBlocked && this.writable) for (const c of this.channels.values()) this.schedulePump(c);
    });
  }

  sendOutput(channel: number, offset: number, data: readonly Uint8Array[]): void {
    let n = 0;
    for (const p of data) n += p.byteLength;
    this.observe?.outputSent(n);
    this.send(encodeOutput(channel, offset, data, framePool.alloc), true);
  }
  sendOpened(channel: number, opened: Opened): void {
    this.send(encodeOpened(channel, opened));
  }
  sendExit(channel: number, exit: ExitInfo): void {
    this.send(encodeExit(channel, exit));
  }
  sendEvent(channel: number, event: SessionEvent): void {
    this.send(encodeEvent(channel, event));
  }
  private sendError(channel: number, code: ErrorCode, message: string): void {
    this.send(encodeError(channel, { code, message }));
  }

  /**
   * A channel's output is flushed in the same event-loop turn unless that channel's previous flush
   * was a large one less than OUTPUT_COALESCE_MS ago — i.e. it is streaming, and its ~4 KB PTY
   * reads are merged into a few large frames instead of one frame, syscall and client ACK per read
   * — and less than a quarter of its window could go (COALESCE_WINDOW_SHARE).
   * Per channel: a keystroke's echo on one terminal never waits behind another terminal's flood on
   * the same socket (a tab, or an agent link carrying every terminal of a gateway). Background
   * output (Channel.background) waits for the socket's background flush instead, unless a pump of
   * this socket is due this turn anyway.
   */
  schedulePump(channel: Channel): void {
    if (this.pumpQueue.has(channel)) return;
    const now = performance.now();
    const last = this.lastFlush.get(channel);
    // Streaming, it waits for its slot — unless a quarter of its window could go now (see
    // COALESCE_WINDOW_SHARE).
    const streaming = last && last.bytes >= COALESCE_AFTER_BYTES && (channel.sendable < this.limits.highWater * COALESCE_WINDOW_SHARE || !this.writable);
    const wait = streaming ? last.at + OUTPUT_COALESCE_MS - now : 0;
    if (wait > 0) {
      this.coalescing.add(channel);
      this.pumpTimer ??= setTimeout(this.runCoalesced, wait);
      return;
    }
    const every = this.limits.backgroundFlushMs ?? 0;
    if (every > 0 && !this.pumpScheduled && channel.background(now)) {
      this.background.add(channel);
      this.backgroundTimer ??= setTimeout(this.runBackground, every);
      return;
    }
    this.background.delete(channel);
    this.coalescing.delete(channel);
    this.pumpQueue.add(channel);
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(this.runPumps);
  }

  pumpNow(channel: Channel): void {
    if (this.closed || this.channels.get(channel.id) !== channel) return;
    this.pumpQueue.delete(channel);
    this.pumpOne(channel, performance.now());
  }

  /** Its pumps waited for a turn of their own (PUMP_TURN_MS): run them now. */
  pumpWaiting(): void {
    this.runPumps();
  }

  /** The streaming channels' slot came: they go out with this turn's pumps. */
  private readonly runCoalesced = (): void => {
    this.pumpTimer = undefined;
    if (this.closed) return;
    for (const c of this.coalescing) this.pumpQueue.add(c);
    this.coalescing.clear();
    this.runPumps();
  };

  /** The background flush: every channel that waited for it goes out in one write. */
  private readonly runBackground = (): void => {
    this.backgroundTimer = undefined;
    if (this.closed) return;
    this.runPumps();
  };

  /** Round-robin in bounded slices so one replaying or flooding channel cannot starve siblings.
   * Once this event-loop turn's pumps of every connection took PUMP_TURN_MS, it waits for the
   * next turn (pumpTurn), still scheduled. */
  private readonly runPumps = (): void => {
    if (this.closed) return;
    if (!pumpTurn.admit(this)) {
      this.pumpScheduled = true;
      return;
    }
    this.pumpScheduled = false;
    const now = performance.now();
    this.stream?.cork();
    try {
      this.pumpAll(now);
    } finally {
      this.stream?.uncork();
      pumpTurn.spend(performance.now() - now);
    }
  };

  private pumpAll(now: number): void {
    // Background output rides along with any write of this socket: it is going out anyway.
    for (const c of this.background) this.pumpQueue.add(c);
    this.background.clear();
    clearTimeout(this.backgroundTimer);
    this.backgroundTimer = undefined;
    let queue = [...this.pumpQueue];
    this.pumpQueue.clear();
    // The interactive lane first: an echo leaves before its siblings' output takes the socket.
    const urgent = queue.filter((c) => c.interactive(now));
    if (urgent.length) queue = [...urgent, ...queue.filter((c) => !urgent.includes(c))];
    for (const c of queue) if (this.channels.get(c.id) === c) this.pumpOne(c, now);
  }

  /** One slice of `c`'s output, noted for coalescing; another turn if it has more. */
  private pumpOne(c: Channel, now: number): void {
    const before = c.sentOffset;
    const more = c.pump(MAX_PUMP_SLICE_BYTES);
    this.lastFlush.set(c, { at: now, bytes: c.sentOffset - before });
    if (more) this.schedulePump(c);
  }

  channelClosed(channel: Channel): void {
    if (this.channels.get(channel.id) !== channel) return;
    // A forgotten session's last output and EXIT may still be waiting for the next pump.
    channel.pump();
    this.channels.delete(channel.id);
  }

  // ---- inbound ----

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.closed) return;
    if (!isBinary) return this.protocolError(0, ErrorCode.BAD_FRAME, 'text messages are not part of the protocol; send binary frames');
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (this.helloDone && this.extension?.ops.has(bytes[0] ?? -1)) return this.extension.onFrame(bytes, this);
    const decoded = decodeClientFrame(bytes);
    if (!decoded.ok) {
      const e = decoded.error;
      if (!this.helloDone) return this.close(CloseCode.PROTOCOL, `expected HELLO: ${e.message}`);
      return this.protocolError(e.channel, e.code, e.message);
    }
    const frame = decoded.frame;
    if (!this.helloDone) {
      if (frame.type !== 'hello') return this.close(CloseCode.PROTOCOL, 'the first frame must be HELLO');
      return this.onHello(frame.hello.v);
    }
    try {
      this.dispatch(frame);
    } catch (err) {
      this.log.error('frame handling failed', { user: this.user.id, type: frame.type, error: (err as Error).message });
      this.sendError(frame.channel, ErrorCode.INTERNAL, 'internal error while handling the frame');
    }
  }

  private onHello(v: number): void {
    clearTimeout(this.helloTimer);
    if (v !== PROTOCOL_VERSION) return this.close(CloseCode.PROTOCOL, `protocol version ${v} is not supported; this gateway speaks v${PROTOCOL_VERSION}`);
    this.helloDone = true;
    this.send(
      encodeHelloAck({
        v: PROTOCOL_VERSION,
        user: { id: this.user.id, name: this.user.name },
        limits: { maxFrameBytes: MAX_FRAME_BYTES, highWater: this.limits.highWater, lowWater: this.limits.lowWater },
      }),
    );
  }

  private dispatch(frame: ClientFrame): void {
    switch (frame.type) {
      case 'hello':
        return this.protocolError(0, ErrorCode.BAD_FRAME, 'HELLO was already received');
      case 'ping':
        return this.send(encodePong(frame.data));
      case 'open':
        return void this.onOpen(frame.channel, frame.open);
      case 'input':
      case 'answer':
      case 'resize':
      case 'ack':
      case 'detach':
      case 'kill': {
        const ch = this.channels.get(frame.channel);
        if (!ch) {
          if (this.opening.has(frame.channel) && frame.type !== 'input') return; // racing its own OPEN; harmless
          return this.sendError(frame.channel, ErrorCode.UNKNOWN_CHANNEL, `channel ${frame.channel} is not open`);
        }
        return this.onChannelFrame(ch, frame);
      }
      default:
        return assertNever(frame);
    }
  }

  private onChannelFrame(ch: Channel, frame: Extract<ClientFrame, { type: 'input' | 'answer' | 'resize' | 'ack' | 'detach' | 'kill' }>): void {
    switch (frame.type) {
      case 'input':
        if (!ch.session.running) return this.sendError(ch.id, ErrorCode.EXITED, 'the process has exited; input was not delivered');
        return this.guarded(ch, () => {
          ch.typed();
          ch.session.write(frame.data, ch);
          this.observe?.inputReceived(frame.data.byteLength);
        });
      case 'answer':
        // Not an error when dropped: every viewer's emulator answers, only the driver's counts.
        ch.session.answer(frame.data, ch);
        return;
      case 'resize':
        return this.guarded(ch, () => ch.session.resize(frame.cols, frame.rows, ch));
      case 'ack':
        return ch.ack(frame.processed);
      case 'detach':
        this.channels.delete(ch.id);
        return ch.detach();
      case 'kill':
        return this.guarded(ch, () => {
          const running = ch.session.running;
          ch.session.kill();
          if (running) return;
          // An exited terminal: KILL forgets it.
          this.channels.delete(ch.id);
          ch.detach();
          this.sessions.forget(ch.session);
        });
      default:
        return assertNever(frame);
    }
  }

  private async onOpen(channel: number, req: OpenRequest): Promise<void> {
    if (this.channels.has(channel) || this.opening.has(channel)) {
      return this.sendError(channel, ErrorCode.CHANNEL_IN_USE, `channel ${channel} is already open`);
    }
    if (this.channels.size + this.opening.size >= this.limits.maxChannelsPerConnection) {
      return this.sendError(channel, ErrorCode.LIMIT, `at most ${this.limits.maxChannelsPerConnection} terminals per connection`);
    }
    this.opening.add(channel);
    let session: SessionHandle | null;
    try {
      session =
        req.workspace !== undefined
          ? await this.sessions.create(this.user, { ...req, workspace: req.workspace })
          : await this.sessions.find(this.user, req.session!);
    } catch (thrown) {
      this.opening.delete(channel);
      const err = toGatewayError(thrown);
      if (err instanceof GatewayError) return this.sendError(channel, err.code, err.message);
      this.log.error('open failed', { user: this.user.id, error: (err as Error).message });
      return this.sendError(channel, ErrorCode.INTERNAL, 'could not open the terminal');
    }
    this.opening.delete(channel);
    if (!session) return this.sendError(channel, ErrorCode.NOT_FOUND, 'no such terminal session (it may have been closed)');
    if (this.closed) return;
    const { from, snapshot } = replayStart(session, req.resumeFrom);
    try {
      session.resize(req.cols, req.rows);
    } catch (err) {
      if (!(toGatewayError(err) instanceof GatewayError)) throw err; // refused (a view-only viewer): it just does not size the terminal
    }
    const ch = new Channel(channel, session, from, this, this.limits.highWater);
    this.channels.set(channel, ch);
    this.sendOpened(channel, openedFor(session, from, snapshot));
    session.attach(ch);
    this.schedulePump(ch);
  }

  /** Run a channel operation; our error from it (a decorator refusing) goes back as an ERROR. */
  private guarded(ch: Channel, act: () => void): void {
    try {
      act();
    } catch (thrown) {
      const err = toGatewayError(thrown);
      if (err instanceof GatewayError) return this.sendError(ch.id, err.code, err.message);
      throw err;
    }
  }

  private protocolError(channel: number, code: ErrorCode, message: string): void {
    const now = Date.now();
    this.errorTimes = this.errorTimes.filter((t) => now - t < 60_000);
    this.errorTimes.push(now);
    if (this.errorTimes.length > this.limits.maxErrorsPerMinute) {
      return this.close(CloseCode.PROTOCOL, 'too many malformed frames');
    }
    this.sendError(channel, code, message);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.ws.close(code, reason.slice(0, 120));
    this.dispose();
  }

  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.helloTimer);
    clearTimeout(this.pumpTimer);
    clearTimeout(this.backgroundTimer);
    this.coalescing.clear();
    pumpTurn.waiting.delete(this);
    for (const ch of this.channels.values()) ch.detach();
    this.channels.clear();
    this.pumpQueue.clear();
    this.extension?.onClose?.(this);
  }
}

/**
 * What a turn's frames are written through, held (corked) while the turn's channels pump so they
 * leave in one write: many terminals printing a little each (agents, builds) would otherwise cost
 * a syscall and a wake-up at the other end per frame. A FramedStream says so itself; a `ws`
 * WebSocket keeps its TCP socket as `_socket`.
 */
function corkable(ws: LinkSocket): { cork(): void; uncork(): void } | null {
  if (ws.cork && ws.uncork) return ws as Required<Pick<LinkSocket, 'cork' | 'uncork'>>;
  const socket = (ws as { _socket?: { cork?: unknown; uncork?: unknown } })._socket;
  return socket && typeof socket.cork === 'function' && typeof socket.uncork === 'function' ? (socket as { cork(): void; uncork(): void }) : null;
}

/**
 * Every connection's pumps together take at most about this long per event-loop turn; the
 * connections after that wait, in order, for the turn after the next poll for I/O (the check
 * phase: setImmediate). Each connection's pumps are timers and immediates of their own, and
 * Node runs every due one before it polls again: when the 500 printers of bench:load ended
 * together, the 50 sockets' background flushes (their EXITs, last output) ran in one timers
 * phase of ~47 ms, and a keystroke that came meanwhile waited for all of it. A keystroke's echo
 * (Channel.onOutput, pumpNow) never waits for a turn.
 */
export const PUMP_TURN_MS = 4;

const pumpTurn = {
  spent: 0,
  ending: false,
  waiting: new Set<Connection>(),
  /** Whether `conn` may pump now; if not, it runs when its turn comes. */
  admit(conn: Connection): boolean {
    if (this.spent < PUMP_TURN_MS) return true;
    this.waiting.add(conn);
    return false;
  },
  spend(ms: number): void {
    this.spent += ms;
    if (this.ending) return;
    this.ending = true;
    setImmediate(endPumpTurn);
  },
};

function endPumpTurn(): void {
  pumpTurn.spent = 0;
  pumpTurn.ending = false;
  if (pumpTurn.waiting.size === 0) return;
  const waiting = [...pumpTurn.waiting];
  pumpTurn.waiting.clear();
  for (const conn of waiting) conn.pumpWaiting();
}

/** Bytes one channel may send per pump turn before yielding to its siblings. */
export const MAX_PUMP_SLICE_BYTES = 512 * 1024;
/** Minimum spacing of output flushes while output keeps coming. */
export const OUTPUT_COALESCE_MS = 5;
/** A flush at least this large means output is streaming; smaller ones (echoes) never delay the next. */
export const COALESCE_AFTER_BYTES = 2048;
/**
 * A streaming channel's output leaves without waiting out OUTPUT_COALESCE_MS once this share of
 * its window (ConnectionLimits.highWater) waits and could be sent. A single flood reads 60–110
 * MB/s, 300–550 KB per slot: with the frame before it not yet acknowledged that passed the 512 KiB
 * high-water mark, and the program was paused ~40 times per 100 MB, 50–70 ms of a 1.6 s flood —
 * a ceiling of about a window per slot and round trip. With it, 4 of 5 interleaved A/Bs of 8–16
 * floods read 10–22% faster (2026-12-07, docs/terminal-speed-log.md). Not while the window or the
 * socket is shut: a pump then sends nothing, and every read would schedule one.
 */
export const COALESCE_WINDOW_SHARE = 1 / 4;
