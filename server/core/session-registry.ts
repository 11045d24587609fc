/**
 * Owns every terminal session of the gateway. A session ends when its process exits or a user
 * kills it; exited sessions stay listable (so a reconnecting client still gets the tail of the
 * output and the EXIT) until forgotten by a KILL or after EXITED_RETENTION_MS without viewers.
 */
import { randomId } from '../../lib/shared/ids';
import type { Logger } from '../log';
import type { PtyOptions, PtyProcess, Runtime } from '../runtimes/runtime';
import { TerminalSession, type FlowLimits, type SessionObserver, type SessionSummary } from './session';
import { TetherError } from '../errors';

export const EXITED_RETENTION_MS = 60 * 60 * 1000;
const SWEEP_INTERVAL_MS = 60 * 1000;
const SHUTDOWN_GRACE_MS = 4000;

export class SessionLimitError extends TetherError {
  readonly code = 'limit' as const;

  constructor(message: string) {
    super('limit', message);
  }
}

export interface RegistryOptions extends FlowLimits {
  ringBytes: number;
  maxSessionsPerUser: number;
  log: Logger;
  observe?: SessionObserver;
  now?: () => number;
}

export class SessionRegistry {
  private readonly sessions = new Map<string, TerminalSession>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(private readonly opts: RegistryOptions) {
    this.now = opts.now ?? Date.now;
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  async create(params: {
    userId: string;
    workspaceId: string;
    runtime: Runtime;
    pty: PtyOptions;
    name?: string;
  }): Promise<TerminalSession> {
    const running = [...this.sessions.values()].filter((s) => s.info.userId === params.userId && s.running).length;
    if (running >= this.opts.maxSessionsPerUser) {
      throw new SessionLimitError(
        `you have ${running} running terminals, the limit is ${this.opts.maxSessionsPerUser}; close one first`,
      );
    }
    const proc = await params.runtime.openPty(params.pty);
    return this.adopt({ userId: params.userId, workspaceId: params.workspaceId, proc, cols: params.pty.cols, rows: params.pty.rows, name: params.name, id: proc.sessionId });
  }

  /** Make a session of a process that is already running (a terminal re-attached on a worker);
   * `id` keeps the id it has there, so browsers that knew it find it again. */
  adopt(params: { userId: string; workspaceId: string; proc: PtyProcess; cols: number; rows: number; createdAt?: number; name?: string; id?: string }): TerminalSession {
    const { proc } = params;
    if (params.id && this.sessions.has(params.id)) throw new Error(`session ${params.id} exists already`);
    const session = new TerminalSession(
      {
        id: params.id ?? randomId(),
        userId: params.userId,
        workspaceId: params.workspaceId,
        command: proc.command,
        createdAt: params.createdAt ?? this.now(),
        ...(params.name ? { name: params.name } : {}),
      },
      proc,
      { ...this.opts, cols: params.cols, rows: params.rows },
    );
    this.sessions.set(session.id, session);
    this.opts.log.info('session started', { session: session.id, workspace: params.workspaceId, pid: proc.pid });
    void session.exited().then(() =>
      this.opts.log.info('session exited', { session: session.id, code: session.exit?.code, signal: session.exit?.signal }),
    );
    return session;
  }

  has(id: string): boolean {
    return this.sessions.has(id);
  }

  /** The session if it exists and belongs to `userId`; otherwise null (existence is not leaked). */
  getForUser(id: string, userId: string): TerminalSession | null {
    const s = this.sessions.get(id);
    return s && s.info.userId === userId ? s : null;
  }

  /** Every session of a user, across workspaces, in creation order. */
  forUser(userId: string): TerminalSession[] {
    return [...this.sessions.values()].filter((s) => s.info.userId === userId).sort((a, b) => a.info.createdAt - b.info.createdAt);
  }

  listForWorkspace(userId: string, workspaceId: string): SessionSummary[] {
    return [...this.sessions.values()]
      .filter((s) => s.info.userId === userId && s.info.workspaceId === workspaceId)
      .sort((a, b) => a.info.createdAt - b.info.createdAt)
      .map((s) => s.summary());
  }

  /** End and forget every session of a workspace (it is being removed): viewers see the EXIT. */
  async forgetWorkspace(userId: string, workspaceId: string): Promise<number> {
    return this.endAndForget([...this.sessions.values()].filter((s) => s.info.userId === userId && s.info.workspaceId === workspaceId));
  }

  /** End and forget every session of a user (the account is being deleted). */
  async forgetUser(userId: string): Promise<number> {
    return this.endAndForget(this.forUser(userId));
  }

  /** End the running ones (within the grace), forget them all; how many were running. */
  private async endAndForget(doomed: readonly TerminalSession[]): Promise<number> {
    const running = doomed.filter((s) => s.running);
    await endWithinGrace(running);
    for (const s of doomed) this.forget(s.id);
    return running.length;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Sessions whose process is running. */
  get running(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.running) n++;
    return n;
  }

  forget(id: string): void {
    const s = this.sessions.get(id);
    if (!s) return;
    this.sessions.delete(id);
    s.close();
  }

  private sweep(): void {
    const now = this.now();
    for (const s of this.sessions.values()) {
      if (!s.running && s.viewerCount === 0 && s.exitedAt !== null && now - s.exitedAt > EXITED_RETENTION_MS) this.forget(s.id);
    }
  }

  /** Gateway shutdown: end every process, waiting briefly for them to exit. */
  /** Shutdown: terminals that outlive the gateway (on a worker) are let go; the rest are ended. */
  async dispose(): Promise<void> {
    clearInterval(this.sweeper);
    const all = [...this.sessions.values()];
    const ending = all.filter((s) => !s.release());
    await endWithinGrace(ending);
    for (const s of ending) s.close();
    this.sessions.clear();
  }
}

/** Ask each session's process to end, and wait until they have (or SHUTDOWN_GRACE_MS passed). */
async function endWithinGrace(sessions: readonly TerminalSession[]): Promise<void> {
  for (const s of sessions) s.kill();
  await Promise.race([Promise.all(sessions.map((s) => s.exited())), new Promise((r) => setTimeout(r, SHUTDOWN_GRACE_MS).unref())]);
}
