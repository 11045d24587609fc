/**
 * One channel of one connection: a view of a terminal session. Tracks what it has sent and what
 * the client has acknowledged, and pumps bytes from the session's replay ring whenever it falls
 * behind (socket blocked, window full, or replay after attach/resume).
 */
import type { ExitInfo, Opened, SessionEvent } from '../../lib/protocol';
import { RecentSet } from '../../lib/shared/recent-set';
import type { LentReading, SessionHandle, SessionViewer } from './session';

/** Largest OUTPUT payload the gateway builds from the ring (well under the 1 MiB frame cap). */
export const MAX_OUTPUT_CHUNK_BYTES = 256 * 1024;
/**
 * The interactive lane: a channel typed into within this long, with at most INTERACTIVE_BYTES
 * waiting, is someone waiting for their echo. It is pumped before its siblings and may pass a
 * socket that is over its high-water mark (by at most that much), so a keystroke's echo never
 * queues behind other terminals' output on a shared socket — a browser tab, or the pty host's
 * one link carrying every local terminal.
 */
export const INTERACTIVE_MS = 1000;
export const INTERACTIVE_BYTES = 16 * 1024;
/**
 * At most this many channels, in the whole process, are in the lane: the ones typed into most
 * recently. A person types into one terminal at a time (a broadcast to a few panes at most); when
 * a script typed into every one of 500 terminals at once, all 500 were "typed into lately" for a
 * second — each pumped on its own at every read, a socket write per line — and the echo of a key
 * typed elsewhere then waited behind them (bench:load's first second: 280–810 ms).
 */
export const INTERACTIVE_CHANNELS = 16;
const typedChannels = new RecentSet<Channel>(INTERACTIVE_CHANNELS);
/** At most this much waiting is background output (Channel.background); more leaves at once. */
export const BACKGROUND_BYTES = 16 * 1024;
/** How often a lend waiting for output to be sent looks again (Channel.lendWhenSent). */
const LEND_POLL_MS = 5;

export interface ChannelSink {
  /** Whether the socket can take more bytes now (below its buffered-bytes cap). */
  readonly writable: boolean;
  /** `data`: consecutive pieces of the stream starting at `offset`. */
  sendOutput(channel: number, offset: number, data: readonly Uint8Array[]): void;
  /** OPENED: on attach, and again (snapshot) when a viewer is caught up after falling behind. */
  sendOpened(channel: number, opened: Opened): void;
  sendExit(channel: number, exit: ExitInfo): void;
  sendEvent(channel: number, event: SessionEvent): void;
  /** Ask for `pump()` to be called soon (coalesced). */
  schedulePump(channel: Channel): void;
  /** Call `pump()` now (a keystroke's echo: see Channel.onOutput). */
  pumpNow(channel: Channel): void;
  /** The session went away under this channel. */
  channelClosed(channel: Channel): void;
}

/** What OPENED says for an attachment of `session` that sends from `from`. */
export function openedFor(session: SessionHandle, from: number, snapshot: boolean): Opened {
  return {
    session: session.id,
    offset: from,
    snapshot,
    cols: session.cols,
    rows: session.rows,
    // Everything the session has printed so far is history to this viewer: it was printed before
    // the viewer saw it, so any query in it is not this viewer's to answer.
    live: session.knownEnd,
    ...(session.title ? { title: session.title } : {}),
    ...(session.pid ? { pid: session.pid } : {}),
  };
}

export class Channel implements SessionViewer {
  /** Next stream offset to send. */
  private sent: number;
  private ackedOffset: number;
  private exitSent = false;
  /** performance.now() of the last input through this channel (the interactive lane). */
  private typedAt = Number.NEGATIVE_INFINITY;
  /** Input went through since the last output: the next output is likely its echo. */
  private echoDue = false;

