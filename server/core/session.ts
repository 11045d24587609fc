/**
 * A terminal session: one PTY process, its replay ring and the viewers attached to it.
 * Sessions belong to the registry, not to sockets; viewers come and go.
 *
 * The driver: of the viewers attached, one drives — the active viewer that last typed, resized
 * or attached. Passive viewers (a share guest's, server/sharing) never drive: they do not gate
 * the program, their answers to terminal queries never count, and their size yields to an
 * active viewer's. Only the driver's answers reach the program (a query is answered once, however
 * many tabs watch), and only the driver gates the program.
 *
 * The core knows nothing of who is behind a viewer: sharing (read-only links, presence) is a
 * decorator around the sessions a connection gets (server/sharing/shared-session.ts).
 *
 * Flow control: the driver's backlog is `ring.end − driver.acked`. The PTY is paused while it
 * exceeds `highWater` and resumed once it is at or below `lowWater`. Other viewers never hold
 * the program back: one that falls further behind than the ring reaches is caught up with a reset
 * and the retained tail (Channel.pump). With no driver the PTY runs freely and the ring keeps the
 * newest bytes.
 */
import type { ExitInfo, SessionEvent } from '../../lib/protocol';
import type { PtyProcess } from '../runtimes/runtime';
import { ReplayRing } from './replay-ring';
import { TitleScanner, type ScanResult } from '../../lib/shared/title-scanner';

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
  /**
   * A worker agent's sessions (cloud worker, SSH runner, pty host): when a viewer — a gateway's
   * link — goes away, the bytes it had not acknowledged are held for it: the program runs on
   * until they would no longer fit in the ring, then waits (paused) for a viewer to return,
   * instead of output being evicted unseen. A gateway that comes back resumes with none lost.
   */
  holdDetached?: boolean;
}

/** A terminal lent to a viewer (TerminalSession.lend), as the session sees it. */
export interface LentReading {
  /** The terminal is wanted back — its program ended, or another viewer came: the reader should
   * read what is there and give it back. */
  recall(): void;
  /** The stream offset the reader got to. */
  end(): number;
  /** What the reader read from stream offset `from` on: where it got to, and the bytes it still
   * has (the newest, when it has fewer than end − from). */
  recover(from: number): { end: number; data: Uint8Array[] };
  close(): void;
}

/** Metrics: keystroke-to-next-output time of a session (its echo). */
export interface SessionObserver {
  echo(seconds: number): void;
}

export interface SessionInfo {
  id: string;
  userId: string;
  workspaceId: string;
  command: string;
  createdAt: number;
  /** A name given when it was started (e.g. "claude: refactor auth"); '' when none. */
  name?: string;
}

/** The last time the program asked for attention (bell, OSC 9 / OSC 777 notification). */
export interface Attention {
  at: number;
  kind: 'bell' | 'notify';
  title?: string;
  body?: string;
}

/** Bells closer together than this are one bell (a program ringing in a loop). */
const BELL_EVENT_MIN_MS = 250;
const NOTHING = new Uint8Array(0);

export interface SessionSummary {
  id: string;
  name: string;
  title: string;
  command: string;
  cols: number;
  rows: number;
  createdAt: number;
  exited: ExitInfo | null;
  /** The process id where it runs, when known. */
  pid?: number;
  /** The stream offset its output has reached. */
  end: number;
}

/**
 * What a connection and its channels use of a session: TerminalSession itself, or a decorator of
 * it (sharing's, which refuses what a view-only link may not do and keeps presence).
 */
export interface SessionHandle {
  readonly id: string;
  readonly ring: ReplayRing;
  readonly cols: number;
  readonly rows: number;
  readonly title: string;
  readonly pid: number | undefined;
  readonly knownEnd: number;
  readonly running: boolean;
  /** An agent's terminal whose output the gateway reads itself (TerminalSession.lend). */
  lend?(viewer: SessionViewer, lent: LentReading): number | null;
  giveBack?(viewer: SessionViewer): number | undefined;
  /** Stop reading the program's output until the answered function is called (TerminalSession.holdOutput). */
  holdOutput?(): () => void;
  readonly exit: ExitInfo | null;
  readonly lost: string | null;
  attach(viewer: SessionViewer): void;
  detach(viewer: SessionViewer): void;
  updateFlow(): void;
  write(data: Uint8Array, viewer?: SessionViewer): void;
  answer(data: Uint8Array, viewer: SessionViewer): boolean;
  /** `from`: the viewer asking (absent when sizing on open). */
  resize(cols: number, rows: number, from?: SessionViewer): void;
  kill(): void;
}

