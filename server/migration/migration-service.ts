/**
 * Workspace moves, end to end: plan, prepare the target (a folder here, a folder on an SSH host,
 * or a cloud worker), migrate and verify the git state, then — only then — switch the workspace
 * to the target and reopen its terminals there. Any failure or cancel cleans the target up and
 * leaves the workspace where it was, untouched and usable. Progress is kept per migration so a
 * subscriber that arrives late still sees every step.
 */
import { EventEmitter, on } from 'node:events';
import { randomId } from '../../lib/shared/ids';
import type { AuditAction, AuditDetail } from '../../lib/shared/audit';
import { TetherError } from '../errors';
import type { SessionRegistry } from '../core/session-registry';
import type { Logger } from '../log';
import type { Runtime } from '../runtimes/runtime';
import type { Placements, PlacementTarget, Provisioned } from '../placements';
import type { RuntimeRegistry } from '../placements/runtime-registry';
import type { Workspace, WorkspaceService } from '../workspaces/workspace-service';
import { captureState, git, isRepository, MigrationError } from './git-state';
import { migrateGitState, type MigrationProgress } from './migrate';

/** Who asks for a move (their name goes into the audit trail). */
export interface Mover {
  id: string;
  name: string;
  role: string;
}

/** Where a move goes (a new workspace's `root` is not a move target). */
export type MigrationTarget = Exclude<PlacementTarget, { kind: 'local' }> | { kind: 'local' };

export interface MigrationEvent extends MigrationProgress {
  result?: { verified: { branch: string | null; head: string; files: 'identical' }; bytes: number; incremental: boolean; seconds: number; terminalsReopened: number };
  error?: string;
}

interface Prepared extends Provisioned {
  runtime: Runtime;
}

interface Running {
  id: string;
  userId: string;
  events: MigrationEvent[];
  emitter: EventEmitter;
  abort: AbortController;
  finished: boolean;
}

export interface MigrationDeps {
  workspaces: WorkspaceService;
  runtimes: RuntimeRegistry;
  sessions: SessionRegistry;
  placements: Placements;
  /** The security trail (server/audit, wired by app.ts): every move's start and outcome. */
  audit?: { record(event: { action: AuditAction; actor: { id: string; name: string }; target: string; detail: AuditDetail }): void };
  log: Logger;
  /** Metrics: how long moves take, by outcome (done, failed, cancelled). */
  observe?: { migrationFinished(seconds: number, outcome: string): void };
}

export class MigrationService {
  private readonly running = new Map<string, Running>();
  private readonly busy = new Set<string>();

  constructor(private readonly deps: MigrationDeps) {}

  private async workspace(userId: string, id: string): Promise<Workspace> {
    const ws = await this.deps.workspaces.get(userId, id);
    // NOT_FOUND, as everywhere else: another user's workspace is answered like one that does not exist.
    if (!ws) throw new TetherError('not_found', 'No such workspace');
    return ws;
  }

  private async checkTarget(userId: string, ws: Workspace, target: MigrationTarget): Promise<void> {
    await this.deps.placements.check(userId, target);
    if (this.deps.placements.isAt(ws, target)) throw new MigrationError(`the workspace already runs on ${await this.deps.placements.label(ws, userId)}`);
  }