  constructor(
    readonly id: number,
    readonly session: SessionHandle,
    from: number,
    private readonly sink: ChannelSink,
    private readonly highWater: number,
  ) {
    this.sent = from;
    this.ackedOffset = from;
  }

  get acked(): number {
    return this.ackedOffset;
  }

  /** The next stream offset this channel will send. */
  get sentOffset(): number {
    return this.sent;
  }

  /** Bytes this channel could send now: what the ring has beyond `sent`, as far as its window
   * allows. */
  get sendable(): number {
    return Math.min(this.session.ring.end - this.sent, this.windowLeft);
  }

  /** Input went to the program through this channel: its next output is likely an echo. */
  typed(now = performance.now()): void {
    this.typedAt = now;
    this.echoDue = true;
    typedChannels.touch(this)?.leaveLane();
  }

  /** INTERACTIVE_CHANNELS channels were typed into since: no longer in the lane. */
  private leaveLane(): void {
    this.typedAt = Number.NEGATIVE_INFINITY;
    this.echoDue = false;
  }

  /** In the interactive lane (see INTERACTIVE_MS): typed into lately, little waiting. */
  interactive(now: number): boolean {
    return now - this.typedAt < INTERACTIVE_MS && this.session.ring.end - this.sent <= INTERACTIVE_BYTES;
  }

  /**
   * Background output: nobody typed into this terminal lately and little is waiting (a build log,
   * an agent's progress, a spinner). It may wait for its socket's next background flush (at most
   * a display frame, ConnectionLimits.backgroundFlushMs) and leave with its siblings' output in one
   * write, rather than a socket write and a client wake-up per line.
   */
  background(now: number): boolean {
    return now - this.typedAt >= INTERACTIVE_MS && this.session.ring.end - this.sent <= BACKGROUND_BYTES;
  }

  /** Bytes the client's window still takes before it must acknowledge. */
  private get windowLeft(): number {
    return this.highWater - (this.sent - this.ackedOffset);
  }

  private get windowOpen(): boolean {
    return this.windowLeft > 0;
  }

  onOutput(): void {
    // Never send per PTY chunk: node-pty reads ~4 KB at a time, and a frame + syscall + client ACK
    // per chunk halves throughput. The pump runs once per event-loop turn and sends everything
    // that arrived meanwhile as one frame. Except the first output after a keystroke (in the
    // interactive lane): it leaves now, not after the rest of the turn's reads — with hundreds of
    // terminals printing, that is milliseconds of other terminals' output the echo waited behind.
    if (this.echoDue) {
      this.echoDue = false;
      if (this.interactive(performance.now())) return this.sink.pumpNow(this);
    }
    this.sink.schedulePump(this);
  }

  onExit(): void {
    this.sink.schedulePump(this);
  }

  onResize(cols: number, rows: number): void {
    this.sink.sendEvent(this.id, { type: 'status', cols, rows });
  }

  onEvent(event: SessionEvent): void {
    this.sink.sendEvent(this.id, event);
  }

  onClosed(): void {
    typedChannels.delete(this);
    this.sink.channelClosed(this);
  }

  /** Client processed `processed` bytes in total. Acks beyond what was sent are clamped. */
  ack(processed: number): void {
    const next = Math.min(processed, this.sent);
    if (next <= this.ackedOffset) return;
    const wasClosed = !this.windowOpen;
    this.ackedOffset = next;
    this.session.updateFlow();
    if (wasClosed) this.sink.schedulePump(this);
  }

