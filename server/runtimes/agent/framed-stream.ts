/**
 * A byte stream (SSH exec channel, Unix socket) carrying length-prefixed frames
 * (lib/protocol/stream.ts), presented with the part of the `ws` WebSocket API that the gateway's
 * Connection and the AgentClient use: `send`, `close`, `terminate`, and `message` / `close` /
 * `error` events. A record that is empty or over the frame limit ends the stream: the two ends are
 * out of step and nothing after it can be trusted.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { encodeRecord, RecordReader, recordPrefix } from '../../../lib/protocol';

/** What Connection and AgentClient need from a link, whatever carries it. */
export interface LinkSocket {
  send(data: Uint8Array, opts?: { binary?: boolean }, cb?: (err?: Error) => void): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
  on(event: 'close', listener: () => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  once(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
  once(event: 'close', listener: () => void): this;
  once(event: 'error', listener: (err: Error) => void): this;
  removeAllListeners(event?: string): this;
  /** Hold writes until `uncork`, then write them as one (a turn's frames, one syscall). */
  cork?(): void;
  uncork?(): void;
}

const CLOSE_GRACE_MS = 2000;
/** Frames from this size are written after their length prefix instead of copied behind it. */
const SPLIT_WRITE_BYTES = 16 * 1024;
/**
 * Bytes taken in per event-loop turn before the stream is paused until the next turn. A link
 * carries every terminal of a pty host or runner: when the gateway falls behind (500 terminals
 * printing on 2 cores), the link holds hundreds of KiB, and libuv reads up to 32 chunks of it in
 * one callback — tens of milliseconds of frames while a keystroke's echo on another descriptor
 * waits for the next poll. A slice keeps each turn short; the rest follows the next turn.
 */
const TURN_READ_BYTES = 256 * 1024;
/**
 * Time spent handing records on per event-loop turn; the rest wait for the next turn, the stream
 * paused until they are handed on. Bytes alone do not bound a turn: a notice is a few dozen bytes
 * and can cost a fraction of a millisecond to handle (500 terminals ending together: every one
 * given back — its last output read, its descriptors closed — and ended, in one read of the
 * link), and a keystroke's echo on another descriptor waited for all of them.
 */
const TURN_HANDLE_MS = 4;

export class FramedStream extends EventEmitter implements LinkSocket {
  private readonly reader = new RecordReader();
  private closed = false;
  /** Corked by send() until the end of this event-loop turn. */
  private turnCorked = false;
  /** Bytes taken in this turn (past TURN_READ_BYTES, reading stopped for the rest of it), and
   * whether the turn's end is awaited. */
  private turnBytes = 0;
  private turnEnding = false;
  /** Records taken in and not yet handed on (past TURN_HANDLE_MS), oldest first. */
  private backlog: Uint8Array[] = [];

  /**
   * @param stream the duplex; its 'close' (or 'end' of the readable side) ends the link.
   * @param first optional handler for the first record (a Unix socket's AUTH record): return
   *   false to refuse the link.
   */
  constructor(
    private readonly stream: Duplex,
    private first?: (record: Uint8Array) => boolean,
  ) {
    super();
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('error', (err: Error) => this.emit('error', err));
    stream.on('close', () => this.finish());
    stream.on('end', () => this.finish());
  }

  get bufferedAmount(): number {
    return this.stream.writableLength;
  }

  send(data: Uint8Array, _opts?: { binary?: boolean }, cb?: (err?: Error) => void): void {
    if (this.closed || this.stream.destroyed || !this.stream.writable) {
      cb?.(new Error('the link is closed'));
      return;
    }
    // Every frame sent in one event-loop turn leaves in one write: a gateway acknowledging 500
    // terminals' output, or a pty host's turn of OUTPUT frames, would otherwise cost a syscall —
    // and a wake-up of the other process, which on a busy machine preempts this one — per frame.
    // (Not when the caller holds it corked already — a Connection's turn of pumps — and uncorks
    // at its end: another cork would hold the frames over to the next loop iteration.)
    if (!this.turnCorked && this.stream.writableCorked === 0) {
      this.turnCorked = true;
      this.stream.cork();
      setImmediate(this.uncorkTurn);
    }
    const done = cb ? (err: Error | null | undefined) => cb(err ?? undefined) : undefined;
    // A large frame (a turn of output) goes after its prefix as it is — one writev under the cork —
    // rather than copied whole to put 4 bytes in front; a small one is cheaper as one piece.
    if (data.byteLength < SPLIT_WRITE_BYTES) this.stream.write(encodeRecord(data), done);
    else {
      this.stream.write(recordPrefix(data.byteLength));
      this.stream.write(data, done);
    }
  }

  private readonly endTurn = (): void => {
    const sliced = this.turnBytes >= TURN_READ_BYTES;
    this.turnEnding = false;
    this.turnBytes = 0;
    if (sliced) this.resumeReading();
  };

  /** Read again, unless this turn's bytes are spent or records still wait to be handed on. */
  private resumeReading(): void {
    if (!this.closed && this.backlog.length === 0 && this.turnBytes < TURN_READ_BYTES) this.stream.resume();
  }

  /** The next turn: hand on what waited. */
  private readonly handBacklog = (): void => {
    const records = this.backlog;
    this.backlog = [];
    this.handOn(records);
    this.resumeReading();
  };

  private readonly uncorkTurn = (): void => {
    this.turnCorked = false;
    this.stream.uncork();
  };

  cork(): void {
    this.stream.cork();
  }

  uncork(): void {
    this.stream.uncork();
  }

  close(): void {
    if (this.closed) return;
    this.stream.end();
    setTimeout(() => this.terminate(), CLOSE_GRACE_MS).unref();
    this.finish();
  }

  terminate(): void {
    this.stream.destroy();
    this.finish();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    const before = this.turnBytes;
    this.turnBytes += chunk.byteLength;
    if (!this.turnEnding) {
      this.turnEnding = true;
      setImmediate(this.endTurn);
    }
    if (before < TURN_READ_BYTES && this.turnBytes >= TURN_READ_BYTES) {
      // This chunk is still taken in (below); what follows waits for the next turn.
      this.stream.pause();
    }
    let records: Uint8Array[];
    try {
      records = this.reader.push(chunk);
    } catch (err) {
      this.emit('error', err as Error);
      this.terminate();
      return;
    }
    // Records of an earlier read still wait: these go after them.
    if (this.backlog.length > 0) {
      for (const r of records) this.backlog.push(r);
      return;
    }
    this.handOn(records);
  }

  /** Emit `records` in order, for at most `budgetMs`; what is left waits for the next turn. */
  private handOn(records: Uint8Array[], budgetMs = TURN_HANDLE_MS): void {
    const start = performance.now();
    for (let i = 0; i < records.length; i++) {
      if (this.closed) return;
      if (i > 0 && performance.now() - start >= budgetMs) {
        this.backlog = records.slice(i);
        this.stream.pause();
        setImmediate(this.handBacklog);
        return;
      }
      const r = records[i]!;
      if (this.first) {
        const ok = this.first(r);
        this.first = undefined;
        if (!ok) {
          this.terminate();
          return;
        }
        continue;
      }
      this.emit('message', Buffer.from(r.buffer, r.byteOffset, r.byteLength), true);
    }
  }

  private finish(): void {
    if (this.closed) return;
    // What was read is handed on before the end, as when every record went at once.
    const left = this.backlog;
    this.backlog = [];
    if (left.length > 0) this.handOn(left, Number.POSITIVE_INFINITY);
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
}
