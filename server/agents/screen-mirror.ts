/**
 * A server-side screen for a session (`@xterm/headless`), kept lazily: it parses the session's
 * replay ring only when someone asks — for a compact snapshot to attach with, or for the last
 * lines of the screen — and then only what arrived since the last time. Idle sessions and
 * sessions nobody checks on cost nothing; parsing (~30 MiB/s) never sits in the output path.
 *
 * If more than MAX_CATCH_UP_BYTES arrived since the last look (or were evicted from the ring),
 * the screen is rebuilt from the newest MAX_CATCH_UP_BYTES, starting at a line boundary: after
 * that much output a full-screen program has redrawn, and a scrolling one shows only the end.
 */
import { SerializeAddon } from '@xterm/addon-serialize';
import headless from '@xterm/headless';
import type { TerminalSession } from '../core/session';

const { Terminal } = headless;
type HeadlessTerminal = InstanceType<typeof Terminal>;

/** Scrollback lines a snapshot carries above the screen. */
export const SNAPSHOT_SCROLLBACK = 200;
export const MAX_CATCH_UP_BYTES = 512 * 1024;
const PARSE_SLICE_BYTES = 64 * 1024;

export interface ScreenSnapshot {
  /** Escape sequences that redraw the screen (and SNAPSHOT_SCROLLBACK lines) on a blank terminal. */
  data: string;
  /** Stream offset the snapshot stands for: attach with `resumeFrom: offset` to continue exactly. */
  offset: number;
  cols: number;
  rows: number;
}

export class ScreenMirror {
  private term!: HeadlessTerminal;
  private serializer!: SerializeAddon;
  private parsedTo = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly session: TerminalSession) {
    this.reset(0);
  }

  /** Bring the screen up to the session's latest output; resolves to the offset it stands for. */
  catchUp(): Promise<number> {
    const run = this.queue.then(() => this.parse());
    this.queue = run.catch(() => {});
    return run;
  }

  async snapshot(): Promise<ScreenSnapshot> {
    const offset = await this.catchUp();
    return { data: this.serializer.serialize({ scrollback: SNAPSHOT_SCROLLBACK }), offset, cols: this.term.cols, rows: this.term.rows };
  }

  /** The last `n` non-empty lines up to the cursor, as plain text (right-trimmed). */
  async lastLines(n: number): Promise<string[]> {
    await this.catchUp();
    const buf = this.term.buffer.active;
    const out: string[] = [];
    for (let y = buf.baseY + buf.cursorY; y >= 0 && out.length < n; y--) {
      const text = (buf.getLine(y)?.translateToString(true) ?? '').trimEnd();
      if (text.trim() || out.length > 0) out.unshift(text);
    }
    while (out.length > 0 && !out[0]!.trim()) out.shift();
    return out.slice(-n);
  }

  dispose(): void {
    this.term.dispose();
  }

  private reset(from: number): void {
    this.term?.dispose();
    this.term = new Terminal({ cols: this.session.cols, rows: this.session.rows, scrollback: SNAPSHOT_SCROLLBACK, allowProposedApi: true });
    this.serializer = new SerializeAddon();
    this.term.loadAddon(this.serializer);
    this.parsedTo = from;
  }

  private async parse(): Promise<number> {
    const ring = this.session.ring;
    const end = ring.end;
    if (this.parsedTo < ring.start || end - this.parsedTo > MAX_CATCH_UP_BYTES) this.reset(ring.lineStartAt(Math.max(ring.start, end - MAX_CATCH_UP_BYTES)));
    if (this.term.cols !== this.session.cols || this.term.rows !== this.session.rows) this.term.resize(this.session.cols, this.session.rows);
    while (this.parsedTo < end) {
      if (this.parsedTo < ring.start) this.reset(ring.lineStartAt(ring.start)); // evicted while we parsed
      const chunk = ring.readJoined(this.parsedTo, Math.min(PARSE_SLICE_BYTES, end - this.parsedTo));
      if (chunk.byteLength === 0) break;
      await new Promise<void>((resolve) => this.term.write(chunk, resolve));
      this.parsedTo += chunk.byteLength;
    }
    return this.parsedTo;
  }
}

/** One mirror per session, made on first use and gone with the session. */
export class ScreenMirrors {
  private readonly mirrors = new WeakMap<TerminalSession, ScreenMirror>();

  of(session: TerminalSession): ScreenMirror {
    let m = this.mirrors.get(session);
    if (!m) this.mirrors.set(session, (m = new ScreenMirror(session)));
    return m;
  }
}
