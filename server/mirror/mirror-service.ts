/**
 * Mirrors as people have them: a pair of their own workspaces (A, and B on another runtime) kept
 * in step. Definitions are rows (migration 14); each has a MirrorEngine while the gateway runs,
 * built again at start, which reconciles against the agreed state on disk. Only the owner sees a
 * mirror; anyone else gets the answer a missing one gets. Runtimes come from the RuntimeRegistry,
 * so every placement's jail applies to both sides.
 */
import { eq } from 'drizzle-orm';
import path from 'node:path';
import { randomId } from '../../lib/shared/ids';
import type { DatabaseHandle } from '../db/database';
import type { mirrors } from '../db/schema';
import { TetherError } from '../errors';
import type { Logger } from '../log';
import type { RuntimeRegistry } from '../placements/runtime-registry';
import type { Workspace, WorkspaceService } from '../workspaces/workspace-service';
import { MirrorEngine, type MirrorStatus, type Resolution } from './engine';
import { DEFAULT_IGNORE, validPatterns } from './ignore';
import type { Side, Transfer } from './reconcile';
import type { ConflictSide } from './state-store';

export interface MirrorInfo {
  id: string;
  workspaceId: string;
  workspaceName: string;
  peerWorkspaceId: string;
  peerName: string;
  peerKind: Workspace['kind'];
  ignore: string[];
  createdAt: number;
  status: MirrorStatus;
}

/** One version of a conflicted path, with its text when it is small UTF-8 text. */
export interface ConflictVersion extends ConflictSide {
  text: string | null;
  binary: boolean;
}

export interface ConflictInfo {
  path: string;
  detectedAt: number;
  a: ConflictVersion;
  b: ConflictVersion;
}

/** Versions larger than this are listed without their text (the diff view shows sizes). */
const CONFLICT_TEXT_MAX_BYTES = 1024 * 1024;
/** How often mirrors of removed workspaces are noticed (the rows go with the workspace). */
const SWEEP_MS = 30_000;

type Row = typeof mirrors.$inferSelect;

export class MirrorError extends TetherError {}

const notFound = () => new MirrorError('not_found', 'No such mirror');

export class MirrorService {
  private readonly engines = new Map<string, MirrorEngine>();
  private sweep: NodeJS.Timeout | null = null;

  constructor(
    private readonly opts: {
      dbh: DatabaseHandle;
      workspaces: WorkspaceService;
      runtimes: RuntimeRegistry;
      /** DATA_DIR/mirrors. */
      dir: string;
      log: Logger;
      healthIntervalMs?: number;
    },
  ) {}

  private get db() {
    return this.opts.dbh.db;
  }
  private get t() {
    return this.opts.dbh.t;
  }

  /** Start every mirror (each reconciles in the background). */
  async start(): Promise<void> {
    const rows = await this.db.select().from(this.t.mirrors);
    for (const row of rows) await this.launch(row).catch((err: Error) => this.opts.log.warn('mirror did not start', { mirror: row.id, error: err.message }));
    this.sweep = setInterval(() => void this.dropOrphans(), SWEEP_MS);
    this.sweep.unref?.();
  }

  async list(userId: string, workspaceId?: string): Promise<MirrorInfo[]> {
    const rows = await this.db.select().from(this.t.mirrors).where(eq(this.t.mirrors.userId, userId));
    const out: MirrorInfo[] = [];
    for (const row of rows) {
      if (workspaceId && row.workspaceId !== workspaceId && row.peerWorkspaceId !== workspaceId) continue;
      const info = await this.info(userId, row);
      if (info) out.push(info);
    }
    return out.sort((x, y) => x.createdAt - y.createdAt);
  }

  async get(userId: string, id: string): Promise<MirrorInfo> {
    const info = await this.info(userId, await this.row(userId, id));
    if (!info) throw notFound();
    return info;
  }

  async create(userId: string, input: { workspaceId: string; peerWorkspaceId: string; ignore?: string[] }): Promise<MirrorInfo> {
    const a = await this.opts.workspaces.get(userId, input.workspaceId);
    const b = await this.opts.workspaces.get(userId, input.peerWorkspaceId);
    if (!a || !b) throw new MirrorError('not_found', 'No such workspace');
    if (a.id === b.id || (a.kind === b.kind && a.root === b.root && a.hostId === b.hostId)) throw new MirrorError('bad_request', 'A mirror needs two different places: pick a workspace on another runtime');
    const ignore = input.ignore ?? [...DEFAULT_IGNORE];
    const bad = validPatterns(ignore);
    if (bad) throw new MirrorError('bad_request', bad);
    const busy = (await this.db.select().from(this.t.mirrors).where(eq(this.t.mirrors.userId, userId))).find((r) => [r.workspaceId, r.peerWorkspaceId].some((w) => w === a.id || w === b.id));
    if (busy) throw new MirrorError('conflict', 'One of these workspaces is already in a mirror; remove that mirror first');
    const row: Row = { id: randomId(12), userId, workspaceId: a.id, peerWorkspaceId: b.id, ignorePatterns: JSON.stringify(ignore), paused: false, createdAt: Date.now() };
    await this.db.insert(this.t.mirrors).values(row);
    await this.launch(row);
    return this.get(userId, row.id);
  }

