/**
 * Workspace moves, end to end: plan, prepare the target (a folder here, a folder on an SSH host,
 * or a cloud worker), migrate and verify the git state, then — only then — switch the workspace
 * to the target and reopen its terminals there. Any failure or cancel cleans the target up and
 * leaves the workspace where it was, untouched and usable. Progress is kept per migration so a
 * subscriber that arrives late still sees every step.
 */
import { EventEmitter, on } from 'node:events';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { randomId } from '../../lib/shared/ids';
import type { Orchestrator } from '../cloud/orchestrator';
import type { WorkerSize } from '../cloud/provider';
import type { SessionRegistry } from '../core/session-registry';
import type { Logger } from '../log';
import type { Runtime } from '../runtimes/runtime';
import type { RuntimeRegistry } from '../placements/runtime-registry';
import type { SshHostService } from '../hosts/host-service';
import { endpointName, type SshPool } from '../runtimes/ssh/pool';
import { prepareRemoteRoot } from '../runtimes/ssh/ssh-runtime';
import type { Workspace, WorkspaceService } from '../workspaces/workspace-service';
import { captureState, git, isRepository, MigrationError } from './git-state';
import { migrateGitState, type MigrationProgress } from './migrate';

export type MigrationTarget = { kind: 'local' } | { kind: 'ssh'; hostId: string; path?: string } | { kind: 'cloud'; size?: WorkerSize };

export interface MigrationEvent extends MigrationProgress {
  result?: { verified: { branch: string | null; head: string; files: 'identical' }; bytes: number; incremental: boolean; seconds: number; terminalsReopened: number };
  error?: string;
}

type Place = Pick<Workspace, 'kind' | 'root' | 'hostId' | 'workerId'>;

interface Prepared {
  place: Place;
  label: string;
  runtime: Runtime;
  /** Undo the preparation after a failure. */
  cleanup(): Promise<void>;
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
  hosts: SshHostService;
  sshPool: SshPool;
  orchestrator: Orchestrator;
  /** DATA_DIR/workspaces: where local targets are created. */
  localBase: string;
  log: Logger;
  /** Metrics: how long moves take, by outcome (done, failed, cancelled). */
  observe?: { migrationFinished(seconds: number, outcome: string): void };
}

function labelOf(ws: Place, hostName: (id: string) => string): string {
  if (ws.kind === 'local') return 'this machine';
  if (ws.kind === 'ssh') return `${hostName(ws.hostId ?? '')}:${ws.root}`;
  return 'a cloud worker';
}

export class MigrationService {
  private readonly running = new Map<string, Running>();
  private readonly busy = new Set<string>();

  constructor(private readonly deps: MigrationDeps) {}

  private workspace(userId: string, id: string): Workspace {
    const ws = this.deps.workspaces.get(userId, id);
    if (!ws) throw new MigrationError('no such workspace');
    return ws;
  }

  private hostName = (userId: string) => (id: string) => this.deps.hosts.get(userId, id)?.name ?? 'SSH host';

  private checkTarget(userId: string, ws: Workspace, target: MigrationTarget): void {
    if (target.kind === ws.kind && target.kind !== 'ssh') throw new MigrationError(`the workspace already runs on ${labelOf(ws, this.hostName(userId))}`);
    if (target.kind === 'ssh') {
      if (!this.deps.hosts.get(userId, target.hostId)) throw new MigrationError('no such SSH host');
      if (ws.kind === 'ssh' && ws.hostId === target.hostId && (target.path === undefined || target.path === ws.root)) throw new MigrationError('the workspace already runs there');
    }
  }