  /** What a move would carry, without changing anything. */
  async plan(user: { id: string }, workspaceId: string, target: MigrationTarget) {
    const ws = await this.workspace(user.id, workspaceId);
    await this.checkTarget(user.id, ws, target);
    const rt = await this.deps.runtimes.forWorkspace(ws);
    if (!(await isRepository(rt))) throw new MigrationError('this workspace is not a git repository: run git init and make a first commit, then move it');
    const head = (await git(rt, ['rev-parse', '--verify', 'HEAD'], { what: 'reading HEAD (is there a first commit?)' })).trim();
    const branch = Buffer.from((await rt.exec(['git', 'symbolic-ref', '-q', '--short', 'HEAD'])).stdout).toString().trim() || null;
    const status = (await git(rt, ['--no-optional-locks', 'status', '--porcelain=v1', '-z', '--ignore-submodules=none'])).split('\0').filter(Boolean);
    const untracked = status.filter((l) => l.startsWith('??')).length;
    const counts = await git(rt, ['count-objects', '-v']);
    const kib = (k: string) => Number(new RegExp(`^${k}: (\\d+)`, 'm').exec(counts)?.[1] ?? 0);
    const warnings: string[] = ['files ignored by .gitignore (build output, dependencies) stay behind'];
    const submodules = (await git(rt, ['--no-optional-locks', 'submodule', 'status']).catch(() => '')).split('\n').filter((l) => l.startsWith('+'));
    if (submodules.length) warnings.push(`${submodules.length} submodule(s) have commits or changes of their own that do not move; only their pointers do`);
    const terminals = this.deps.sessions.listForWorkspace(user.id, ws.id).filter((s) => !s.exited).length;
    if (terminals) warnings.push(`${terminals} running terminal(s) will be ended and reopened on the target`);
    if (this.deps.placements.of(ws.kind).removalDeletesFiles) warnings.push(`${await this.deps.placements.label(ws, user.id)} is released after the move, with its files`);
    const toLabel = await this.deps.placements.label({ kind: target.kind, root: target.kind === 'ssh' ? (target.path ?? `~/tether/${ws.name}`) : '', hostId: target.kind === 'ssh' ? target.hostId : null, workerId: null }, user.id);
    return {
      from: { kind: ws.kind, label: await this.deps.placements.label(ws, user.id) },
      to: { kind: target.kind, label: toLabel },
      branch,
      head,
      changedFiles: status.length - untracked,
      untrackedFiles: untracked,
      repoBytes: (kib('size') + kib('size-pack')) * 1024,
      terminals,
      warnings,
    };
  }

  async start(user: Mover, workspaceId: string, target: MigrationTarget): Promise<{ id: string }> {
    const ws = await this.workspace(user.id, workspaceId);
    await this.checkTarget(user.id, ws, target);
    if (this.busy.has(ws.id)) throw new MigrationError('this workspace is already being moved');
    const run: Running = { id: randomId(), userId: user.id, events: [], emitter: new EventEmitter(), abort: new AbortController(), finished: false };
    this.running.set(run.id, run);
    this.busy.add(ws.id);
    const emit = (e: MigrationEvent) => {
      run.events.push(e);
      run.emitter.emit('event', e);
    };
    const started = performance.now();
    this.record(user, 'migration.started', ws, target, { migration: run.id });
    void this.execute(user, ws, target, run, emit).finally(() => {
      const last = run.events.at(-1);
      this.deps.observe?.migrationFinished((performance.now() - started) / 1000, last && isFinal(last) ? last.step : 'failed');
      this.busy.delete(ws.id);
      run.finished = true;
      // Keep the record a while for late subscribers.
      setTimeout(() => this.running.delete(run.id), 10 * 60_000).unref();
    });
    return { id: run.id };
  }

  cancel(userId: string, id: string): void {
    const run = this.running.get(id);
    if (!run || run.userId !== userId) throw new TetherError('not_found', 'No such migration');
    run.abort.abort();
  }

  /** Every event of a migration so far, then the live ones, until it ends. */
  async *events(userId: string, id: string, signal?: AbortSignal): AsyncGenerator<MigrationEvent> {
    const run = this.running.get(id);
    if (!run || run.userId !== userId) throw new TetherError('not_found', 'No such migration');
    const live = on(run.emitter, 'event', { signal });
    for (const e of [...run.events]) {
      yield e;
      if (isFinal(e)) return;
    }
    if (run.finished) return;
    for await (const [e] of live as AsyncIterable<[MigrationEvent]>) {
      yield e;
      if (isFinal(e)) return;
    }
  }

  private record(user: Mover, action: 'migration.started' | 'migration.finished' | 'migration.failed', ws: Workspace, target: MigrationTarget, detail: AuditDetail): void {
    this.deps.audit?.record({ action, actor: { id: user.id, name: user.name }, target: `workspace:${ws.id}`, detail: { from: ws.kind, to: target.kind, ...detail } });
  }

