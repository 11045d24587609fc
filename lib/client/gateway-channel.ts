/**
 * One terminal view over the shared gateway socket. A channel outlives connections: the gateway
 * forgets channel ids when a socket drops, so after every reconnect the socket hands each live
 * channel a fresh id and the channel re-sends OPEN `{session, resumeFrom: received}`. Offsets make
 * that seamless — the terminal sees every output byte once, with no gap and no repeat.
 *
 * State machine:
 *   pending ──OPEN sent──▶ opening ──OPENED──▶ open ──EXIT──▶ exited
 *      ▲                      │                  │
 *      └──── connection lost ─┴──────────────────┘
 *   any ──detach()/close done/OPEN refused──▶ closed (terminal state)
 */
import {
  ACK_EVERY_BYTES,
  ProtocolChannel,
  TRAILING_ACK_MS,
  type ChannelFrame,
  type ChannelLink,
  type ErrorInfo,
  type ExitInfo,
  type OpenRequest,
  type Opened,
  type OutputInfo,
  type SessionEvent,
} from '../protocol';
import { Emitter } from './emitter';
import { InputQueue } from './input-queue';

export type ChannelState = 'pending' | 'opening' | 'open' | 'exited' | 'closed';

export type ChannelEvents = {
  /** The gateway attached this channel to its session (also after every reconnect). */
  opened: [opened: Opened];
  /**
   * Fresh output, never repeated. Call `processed()` once the bytes are parsed — pass it as
   * xterm's write callback — or the gateway's flow control will eventually pause the session.
   * `history`: the bytes were printed before this attachment (a replay, a catch-up): the terminal
   * must not answer queries in them (see `answer`). A chunk is all history or all live.
   */
  output: [data: Uint8Array, processed: () => void, history: boolean];
  /** The gateway sent a screen snapshot: clear the terminal before writing further output. */
  reset: [];
  exit: [exit: ExitInfo];
  error: [error: ErrorInfo];
  event: [event: SessionEvent];
  /** Input typed while disconnected overflowed the queue; this many bytes were dropped. */
  inputDropped: [bytes: number];
  state: [state: ChannelState];
};

/** What a channel needs from the socket that carries it: a link (send a frame on the current
 * connection, false when there is none; learn which number the channel answers to), and: */
export interface ChannelHost extends ChannelLink {
  /** The channel reached `closed`: forget it. */
  release(channel: GatewayChannel): void;
  /** The channel wants an attachment now (see `wantsOpen`); opened at once if connected. */
  requestOpen(channel: GatewayChannel): void;
  /** False while the connection is lost: typing is then dropped, not queued (see
   * connection-banner.ts). Absent: always accepted. */
  acceptsInput?(): boolean;
}

export type ChannelTarget =
  | { kind: 'create'; workspace: string; cwd?: string; command?: string }
  | {
      kind: 'attach';
      session: string;
      resumeFrom?: number;
      /** Known to have exited already (from terminals.list): only close() will attach it. */
      exited?: boolean;
    };

export interface ChannelOptions {
  /**
   * Follow the session's size instead of setting it (a letterboxed share guest): the size from
   * OPENED and from `status` events is adopted — and sent again in the OPEN after a reconnect —
   * and this channel never sends RESIZE; `resize()` does nothing.
   */
  followSize?: boolean;
}

export class GatewayChannel extends Emitter<ChannelEvents> {
  private _state: ChannelState = 'pending';
  private _exit: ExitInfo | null = null;
  /** The protocol side: channel number, received offset and resumeFrom, duplicates, ACKs. */
  private readonly wire: ProtocolChannel;
  /** A create whose session the gateway has not named yet (no OPENED so far). */
  private unnamed: boolean;
  /** Output before this offset is history (OPENED.live). */
  private live = 0;
  private readonly queue = new InputQueue();
  private killRequested = false;
  /** close(): kill, then once exited send KILL again so the gateway forgets the session. */
  private forgetRequested = false;
  /** detach() while opening: complete it once OPENED arrives. */
  private detachRequested = false;

  constructor(
    private readonly host: ChannelHost,
    private readonly target: ChannelTarget,
    private cols: number,
    private rows: number,
    private readonly options: ChannelOptions = {},
  ) {
    super();
    this.wire = new ProtocolChannel(
      host,
      {
        opened: (opened, skipped) => this.onOpened(opened, skipped),
        output: (data, info) => this.onOutput(data, info),
        exit: (exit) => this.onExit(exit),
        error: (error) => this.onError(error),
        event: (event) => this.onEvent(event),
      },
      target.kind === 'attach' ? { session: target.session, resumeFrom: target.resumeFrom ?? 0 } : {},
      { on: 'processed', every: ACK_EVERY_BYTES, trailingMs: TRAILING_ACK_MS },
    );
    this.unnamed = target.kind === 'create';
    if (target.kind === 'attach' && target.exited) this._state = 'exited';
  }

