/**
 * A terminal session: one PTY process, its replay ring and the viewers attached to it.
 * Sessions belong to the registry, not to sockets; viewers come and go.
 *
 * Flow control: a viewer's backlog is `ring.end − viewer.acked`. The PTY is paused while any
 * viewer's backlog exceeds `highWater` and resumed once every backlog is at or below `lowWater`.
 * With no viewer attached the PTY runs freely and the ring keeps the newest bytes.
 */
import type { ExitInfo, SessionEvent } from '../../lib/protocol';
import type { PtyProcess } from '../runtimes/runtime';
import { ReplayRing } from './replay-ring';
import { TitleScanner } from './title-scanner';

export interface SessionViewer {
  /** Bytes confirmed processed by this viewer (absolute stream offset). */
  readonly acked: number;
  /** New bytes were appended to the ring at `offset`. */
  onOutput(offset: number, data: Uint8Array): void;
  /** The process ended; every byte of output is already in the ring. */
  onExit(exit: ExitInfo): void;
  /** The session was resized (by another viewer). */
  onResize(cols: number, rows: number): void;
  /** Something happened in the session (title changed…). */
  onEvent(event: SessionEvent): void;
  /** The session was forgotten by the registry; drop the view. */
  onClosed(): void;
}

export interface FlowLimits {
  highWater: number;
  lowWater: number;
}

export interface SessionInfo {
  id: string;
  userId: string;
  workspaceId: string;
  command: string;
  createdAt: number;
}

export interface SessionSummary {
  id: string;
  title: string;
  command: string;
  cols: number;
  rows: number;
  createdAt: number;
  exited: ExitInfo | null;
}

export class TerminalSession {
  readonly ring: ReplayRing;
  cols: number;
  rows: number;
  title = '';
  exit: ExitInfo | null = null;
  exitedAt: number | null = null;
  /** Why the process's end is unknown (its connection was lost), if so. */
  lost: string | null = null;
  lastOutputAt: number;
  private readonly viewers = new Set<SessionViewer>();
  private paused = false;
  private readonly exitWaiters: (() => void)[] = [];
  private readonly titles = new TitleScanner();

  constructor(
    readonly info: SessionInfo,
    private readonly pty: PtyProcess,
    private readonly limits: FlowLimits & { ringBytes: number; cols: number; rows: number },
  ) {
    this.ring = new ReplayRing(limits.ringBytes);
    this.cols = limits.cols;
    this.rows = limits.rows;
    this.lastOutputAt = info.createdAt;
    pty.onData((data) => {
      const offset = this.ring.append(data);
      this.lastOutputAt = Date.now();
      for (const v of this.viewers) v.onOutput(offset, data);
      const title = this.titles.scan(data);
      if (title !== null && title !== this.title) {
        this.title = title;
        for (const v of this.viewers) v.onEvent({ type: 'title', title });
      }
      this.updateFlow();
    });
    pty.onExit((exit, lost) => {
      this.exit = exit;
      this.exitedAt = Date.now();
      this.lost = lost ?? null;
      for (const v of this.viewers) v.onExit(exit);
      for (const w of this.exitWaiters.splice(0)) w();
    });
  }

  get id(): string {
    return this.info.id;
  }
  get running(): boolean {
    return this.exit === null;
  }
  get viewerCount(): number {
    return this.viewers.size;
  }

  attach(viewer: SessionViewer): void {
    this.viewers.add(viewer);
    this.updateFlow();
  }

  detach(viewer: SessionViewer): void {
    if (this.viewers.delete(viewer)) this.updateFlow();
  }

  write(data: Uint8Array): void {
    if (this.running) this.pty.write(data);
  }

  resize(cols: number, rows: number, from?: SessionViewer): void {
    if (!this.running || (cols === this.cols && rows === this.rows)) return;
    this.cols = cols;
    this.rows = rows;
    this.pty.resize(cols, rows);
    for (const v of this.viewers) if (v !== from) v.onResize(cols, rows);
  }

  kill(): void {
    if (this.running) this.pty.kill();
  }

  /** Resolves once the process has exited. */
  exited(): Promise<void> {
    return this.running ? new Promise((resolve) => this.exitWaiters.push(resolve)) : Promise.resolve();
  }

  /** Called by a viewer whose ack moved, and on every append. */
  updateFlow(): void {
    let maxBacklog = 0;
    for (const v of this.viewers) maxBacklog = Math.max(maxBacklog, this.ring.end - v.acked);
    if (!this.paused && maxBacklog > this.limits.highWater) {
      this.paused = true;
      this.pty.pause();
    } else if (this.paused && maxBacklog <= this.limits.lowWater) {
      this.paused = false;
      this.pty.resume();
    }
  }

  /** Let go of a process that keeps running without us (a worker's terminal) — true if it does. */
  release(): boolean {
    if (!this.running || !this.pty.detach) return false;
    for (const v of [...this.viewers]) v.onClosed();
    this.viewers.clear();
    this.pty.detach();
    return true;
  }

  /** The registry forgets this session: tell viewers, release the process. */
  close(): void {
    for (const v of [...this.viewers]) v.onClosed();
    this.viewers.clear();
    this.pty.dispose();
  }

  summary(): SessionSummary {
    return {
      id: this.id,
      title: this.title,
      command: this.info.command,
      cols: this.cols,
      rows: this.rows,
      createdAt: this.info.createdAt,
      exited: this.exit,
    };
  }
}