  /** What a move would carry, without changing anything. */
  async plan(user: { id: string }, workspaceId: string, target: MigrationTarget) {
    const ws = this.workspace(user.id, workspaceId);
    this.checkTarget(user.id, ws, target);
    const rt = this.deps.runtimes.forWorkspace(ws);
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
    if (ws.kind === 'cloud') warnings.push('the cloud worker is released after the move, with its files');
    const toLabel =
      target.kind === 'local' ? 'this machine' : target.kind === 'cloud' ? 'a cloud worker' : `${this.hostName(user.id)(target.hostId)}:${target.path ?? `~/tether/${ws.name}`}`;
    return {
      from: { kind: ws.kind, label: labelOf(ws, this.hostName(user.id)) },
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

  start(user: { id: string; role: string }, workspaceId: string, target: MigrationTarget): { id: string } {
    const ws = this.workspace(user.id, workspaceId);
    this.checkTarget(user.id, ws, target);
    if (this.busy.has(ws.id)) throw new MigrationError('this workspace is already being moved');
    const run: Running = { id: randomId(), userId: user.id, events: [], emitter: new EventEmitter(), abort: new AbortController(), finished: false };
    this.running.set(run.id, run);
    this.busy.add(ws.id);
    const emit = (e: MigrationEvent) => {
      run.events.push(e);
      run.emitter.emit('event', e);
    };
    const started = performance.now();
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
    if (!run || run.userId !== userId) throw new MigrationError('no such migration');
    run.abort.abort();
  }

  /** Every event of a migration so far, then the live ones, until it ends. */
  async *events(userId: string, id: string, signal?: AbortSignal): AsyncGenerator<MigrationEvent> {
    const run = this.running.get(id);
    if (!run || run.userId !== userId) throw new MigrationError('no such migration');
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

  private async execute(user: { id: string; role: string }, ws: Workspace, target: MigrationTarget, run: Running, emit: (e: MigrationEvent) => void): Promise<void> {
    const started = performance.now();
    let prepared: Prepared | null = null;
    /** Terminals ended for the switch: reopened where the workspace stays if the switch fails. */
    let terminals: { cols: number; rows: number }[] = [];
    try {
      prepared = await this.prepare(user.id, ws, target);
      const source = this.deps.runtimes.forWorkspace(ws);
      const out = await migrateGitState(source, prepared.runtime, { onProgress: emit, signal: run.abort.signal });
      emit({ step: 'switch', message: `Switching the workspace to ${prepared.label}` });
      terminals = this.deps.sessions.listForWorkspace(user.id, ws.id).filter((s) => !s.exited);
      await this.deps.sessions.forgetWorkspace(user.id, ws.id);
      // Nothing may be lost: anything written since the capture (a terminal, an editor) fails the move.
      const now = await captureState(source);
      if (now.head !== out.state.head || now.branch !== out.state.branch || now.indexTree !== out.state.indexTree || now.worktreeTree !== out.state.worktreeTree) {
        throw new MigrationError('files changed in the workspace while it was being moved; nothing was switched — move it again');
      }
      this.deps.workspaces.relocate(user.id, ws.id, prepared.place);
      // From here the target is the workspace's home: no failure below may clean it up.
      const home = prepared;
      prepared = null;
      await this.deps.runtimes.drop(ws.id);
      await home.runtime.dispose();
      const reopened = await this.reopen(user.id, this.deps.workspaces.get(user.id, ws.id), terminals);
      terminals = [];
      if (ws.kind === 'cloud' && ws.workerId) {
        await this.deps.orchestrator.release(ws.workerId).catch((e: Error) => this.deps.log.warn('old cloud worker not released', { error: e.message }));
      }
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
    } catch (err) {
      const cancelled = run.abort.signal.aborted;
      if (prepared) await prepared.cleanup().catch((e: Error) => this.deps.log.warn('migration target cleanup failed', { error: e.message }));
      await this.reopen(user.id, this.deps.workspaces.get(user.id, ws.id), terminals);
      const message = cancelled ? 'Cancelled' : `The move failed: ${(err as Error).message}`;
      emit({ step: cancelled ? 'cancelled' : 'failed', message: `${message}. The workspace stays where it was.`, error: cancelled ? undefined : (err as Error).message });
      this.deps.log.warn('workspace move failed', { workspace: ws.id, error: (err as Error).message });
    }
  }

  /** Open login shells of the given sizes in the workspace; how many opened. */
  private async reopen(userId: string, ws: Workspace | null, terminals: { cols: number; rows: number }[]): Promise<number> {
    let n = 0;
    for (const t of ws ? terminals : []) {
      await this.deps.sessions
        .create({ userId, workspaceId: ws!.id, runtime: this.deps.runtimes.forWorkspace(ws!), pty: { cols: t.cols, rows: t.rows } })
        .then(() => n++)
        .catch((err: Error) => this.deps.log.warn('terminal not reopened', { workspace: ws!.id, error: err.message }));
    }
    return n;
  }

  private async prepare(userId: string, ws: Workspace, target: MigrationTarget): Promise<Prepared> {
    const temp = (place: Place): Workspace => ({ ...ws, id: `migration-${randomId()}`, ...place });
    if (target.kind === 'cloud') {
      const worker = await this.deps.orchestrator.acquire(userId, target.size ?? 'small');
      const place: Place = { kind: 'cloud', root: `cloud:${worker.id}`, hostId: null, workerId: worker.id };
      const runtime = this.deps.runtimes.build(temp(place));
      return { place, label: 'a cloud worker', runtime, cleanup: async () => (await runtime.dispose(), await this.deps.orchestrator.release(worker.id)) };
    }
    if (target.kind === 'local') {
      let dir = path.join(this.deps.localBase, userId, ws.name);
      for (let n = 2; await readdir(dir).then((e) => e.length > 0, () => false); n++) dir = path.join(this.deps.localBase, userId, `${ws.name}-${n}`);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const place: Place = { kind: 'local', root: dir, hostId: null, workerId: null };
      const runtime = this.deps.runtimes.build(temp(place));
      return { place, label: 'this machine', runtime, cleanup: async () => (await runtime.dispose(), await rm(dir, { recursive: true, force: true })) };
    }
    const host = this.deps.hosts.get(userId, target.hostId);
    if (!host) throw new MigrationError('no such SSH host');
    const root = await prepareRemoteRoot(this.deps.sshPool, this.deps.hosts.poolTarget(host), target.path?.trim() || `~/tether/${ws.name}`);
    const place: Place = { kind: 'ssh', root, hostId: host.id, workerId: null };
    const runtime = this.deps.runtimes.build(temp(place));
    const existing = await runtime.fs.readdir('');
    if (existing.length > 0 && !(await isRepository(runtime))) {
      await runtime.dispose();
      throw new MigrationError(`${endpointName(host.target)}:${root} is not empty; choose an empty folder (or a clone of this repository)`);
    }
    const fresh = existing.length === 0;
    return {
      place,
      label: `${host.name}:${root}`,
      runtime,
      cleanup: async () => {
        // Leave a folder that had content as it was (only scratch was added, and is gone); empty a fresh one.
        if (fresh) for (const e of await runtime.fs.readdir('').catch(() => [])) await runtime.fs.rm(e.name).catch(() => {});
        await runtime.dispose();
      },
    };
  }
}

function isFinal(e: MigrationEvent): boolean {
  return e.step === 'done' || e.step === 'failed' || e.step === 'cancelled';
}