export class TerminalSession implements SessionHandle {
  readonly ring: ReplayRing;
  cols: number;
  rows: number;
  exit: ExitInfo | null = null;
  exitedAt: number | null = null;
  /** Why the process's end is unknown (its connection was lost), if so. */
  lost: string | null = null;
  lastOutputAt: number;
  /** Set when the program last rang the bell or sent a notification. */
  attention: Attention | null = null;
  private readonly viewers = new Set<SessionViewer>();
  private readonly passive = new WeakSet<SessionViewer>();
  private readonly closeListeners: (() => void)[] = [];
  /** The viewer whose answers count and whose backlog gates the program (see the file comment). */
  private driverViewer: SessionViewer | null = null;
  private paused = false;
  /** Holds on reading the output (holdOutput) not yet released. */
  private holds = 0;
  private readonly exitWaiters: (() => void)[] = [];
  private readonly titles = new TitleScanner();
  /** When input arrived that has not been followed by output yet (echo latency). */
  private inputAt: number | null = null;
  /** holdDetached: the oldest offset a departed viewer had not acknowledged. */
  private heldFrom: number | null = null;
  /** The viewer that reads the output from the PTY itself (lend), if any. */
  private lending: { viewer: SessionViewer; lent: LentReading } | null = null;
  /** Given back, with bytes the ring has not taken in yet (giveBack): closed once they are. */
  private unread: LentReading | null = null;
  private titleNow = '';

  constructor(
    readonly info: SessionInfo,
    private readonly pty: PtyProcess,
    private readonly limits: FlowLimits & { ringBytes: number; cols: number; rows: number; observe?: SessionObserver },
  ) {
    this.ring = new ReplayRing(limits.ringBytes, pty.streamOffset ?? 0);
    this.cols = limits.cols;
    this.rows = limits.rows;
    this.lastOutputAt = info.createdAt;
    pty.onData((data) => this.output(data));
    // A lent terminal's record holds what the gateway reads: the ring reads it there.
    pty.onStore?.((store) => (store ? this.ring.useStore(store) : this.ring.releaseStore()));
    if (pty.events) {
      // Scanned where the program runs (a worker agent): its findings arrive as events.
      this.titleNow = pty.events.title;
      pty.events.listen((e) => {
        if (e.type === 'title') this.announce({ title: e.title, bell: false, notify: null });
        else if (e.type === 'bell') this.announce({ title: null, bell: true, notify: null });
        else this.announce({ title: null, bell: false, notify: { title: e.title, body: e.body } });
      });
    }
    pty.onExit((exit, lost) => {
      this.exit = exit;
      this.exitedAt = Date.now();
      this.lost = lost ?? null;
      for (const v of this.viewers) v.onExit(exit);
      for (const w of this.exitWaiters.splice(0)) w();
    });
  }

  /** Output of the program, read here. */
  private output(data: Uint8Array): void {
    const offset = this.ring.append(data);
    this.lastOutputAt = Date.now();
    if (this.inputAt !== null) {
      this.limits.observe?.echo((performance.now() - this.inputAt) / 1000);
      this.inputAt = null;
    }
    for (const v of this.viewers) v.onOutput(offset, data);
    if (!this.pty.events) {
      this.announce(this.titles.scanAll(data));
    }
    this.updateFlow();
  }

  /**
   * Lend the reading of the output to `viewer` (an agent link's channel: the gateway reads the
   * PTY itself, writing what it reads to a record this agent can read too). Answers the PTY
   * master's descriptor, or null when the terminal cannot be lent (ended, lent already, viewed by
   * another viewer too, or not a PTY read here). The bytes come back into the ring through `lent.recover` when the terminal
   * is given back — or the viewer goes away (its gateway stopped or died).
   */
  lend(viewer: SessionViewer, lent: LentReading): number | null {
    // Only to its one viewer: another one (a second gateway's link) would see nothing meanwhile.
    if (!this.running || this.lending || !this.pty.lend || !this.viewers.has(viewer) || this.viewers.size > 1) return null;
    const fd = this.pty.lend(() => lent.recall());
    if (fd !== null) this.lending = { viewer, lent };
    return fd;
  }