  async setPaused(userId: string, id: string, paused: boolean): Promise<MirrorInfo> {
    const row = await this.row(userId, id);
    await this.db.update(this.t.mirrors).set({ paused }).where(eq(this.t.mirrors.id, row.id));
    const engine = this.engines.get(row.id);
    if (engine) {
      if (paused) await engine.pause();
      else engine.resume();
    }
    return this.get(userId, id);
  }

  async remove(userId: string, id: string): Promise<void> {
    const row = await this.row(userId, id);
    await this.db.delete(this.t.mirrors).where(eq(this.t.mirrors.id, row.id));
    await this.stop(row.id, true);
  }

  async conflicts(userId: string, id: string): Promise<ConflictInfo[]> {
    const engine = await this.engine(userId, id);
    const withText = async (s: ConflictSide): Promise<ConflictVersion> => {
      if (s.type !== 'file') return { ...s, text: null, binary: false };
      const data = await engine.conflictContent(s.hash, CONFLICT_TEXT_MAX_BYTES);
      if (!data) return { ...s, text: null, binary: false };
      try {
        return { ...s, text: new TextDecoder('utf-8', { fatal: true }).decode(data), binary: false };
      } catch {
        return { ...s, text: null, binary: true };
      }
    };
    return Promise.all(engine.conflicts().map(async (c) => ({ path: c.path, detectedAt: c.detectedAt, a: await withText(c.a), b: await withText(c.b) })));
  }

  async resolve(userId: string, id: string, path: string, how: { keep: Side } | { content: string }): Promise<void> {
    const engine = await this.engine(userId, id);
    const resolution: Resolution = 'keep' in how ? how : { content: new TextEncoder().encode(how.content) };
    await engine.resolve(path, resolution).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' && /no conflict/.test(err.message)) throw new MirrorError('not_found', `No open conflict at ${path}`);
      throw err;
    });
  }

  async transfers(userId: string, id: string): Promise<Transfer[]> {
    return (await this.engine(userId, id)).recentTransfers();
  }

  /** The engine of a mirror (tests and the bench wait on it). */
  engineOf(id: string): MirrorEngine | undefined {
    return this.engines.get(id);
  }

  async dispose(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    await Promise.allSettled([...this.engines.keys()].map((id) => this.stop(id, false)));
  }

  private async row(userId: string, id: string): Promise<Row> {
    const row = (await this.db.select().from(this.t.mirrors).where(eq(this.t.mirrors.id, id)))[0];
    if (!row || row.userId !== userId) throw notFound();
    return row;
  }

  private async engine(userId: string, id: string): Promise<MirrorEngine> {
    const row = await this.row(userId, id);
    const engine = this.engines.get(row.id);
    if (!engine) throw new MirrorError('unavailable', 'This mirror is not running (one of its workspaces could not be reached at start)');
    return engine;
  }

  private async info(userId: string, row: Row): Promise<MirrorInfo | null> {
    const a = await this.opts.workspaces.get(userId, row.workspaceId);
    const b = await this.opts.workspaces.get(userId, row.peerWorkspaceId);
    if (!a || !b) return null;
    const engine = this.engines.get(row.id);
    const status: MirrorStatus = engine?.status() ?? { state: 'error', pending: 0, conflicts: 0, errors: [], detail: 'not running', lastSyncAt: null };
    return { id: row.id, workspaceId: a.id, workspaceName: a.name, peerWorkspaceId: b.id, peerName: b.name, peerKind: b.kind, ignore: JSON.parse(row.ignorePatterns) as string[], createdAt: row.createdAt, status };
  }

  private async launch(row: Row): Promise<void> {
    const a = await this.opts.workspaces.get(row.userId, row.workspaceId);
    const b = await this.opts.workspaces.get(row.userId, row.peerWorkspaceId);
    if (!a || !b) return;
    const engine = new MirrorEngine({
      sides: async () => ({ a: await this.opts.runtimes.forWorkspace(a), b: await this.opts.runtimes.forWorkspace(b) }),
      dir: path.join(this.opts.dir, row.id),
      patterns: JSON.parse(row.ignorePatterns) as string[],
      paused: row.paused,
      log: this.opts.log.child({ mirror: row.id }),
      healthIntervalMs: this.opts.healthIntervalMs,
    });
    this.engines.set(row.id, engine);
    await engine.start();
  }

  private async stop(id: string, forget: boolean): Promise<void> {
    const engine = this.engines.get(id);
    this.engines.delete(id);
    if (forget) await (engine ? engine.destroy() : Promise.resolve());
    else await engine?.dispose();
  }

  /** Mirrors whose rows went with a removed workspace or account: stop them and forget their state. */
  private async dropOrphans(): Promise<void> {
    const live = new Set((await this.db.select({ id: this.t.mirrors.id }).from(this.t.mirrors)).map((r) => r.id));
    for (const id of [...this.engines.keys()]) if (!live.has(id)) await this.stop(id, true);
  }
}