  /** Send what the ring has beyond `sent`, as far as socket and window allow. Returns true when
   * it stopped early and wants another turn. */
  pump(maxBytes = Number.POSITIVE_INFINITY): boolean {
    const ring = this.session.ring;
    let budget = maxBytes;
    for (;;) {
      // `end` first: a terminal given back with its bytes deferred (ReplayRing.defer) is not made
      // to take them in by a pump that has nothing to send.
      if (this.sent < ring.end && this.sent < ring.start) {
        // A viewer that does not drive (the driver's backlog pauses the program before the ring
        // could evict its bytes), or any viewer after the ring lost what it held (a store that
        // could not answer): it is further behind than the ring reaches. Catch it up with a
        // reset and the retained tail from a line start, said in a new OPENED, rather than hold
        // the program back for it or send bytes out of order. The tail starts half a ring back,
        // so it is not evicted again under it at once.
        const from = ring.lineStartAt(Math.max(ring.start, ring.end - Math.floor(ring.capacity / 2)));
        this.sent = from;
        this.ackedOffset = from;
        this.sink.sendOpened(this.id, openedFor(this.session, from, true));
      }
      if (this.sent >= ring.end || budget <= 0) break;
      if (!this.windowOpen || (!this.sink.writable && !this.interactive(performance.now()))) return false;
      const parts = ring.read(this.sent, Math.min(MAX_OUTPUT_CHUNK_BYTES, budget, this.windowLeft));
      let n = 0;
      for (const p of parts) n += p.byteLength;
      if (n === 0) {
        // The ring lost what it held: caught up above, next time round. Nothing read otherwise is
        // a bug, and looping on it would hold the event loop for good (as a read past the recent
        // buffer's end once did): fail loudly instead.
        if (this.sent < ring.start) continue;
        throw new Error(`ring read nothing at ${this.sent} of [${ring.start}, ${ring.end})`);
      }
      this.sink.sendOutput(this.id, this.sent, parts);
      this.sent += n;
      budget -= n;
    }
    if (this.sent < ring.end) return true;
    if (this.session.exit && !this.exitSent) {
      this.exitSent = true;
      // A lost connection is said right before EXIT, after the last byte that did arrive.
      if (this.session.lost) this.sink.sendEvent(this.id, { type: 'status', status: 'lost', message: this.session.lost });
      this.sink.sendExit(this.id, this.session.exit);
    }
    return false;
  }

  detach(): void {
    typedChannels.delete(this);
    this.session.detach(this);
  }

  /**
   * Lend the reading of this terminal's output to the other end of the link (TerminalSession.lend),
   * once everything read so far has been sent on this channel: what the other end reads follows
   * it. Answers the PTY master's descriptor and the offset its reads start at; 'busy' while output
   * is still waiting to be sent, null when the terminal cannot be lent.
   */
  lend(lent: LentReading): { fd: number; offset: number } | 'busy' | null {
    if (!this.session.lend) return null;
    this.pump();
    if (this.sent < this.session.ring.end) return 'busy';
    const fd = this.session.lend(this, lent);
    return fd === null ? null : { fd, offset: this.sent };
  }

  /**
   * lend, once what was read before it is sent: while output waits to be sent the session's
   * reading is held (TerminalSession.holdOutput) for up to `waitMs`, so it can only drain. Asked
   * with 'busy' answered at once, a terminal whose program printed from the start was refused
   * for as long as its output kept coming: with 100 such terminals opened at once, some were
   * never lent (asked 40 times in 2 s) and were relayed to the end. Answers as lend does.
   */
  async lendWhenSent(lent: LentReading, waitMs: number): Promise<{ fd: number; offset: number } | 'busy' | null> {
    let r = this.lend(lent);
    if (r !== 'busy' || !this.session.holdOutput) return r;
    const release = this.session.holdOutput();
    try {
      for (const deadline = performance.now() + waitMs; r === 'busy' && performance.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, LEND_POLL_MS));
        r = this.lend(lent);
      }
      return r;
    } finally {
      release();
    }
  }

  /** The other end gives the terminal back: what it read is in the ring now, and not sent to it
   * again; what is read here from then on is. */
  giveBack(): void {
    const readThere = this.session.giveBack?.(this);
    if (readThere === undefined) return;
    this.sent = Math.max(this.sent, readThere);
    this.ackedOffset = Math.max(this.ackedOffset, this.sent);
  }
}