  /**
   * The viewer it was lent to stopped reading (or went away): read here again. Answers the stream
   * offset up to which that viewer has the output (what is read here from then on — at once, when
   * the program ended meanwhile — it has not); undefined when it was not lent to `viewer`.
   *
   * What the viewer read is taken into the ring only when something reads the ring or the program
   * prints again (ReplayRing.defer): a terminal given back because its program ended is usually
   * forgotten once its viewer has the EXIT, and then its output (megabytes, for a build's log) is
   * never copied here. Until then the record, in memory either way, holds it.
   */
  giveBack(viewer: SessionViewer): number | undefined {
    if (viewer !== this.lending?.viewer) return undefined;
    const { lent } = this.lending;
    this.lending = null;
    const from = this.ring.end;
    let end = from;
    try {
      end = lent.end();
    } catch {
      // The record could not be read: what the reader read is not here, the terminal goes on.
    }
    if (end > from) {
      this.ring.defer(end, () => {
        this.unread = null;
        try {
          const { data } = lent.recover(from);
          // Its viewer announced what it read already; the title is kept for later viewers.
          if (!this.pty.events) {
            for (const d of data) {
              const title = this.titles.scanAll(d).title;
              if (title !== null) this.titleNow = title;
            }
          }
          return data;
        } finally {
          lent.close();
        }
      });
      this.unread = lent; // after defer: it took in any earlier give-back's bytes first
      this.lastOutputAt = Date.now();
      for (const v of this.viewers) v.onOutput(from, NOTHING);
    } else lent.close();
    // Before the PTY is read here again: a program that ended meanwhile is drained at once, and
    // that output the viewer has not seen.
    const readThere = this.ring.end;
    this.pty.giveBack?.();
    return readThere;
  }

  /** What the program said about itself: a new title, a bell, a notification. */
  private announce(found: ScanResult): void {
    if (found.title !== null && found.title !== this.titleNow) {
      this.titleNow = found.title;
      for (const v of this.viewers) v.onEvent({ type: 'title', title: found.title });
    }
    if (found.notify) {
      this.attention = { at: Date.now(), kind: 'notify', ...found.notify };
      for (const v of this.viewers) v.onEvent({ type: 'notify', ...found.notify });
    } else if (found.bell) {
      const now = Date.now();
      const rungRecently = this.attention?.kind === 'bell' && now - this.attention.at < BELL_EVENT_MIN_MS;
      this.attention = { at: now, kind: 'bell' };
      if (!rungRecently) for (const v of this.viewers) v.onEvent({ type: 'bell' });
    }
  }

  get id(): string {
    return this.info.id;
  }
  /** The newest title the program set. */
  get title(): string {
    this.ring.settle(); // a title in output given back and not taken in yet
    return this.titleNow;
  }
  get running(): boolean {
    return this.exit === null;
  }
  get pid(): number | undefined {
    return this.pty.pid;
  }
  /**
   * The stream offset the program has reached as far as anyone knows: the ring's end, or — for a
   * terminal re-attached on an agent whose history is still arriving — the offset it had reached
   * there. A resume up to here is exact (its channel just waits for the bytes).
   */
  get knownEnd(): number {
    return Math.max(this.ring.end, this.pty.knownEnd ?? 0);
  }
  get viewerCount(): number {
    return this.viewers.size;
  }

  /** `passive`: a viewer that watches without driving (see the file comment). */
  attach(viewer: SessionViewer, opts: { passive?: boolean } = {}): void {
    // Lent to another viewer: wanted back, so this one sees its output (relayed from here).
    if (this.lending && this.lending.viewer !== viewer) this.lending.lent.recall();
    this.viewers.add(viewer);
    if (opts.passive) this.passive.add(viewer);
    this.heldFrom = null; // the viewer that came back (or a newer one) takes over from here
    this.takeDriver(viewer);
    this.updateFlow();
  }

  private canDrive(viewer: SessionViewer): boolean {
    return !this.passive.has(viewer);
  }

  detach(viewer: SessionViewer): void {
    // A viewer that read the output itself and goes away: what it read comes into the ring (it
    // has all of that, so none of it is held for it below).
    const reader = this.lending?.viewer === viewer;
    this.giveBack(viewer);
    if (!this.viewers.delete(viewer)) return;
    // Held only when the last viewer leaves: while another gateway's link still views the
    // terminal, a departed one (a gateway gone for good, scaled down) must not stop the program
    // once its unseen bytes fill the ring; one that returns resumes from the ring as it is.
    if (this.limits.holdDetached && this.running && this.viewers.size === 0) this.heldFrom = Math.min(this.heldFrom ?? Infinity, reader ? this.ring.end : viewer.acked);
    if (this.driverViewer === viewer) {
      // The most recently attached of the remaining active viewers drives now (Sets keep order).
      this.driverViewer = null;
      for (const v of this.viewers) if (this.canDrive(v)) this.driverViewer = v;
    }
    this.updateFlow();
  }

