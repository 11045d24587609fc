/**
 * A terminal that lives in a worker agent (cloud worker, SSH runner, pty host), seen through an
 * AgentClient: output, exit and control relayed over the agent link.
 */
import type { ExitInfo } from '../../../lib/protocol';
import type { OutputStore, PtyOptions, PtyProcess, RunningTerminal, TerminalAnnouncement } from '../runtime';
import { PtyExit } from '../pty-exit';
import type { AgentClient, TerminalControl } from './agent-client';

/**
 * Listeners for what the agent relays. What arrives before the first listener is kept for it:
 * several frames can be delivered in the same tick as OPENED, before the caller awaiting openPty
 * has attached its listener.
 */
class HeldUntilHeard<T> {
  private readonly listeners: ((v: T) => void)[] = [];
  private early: T[] | null = [];

  emit(v: T): void {
    if (this.early) this.early.push(v);
    else for (const l of this.listeners) l(v);
  }

  /** Someone listens: what is emitted now is heard now (not kept for later). */
  get heard(): boolean {
    return this.early === null;
  }

  listen(listener: (v: T) => void): void {
    this.listeners.push(listener);
    const early = this.early;
    this.early = null;
    for (const v of early ?? []) listener(v);
  }
}

export class AgentPty implements PtyProcess {
  private readonly output = new HeldUntilHeard<Uint8Array>();
  /** What the agent found in the output (it scans it; the session does not scan it again). */
  private readonly announcements = new HeldUntilHeard<TerminalAnnouncement>();
  private readonly exit = new PtyExit();
  private storeListener: ((store: OutputStore | null) => void) | null = null;
  control!: TerminalControl;

  constructor(
    readonly command: string,
    private readonly onActivity: () => void = () => {},
    /** The process id on the agent's machine, when known before the terminal is opened. */
    private readonly knownPid: number | undefined = undefined,
    /** Re-attached: the offset the agent's stream had reached when it was listed. */
    readonly knownEnd: number | undefined = undefined,
  ) {}

  get pid(): number | undefined {
    return this.control?.pid ?? this.knownPid;
  }

  handlers() {
    return {
      // A view of a reused read buffer (a lent terminal's output) is copied when it must wait.
      onData: (d: Uint8Array) => this.output.emit(this.output.heard ? d : d.slice()),
      onAnnouncement: (e: TerminalAnnouncement) => this.announcements.emit(e),
      onExit: (e: ExitInfo, lost?: string) => this.exit.end(e, lost),
      // Only while output is heard as it comes: held output would put the store ahead of it.
      onStore: (store: OutputStore | null) => {
        if (this.storeListener && this.output.heard) this.storeListener(store);
        else store?.close();
      },
    };
  }

  /** The agent scans the output; the session takes its findings instead of scanning again. */
  get events(): NonNullable<PtyProcess['events']> {
    return { title: this.control.title, listen: (l) => this.announcements.listen(l) };
  }

  get sessionId(): string {
    return this.control.session;
  }

  get streamOffset(): number {
    return this.control.startOffset;
  }

  onData(listener: (data: Uint8Array) => void): void {
    this.output.listen(listener);
  }
  onExit(listener: (exit: ExitInfo, lost?: string) => void): void {
    this.exit.listen(listener);
  }
  onStore(listener: (store: OutputStore | null) => void): void {
    this.storeListener = listener;
  }
  write(data: Uint8Array): void {
    this.onActivity(); // typing counts as activity (a cloud worker's idle clock)
    this.control.write(data);
  }
  resize(cols: number, rows: number): void {
    this.control.resize(cols, rows);
  }
  pause(): void {
    this.control.pause();
  }
  resume(): void {
    this.control.resume();
  }
  kill(): void {
    this.control.kill();
  }
  detach(): void {
    this.control.detach();
  }
  dispose(): void {
    this.control.kill();
  }
}


/** The terminals of one workspace on an agent: open new ones, list and re-attach running ones. */
export class AgentTerminals {
  constructor(
    private readonly agent: AgentClient,
    /** The agent's name for the workspace (AGENT_WORKSPACE on a cloud worker). */
    private readonly workspace: string,
    private readonly onActivity: () => void = () => {},
  ) {}

  async open(opts: PtyOptions): Promise<AgentPty> {
    this.onActivity();
    const pty = new AgentPty(opts.command ?? 'login shell', this.onActivity);
    pty.control = await this.agent.openTerminal({ workspace: this.workspace, cols: opts.cols, rows: opts.rows, cwd: opts.cwd, command: opts.command }, pty.handlers());
    return pty;
  }

  /** Terminals still running on the agent (after a gateway restart, or a link that was down). */
  async running(): Promise<RunningTerminal[]> {
    const list = (await this.agent.call('sessions.list', { workspace: this.workspace })).result;
    return list.map(({ id, command, cols, rows, createdAt, pid, end }) => ({ id, command, cols, rows, createdAt, pid, end }));
  }

  async attach(t: RunningTerminal): Promise<AgentPty> {
    const pty = new AgentPty(t.command, this.onActivity, t.pid, t.end);
    pty.control = await this.agent.openTerminal({ session: t.id, cols: t.cols, rows: t.rows }, pty.handlers());
    return pty;
  }
}