  get state(): ChannelState {
    return this._state;
  }
  /** Session id, known once the gateway has OPENED a create request. */
  get session(): string | null {
    return this.wire.session;
  }
  get exitInfo(): ExitInfo | null {
    return this._exit;
  }
  /** Current channel id on the live connection (null while not attached); for diagnostics. */
  get channelId(): number | null {
    return this.wire.number;
  }

  /**
   * Send keystrokes. While the connection is lost on a socket that blocks typing then (the
   * workspace page, which shows the loss: see connection-banner.ts) they are dropped. Otherwise, while this channel is not open yet — it is still opening on a live
   * socket, or a send failed on a socket not yet known to be dead — they are queued (bounded, see
   * InputQueue) and sent once it opens.
   */
  write(data: string | Uint8Array): void {
    if (this._state === 'exited' || this._state === 'closed') return;
    if (this.host.acceptsInput?.() === false) return;
    // Not sent (socket closing, not yet noticed): queue it for the resumed attachment instead.
    if (this._state === 'open' && this.wire.input(data)) return;
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    const dropped = this.queue.push(bytes);
    if (dropped > 0) this.emit('inputDropped', dropped);
  }

  /**
   * Send what the terminal emulator generated in reply to the program (a cursor position or
   * device-attributes report, a focus report). Never queued: an answer is for the program's
   * question now, and is meaningless after a reconnect. The gateway delivers it only from the
   * viewer that drives the session.
   */
  answer(data: string | Uint8Array): void {
    if (this._state === 'open') this.wire.answer(data);
  }

  resize(cols: number, rows: number): void {
    if (this.options.followSize) return;
    if (cols === this.cols && rows === this.rows) return;
    this.cols = cols;
    this.rows = rows;
    // While not open the new size simply rides along in the next OPEN.
    if (this._state === 'open') this.wire.resize(cols, rows);
  }

  /** End the session's process. The channel stays to receive EXIT. */
  kill(): void {
    if (this._state === 'exited' || this._state === 'closed') return;
    if (this._state === 'open' && this.wire.number !== null) this.wire.kill();
    else this.killRequested = true;
  }

  /**
   * Kill the process if it still runs, make the gateway forget the session (KILL on an exited
   * session), and stop viewing. Used when the user closes a tab.
   */
  close(): void {
    if (this._state === 'closed') return;
    if (this._state === 'pending' && this.unnamed) {
      // A create that was never sent: nothing exists server-side.
      this.finish();
      return;
    }
    this.forgetRequested = true;
    this.killRequested = true;
    if (this.wire.number !== null && (this._state === 'open' || this._state === 'exited')) {
      this.wire.kill();
      if (this._state === 'exited') this.finish();
      return;
    }
    // Otherwise the KILL goes out once the channel is (re)opened; see onOpened.
    if (this.wantsOpen) this.host.requestOpen(this);
  }

  /** Stop viewing; the session keeps running on the gateway. */
  detach(): void {
    // A close() in flight still has to send its final KILL (after EXIT) so the gateway forgets
    // the session; the view going away (tab removed) must not cut that short.
    if (this._state === 'closed' || this.forgetRequested) return;
    if (this._state === 'opening') {
      // The gateway ignores DETACH while an OPEN is in flight (the channel does not exist for it
      // yet), so finish the job when OPENED arrives.
      this.detachRequested = true;
      return;
    }
    if (this._state !== 'pending') this.wire.detach();
    this.finish();
  }

  // ---- driven by GatewaySocket ----

  /** Whether the socket should (re)open this channel on a fresh connection. */
  get wantsOpen(): boolean {
    if (this._state === 'pending') return !this.detachRequested;
    // An exited session the user wants forgotten needs an attachment to carry the KILL.
    return this._state === 'exited' && this.forgetRequested && this.wire.number === null;
  }

  /** Called by the socket with a fresh channel id once the connection is ready. */
  open(id: number, ackEvery: number): void {
    // A known session resumes at the bytes already received; a create is sent as asked.
    if (this.wire.session !== null) this.wire.resume(id, { cols: this.cols, rows: this.rows }, ackEvery);
    else this.wire.open(id, this.createRequest(), ackEvery);
    // An exited channel re-attaches only to carry close()'s KILL; it stays `exited`.
    if (this._state !== 'exited') this.setState('opening');
  }