  /** The viewer that drives the session now, if any. */
  get driver(): SessionViewer | null {
    return this.driverViewer;
  }

  /** An active viewer that types, resizes or attaches drives from now on; passive ones never do. */
  private takeDriver(viewer: SessionViewer): void {
    if (!this.canDrive(viewer) || this.driverViewer === viewer || !this.viewers.has(viewer)) return;
    this.driverViewer = viewer;
    this.updateFlow();
  }

  /** Typed input: `viewer` (when given) drives from now on. */
  write(data: Uint8Array, viewer?: SessionViewer): void {
    if (!this.running) return;
    if (viewer) this.takeDriver(viewer);
    this.pty.write(data);
    this.inputAt ??= performance.now();
  }

  /**
   * Bytes a viewer's terminal emulator generated in reply to the program (a cursor position
   * report, device attributes…). Delivered only from the driver, so every query is answered once
   * and never by a passive viewer; returns whether they were delivered.
   */
  answer(data: Uint8Array, viewer: SessionViewer): boolean {
    if (!this.running || viewer !== this.driverViewer) return false;
    this.pty.write(data);
    return true;
  }

  /**
   * Resize the PTY. An active viewer's size wins: while one is attached, a passive viewer's size
   * is not applied, and that viewer is told the size in force (its terminal letterboxes). `passive`
   * marks a request from a passive viewer that has no channel yet (sizing on open).
   */
  resize(cols: number, rows: number, from?: SessionViewer, passive = from ? !this.canDrive(from) : false): void {
    if (!this.running) return;
    if (from && !passive) this.takeDriver(from);
    if (passive && this.hasActiveViewer()) {
      if (from && (cols !== this.cols || rows !== this.rows)) from.onResize(this.cols, this.rows);
      return;
    }
    if (cols === this.cols && rows === this.rows) return;
    this.cols = cols;
    this.rows = rows;
    this.pty.resize(cols, rows);
    for (const v of this.viewers) if (v !== from) v.onResize(cols, rows);
  }

  private hasActiveViewer(): boolean {
    for (const v of this.viewers) if (this.canDrive(v)) return true;
    return false;
  }

  /** Call `fn` once when the registry forgets the session. */
  onClose(fn: () => void): void {
    this.closeListeners.push(fn);
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
    let maxBacklog = this.driverViewer ? this.ring.end - this.driverViewer.acked : 0;
    // Held bytes may fill the ring but for a high-water mark of margin (reads already in flight).
    if (this.heldFrom !== null) maxBacklog = Math.max(maxBacklog, this.ring.end - this.heldFrom - (this.ring.capacity - 2 * this.limits.highWater));
    if (!this.paused && maxBacklog > this.limits.highWater) {
      this.paused = true;
      this.pty.pause();
    } else if (this.paused && maxBacklog <= this.limits.lowWater) {
      this.paused = false;
      if (this.holds === 0) this.pty.resume();
    }
  }

  /**
   * Stop reading the program's output until the answered function is called: what it prints
   * meanwhile waits in the PTY (and the program, once that is full). A lend waits so for what was
   * read before it to be sent (Channel.lendWhenSent). Flow control's pause and resume go on
   * underneath: reading starts again once neither wants it stopped.
   */
  holdOutput(): () => void {
    if (this.holds++ === 0 && !this.paused) this.pty.pause();
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      if (--this.holds === 0 && !this.paused) this.pty.resume();
    };
  }

  /** Let go of a process that keeps running without us (a worker's terminal) — true if it does. */
  release(): boolean {
    if (!this.running || !this.pty.detach) return false;
    for (const v of [...this.viewers]) v.onClosed();
    this.viewers.clear();
    this.driverViewer = null;
    this.pty.detach();
    return true;
  }

  /** The registry forgets this session: tell viewers, release the process. */
  close(): void {
    this.lending?.lent.close();
    this.lending = null;
    this.unread?.close();
    this.unread = null;
    this.ring.dispose(); // a lent terminal's record it still reads
    for (const v of [...this.viewers]) v.onClosed();
    this.viewers.clear();
    this.driverViewer = null;
    for (const fn of this.closeListeners.splice(0)) fn();
    this.pty.dispose();
  }

  summary(): SessionSummary {
    return {
      id: this.id,
      name: this.info.name ?? '',
      title: this.title,
      command: this.info.command,
      cols: this.cols,
      rows: this.rows,
      createdAt: this.info.createdAt,
      exited: this.exit,
      pid: this.pid,
      end: this.knownEnd,
    };
  }
}