  private async execute(user: Mover, ws: Workspace, target: MigrationTarget, run: Running, emit: (e: MigrationEvent) => void): Promise<void> {
    const started = performance.now();
    let prepared: Prepared | null = null;
    /** Terminals ended for the switch: reopened where the workspace stays if the switch fails. */
    let terminals: { cols: number; rows: number }[] = [];
    try {
      prepared = await this.prepare(user, ws, target);
      const source = await this.deps.runtimes.forWorkspace(ws);
      const out = await migrateGitState(source, prepared.runtime, { onProgress: emit, signal: run.abort.signal });
      emit({ step: 'switch', message: `Switching the workspace to ${prepared.label}` });
      terminals = this.deps.sessions.listForWorkspace(user.id, ws.id).filter((s) => !s.exited);
      await this.deps.sessions.forgetWorkspace(user.id, ws.id);
      // Nothing may be lost: anything written since the capture (a terminal, an editor) fails the move.
      const now = await captureState(source);
      if (now.head !== out.state.head || now.branch !== out.state.branch || now.indexTree !== out.state.indexTree || now.worktreeTree !== out.state.worktreeTree) {
        throw new MigrationError('files changed in the workspace while it was being moved; nothing was switched — move it again');
      }
      await this.deps.workspaces.relocate(user.id, ws.id, prepared.place);
      // From here the target is the workspace's home: no failure below may clean it up.
      const home = prepared;
      prepared = null;
      await this.deps.runtimes.drop(ws.id);
      await home.runtime.dispose();
      const reopened = await this.reopen(user.id, await this.deps.workspaces.get(user.id, ws.id), terminals);
      terminals = [];
      // What the old place held (a cloud worker) is given back.
      await this.deps.placements.release(ws).catch((e: Error) => this.deps.log.warn('old place not released', { kind: ws.kind, error: e.message }));
      emit({
        step: 'done',
        message: `Moved to ${home.label}`,
        result: {
          verified: { branch: out.state.branch, head: out.state.head, files: 'identical' },
          bytes: out.bytes,
          incremental: out.incremental,
          seconds: Math.round((performance.now() - started) / 100) / 10,
          terminalsReopened: reopened,
        },
      });
      this.deps.log.info('workspace moved', { workspace: ws.id, to: home.place.kind, bytes: out.bytes });
      this.record(user, 'migration.finished', ws, target, { migration: run.id, bytes: out.bytes });
    } catch (err) {
      const cancelled = run.abort.signal.aborted;
      if (prepared) await prepared.cleanup().catch((e: Error) => this.deps.log.warn('migration target cleanup failed', { error: e.message }));
      await this.reopen(user.id, await this.deps.workspaces.get(user.id, ws.id), terminals);
      const message = cancelled ? 'Cancelled' : `The move failed: ${(err as Error).message}`;
      emit({ step: cancelled ? 'cancelled' : 'failed', message: `${message}. The workspace stays where it was.`, error: cancelled ? undefined : (err as Error).message });
      this.deps.log.warn('workspace move failed', { workspace: ws.id, error: (err as Error).message });
      this.record(user, 'migration.failed', ws, target, { migration: run.id, cancelled, error: cancelled ? null : (err as Error).message });
    }
  }

  /** Open login shells of the given sizes in the workspace; how many opened. */
  private async reopen(userId: string, ws: Workspace | null, terminals: { cols: number; rows: number }[]): Promise<number> {
    let n = 0;
    for (const t of ws ? terminals : []) {
      await this.deps.sessions
        .create({ userId, workspaceId: ws!.id, runtime: await this.deps.runtimes.forWorkspace(ws!), pty: { cols: t.cols, rows: t.rows } })
        .then(() => n++)
        .catch((err: Error) => this.deps.log.warn('terminal not reopened', { workspace: ws!.id, error: err.message }));
    }
    return n;
  }

  /** Make the target ready and build a runtime on it; a folder the user named must be empty or a clone. */
  private async prepare(user: { id: string; role: string }, ws: Workspace, target: MigrationTarget): Promise<Prepared> {
    const provisioned = await this.deps.placements.provision({ user, name: ws.name, target, forMove: true });
    const runtime = await this.deps.runtimes.build({ ...ws, id: `migration-${randomId()}`, ...provisioned.place });
    let fresh = false;
    const prepared: Prepared = {
      ...provisioned,
      runtime,
      cleanup: async () => {
        // Leave a folder that had content as it was (only scratch was added, and is gone); empty a fresh one.
        if (fresh) for (const e of await runtime.fs.readdir('').catch(() => [])) await runtime.fs.rm(e.name).catch(() => {});
        await runtime.dispose();
        await provisioned.cleanup();
      },
    };
    if (!provisioned.userFolder) return prepared;
    try {
      const existing = await runtime.fs.readdir('');
      if (existing.length > 0 && !(await isRepository(runtime))) {
        throw new MigrationError(`${provisioned.label} is not empty; choose an empty folder (or a clone of this repository)`);
      }
      fresh = existing.length === 0;
      return prepared;
    } catch (err) {
      await prepared.cleanup().catch(() => {});
      throw err;
    }
  }
}

function isFinal(e: MigrationEvent): boolean {
  return e.step === 'done' || e.step === 'failed' || e.step === 'cancelled';
}