  /** The connection carrying this channel is gone. */
  connectionLost(): void {
    this.wire.unbind();
    if (this.detachRequested) {
      // Detached before the gateway answered: there is nothing to resume.
      this.finish();
      return;
    }
    if (this._state === 'opening' || this._state === 'open') this.setState('pending');
  }

  /** A frame for this channel delivered by hand (the socket's protocol client routes them itself). */
  handleFrame(frame: ChannelFrame): void {
    if (this._state !== 'closed') this.wire.handle(frame);
  }

  private createRequest(): OpenRequest {
    if (this.target.kind !== 'create') throw new Error('attach channel without a session id');
    const req: OpenRequest = { workspace: this.target.workspace, cols: this.cols, rows: this.rows };
    if (this.target.cwd !== undefined) req.cwd = this.target.cwd;
    if (this.target.command !== undefined) req.command = this.target.command;
    return req;
  }

  private onOpened(opened: Opened, skipped: number): void {
    const wasExited = this._state === 'exited';
    const createdNow = this.unnamed;
    this.unnamed = false;
    this.live = opened.live ?? 0;
    if (opened.snapshot) this.emit('reset');
    else if (skipped > 0) console.warn(`tether: session ${opened.session} resumed at ${opened.offset}, expected ${opened.offset - skipped}`);
    if (!wasExited) this.setState('open');
    if (this.detachRequested) {
      this.detachRequested = false;
      // A session created for a view that is already gone was never seen by anyone: end it rather
      // than leave an orphan that reappears as a tab on the next page load.
      if (createdNow) this.close();
      else this.detach();
      return;
    }
    if (this.options.followSize) {
      this.cols = opened.cols;
      this.rows = opened.rows;
    } else if (opened.cols !== this.cols || opened.rows !== this.rows) {
      this.wire.resize(this.cols, this.rows);
    }
    if (this.wire.number !== null && this.killRequested) {
      this.wire.kill();
      // A plain kill() is done once sent; close() keeps the flag to forget the session after EXIT.
      if (!this.forgetRequested) this.killRequested = false;
      if (wasExited) {
        this.finish();
        return;
      }
    }
    if (this.wire.number !== null && !this.killRequested) {
      for (const chunk of this.queue.drain()) this.wire.input(chunk);
    }
    this.emit('opened', opened);
  }

  private onOutput(fresh: Uint8Array, { start, gap, processed }: OutputInfo): void {
    if (gap > 0) console.warn(`tether: ${gap} output bytes missing before offset ${start}`);
    const end = start + fresh.byteLength;
    // Duplicates need no parsing but still count as processed (the gateway sent them).
    if (fresh.byteLength === 0 || this.listenerCount('output') === 0) {
      processed(end);
      return;
    }
    const historyBytes = Math.min(Math.max(this.live - start, 0), fresh.byteLength);
    if (historyBytes > 0) {
      const history = fresh.subarray(0, historyBytes);
      this.emit('output', history, () => processed(start + historyBytes), true);
      if (historyBytes === fresh.byteLength) return;
    }
    this.emit('output', fresh.subarray(historyBytes), () => processed(end), false);
  }

  private onEvent(ev: SessionEvent): void {
    if (this.options.followSize && ev.type === 'status' && ev.cols !== undefined && ev.rows !== undefined) {
      this.cols = ev.cols;
      this.rows = ev.rows;
    }
    this.emit('event', ev);
  }

  private onExit(exit: ExitInfo): void {
    const first = this._exit === null;
    this._exit = exit;
    this.queue.drain();
    this.setState('exited');
    if (first) this.emit('exit', exit);
    if (this.forgetRequested && this.wire.number !== null) {
      this.wire.kill();
      this.finish();
    }
  }

  private onError(error: ErrorInfo): void {
    // An ERROR before OPENED is the gateway refusing the OPEN: nothing is attached, so stop.
    const refused = this._state === 'opening';
    this.emit('error', error);
    if (refused || (this.forgetRequested && this._state === 'exited')) this.finish();
  }

  private finish(): void {
    this.queue.drain();
    this.setState('closed');
    this.host.release(this);
    this.wire.unbind();
  }

  private setState(state: ChannelState): void {
    if (state === this._state) return;
    this._state = state;
    this.emit('state', state);
  }
}
