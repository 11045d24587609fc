/**
 * The agents view's data: every terminal session of a user across workspaces, with a status
 * derived here (status.ts) and the last lines of its screen (screen-mirror.ts), and a stream of
 * changes for the browser.
 */
import type { ExitInfo } from '../../lib/protocol';
import type { TerminalSession } from '../core/session';
import type { SessionRegistry } from '../core/session-registry';
import type { WorkspaceService } from '../workspaces/workspace-service';
import type { ScreenMirrors } from './screen-mirror';
import { deriveStatus, isCurrentAttention, type AgentStatus } from './status';

export const LAST_LINES = 6;
const MAX_LINE_CHARS = 240;
/** How often a watcher re-derives statuses (working → idle needs the clock, not just output). */
export const WATCH_TICK_MS = 1000;

export interface AgentRow {
  sessionId: string;
  workspaceId: string;
  workspaceName: string;
  name: string;
  command: string;
  title: string;
  status: AgentStatus;
  /** When the status last changed (as seen by this gateway). */
  since: number;
  createdAt: number;
  lastOutputAt: number;
  exit: ExitInfo | null;
  exitedAt: number | null;
  /** What the program last asked for attention with, if it did after its last output. */
  attention: { kind: 'bell' | 'notify'; title?: string; body?: string } | null;
  lines: string[];
  cols: number;
  rows: number;
}

interface Cached {
  offset: number;
  lines: string[];
  status: AgentStatus;
  since: number;
}

export class AgentsService {
  private readonly cache = new WeakMap<TerminalSession, Cached>();

  constructor(
    private readonly deps: { sessions: SessionRegistry; workspaces: WorkspaceService; mirrors: ScreenMirrors; now?: () => number },
  ) {}

  private get now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  async list(userId: string): Promise<AgentRow[]> {
    const names = new Map((await this.deps.workspaces.list(userId)).map((w) => [w.id, w.name]));
    return Promise.all(this.deps.sessions.forUser(userId).map((s) => this.row(s, names.get(s.info.workspaceId) ?? '')));
  }

  async row(session: TerminalSession, workspaceName: string): Promise<AgentRow> {
    let c = this.cache.get(session);
    if (!c || c.offset !== session.ring.end) {
      const offset = session.ring.end;
      const lines = (await this.deps.mirrors.of(session).lastLines(LAST_LINES)).map((l) => l.slice(0, MAX_LINE_CHARS));
      c = { offset, lines, status: c?.status ?? 'working', since: c?.since ?? session.info.createdAt };
      this.cache.set(session, c);
    }
    const attention = session.attention && isCurrentAttention(session.attention.at, session.lastOutputAt) ? session.attention : null;
    const status = deriveStatus({
      now: this.now,
      exited: !session.running,
      lastOutputAt: session.lastOutputAt,
      attentionAt: attention?.at ?? null,
      lastLine: c.lines.at(-1) ?? '',
    });
    if (status !== c.status) {
      c.status = status;
      c.since = status === 'exited' ? (session.exitedAt ?? this.now) : this.now;
    }
    return {
      sessionId: session.id,
      workspaceId: session.info.workspaceId,
      workspaceName,
      name: session.info.name ?? '',
      command: session.info.command,
      title: session.title,
      status,
      since: c.since,
      createdAt: session.info.createdAt,
      lastOutputAt: session.lastOutputAt,
      exit: session.exit,
      exitedAt: session.exitedAt,
      attention: attention ? { kind: attention.kind, ...(attention.title ? { title: attention.title } : {}), ...(attention.body ? { body: attention.body } : {}) } : null,
      lines: c.lines,
      cols: session.cols,
      rows: session.rows,
    };
  }

  /** The list now, then again whenever anything in it changed (checked every WATCH_TICK_MS). */
  async *watch(userId: string, signal?: AbortSignal): AsyncGenerator<AgentRow[]> {
    let last = '';
    while (!signal?.aborted) {
      const rows = await this.list(userId);
      const key = JSON.stringify(rows);
      if (key !== last) {
        last = key;
        yield rows;
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, WATCH_TICK_MS);
        signal?.addEventListener('abort', done);
      });
    }
  }
}
