import { and, asc, eq } from 'drizzle-orm';
import { mkdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomId } from '../../lib/shared/ids';
import type { DatabaseHandle, Tables } from '../db/database';
import { TetherError } from '../errors';

export const WORKSPACE_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export interface Workspace {
  id: string;
  name: string;
  kind: 'local' | 'ssh' | 'cloud';
  /** Local: a directory on this machine. SSH: the absolute real path on the host. Cloud: `cloud:<worker id>`. */
  root: string;
  /** The SSH host of an ssh workspace, null for others. */
  hostId: string | null;
  /** The cloud worker of a cloud workspace, null for others. */
  workerId: string | null;
  createdAt: number;
}

/** Where a workspace is: what its placement (server/placements) records. */
export type Place = Pick<Workspace, 'kind' | 'root' | 'hostId' | 'workerId'>;

/** A workspace row as callers see it (the owner's id aside), from a handle's tables. */
export function workspaceColumns({ workspaces }: Tables) {
  return {
    id: workspaces.id,
    name: workspaces.name,
    kind: workspaces.kind,
    root: workspaces.root,
    hostId: workspaces.hostId,
    workerId: workspaces.workerId,
    createdAt: workspaces.createdAt,
  };
}

export class WorkspaceError extends TetherError {
  constructor(
    readonly code: 'conflict' | 'bad_request' | 'not_found',
    message: string,
  ) {
    super(code, message);
  }
}

export class WorkspaceService {
  constructor(
    private readonly dbh: DatabaseHandle,
    /** Where default workspace directories are created (DATA_DIR/workspaces). */
    private readonly baseDir: string,
    /** The gateway's DATA_DIR: never a workspace folder, nor inside one, nor inside it. */
    private readonly dataDir: string = path.dirname(baseDir),
  ) {}

  private get workspaces() {
    return this.dbh.t.workspaces;
  }

  private get columns() {
    return workspaceColumns(this.dbh.t);
  }

  async list(userId: string): Promise<Workspace[]> {
    const { workspaces } = this;
    return this.dbh.db.select(this.columns).from(workspaces).where(eq(workspaces.userId, userId)).orderBy(asc(workspaces.createdAt));
  }

  async get(userId: string, id: string): Promise<Workspace | null> {
    const { workspaces } = this;
    const [row] = await this.dbh.db
      .select(this.columns)
      .from(workspaces)
      .where(and(eq(workspaces.id, id), eq(workspaces.userId, userId)));
    return row ?? null;
  }

  /**
   * Create a local workspace (the local placement's folder rules: `localFolder`).
   */
  async create(userId: string, name: string, root?: string): Promise<Workspace> {
    await this.checkName(userId, name);
    return this.record(userId, name, { kind: 'local', root: await this.localFolder(userId, name, root), hostId: null, workerId: null });
  }

  /**
   * The folder of a new local workspace: without `root`, `<baseDir>/<userId>/<name>` (created);
   * a `root` (an existing absolute directory) is for admins only — the caller checks the role.
   * The folder is recorded by its real path (symlinks resolved), and it may not be DATA_DIR, lie
   * inside it (the database, secrets, every user's workspaces) or contain it (so not `/` either):
   * a workspace's terminals and file tree would reach the gateway's own data.
   */
  async localFolder(userId: string, name: string, root?: string): Promise<string> {
    if (root !== undefined) return this.existingFolder(root);
    const dir = path.resolve(this.baseDir, userId, name);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  private async existingFolder(root: string): Promise<string> {
    if (root.includes('\0') || !path.isAbsolute(root)) {
      throw new WorkspaceError('bad_request', 'The folder must be an absolute path, like /home/me/project');
    }
    const real = await realpath(root).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EACCES') throw new TetherError('forbidden', `The gateway may not read ${root}`);
      throw new WorkspaceError('bad_request', `There is no folder at ${root}`);
    });
    const s = await stat(real);
    if (!s.isDirectory()) throw new WorkspaceError('bad_request', `${root} is a file, not a folder`);
    const data = await realpath(this.dataDir).catch(() => path.resolve(this.dataDir));
    if (isSameOrBelow(real, data) || isSameOrBelow(data, real)) {
      throw new TetherError('forbidden', `${root} holds or lies inside the gateway's own data folder; choose a folder outside it`);
    }
    return real;
  }

  /** Validate a name for a new workspace of `userId` (call before preparing its folder). */
  async checkName(userId: string, name: string): Promise<void> {
    if (!WORKSPACE_NAME_PATTERN.test(name) || name === '.' || name === '..') {
      throw new WorkspaceError('bad_request', 'workspace names use letters, digits, ".", "_" or "-" (1–64 characters)');
    }
    const { workspaces } = this;
    const [taken] = await this.dbh.db.select({ id: workspaces.id }).from(workspaces).where(and(eq(workspaces.userId, userId), eq(workspaces.name, name)));
    if (taken) {
      throw new WorkspaceError('conflict', `you already have a workspace named "${name}"`);
    }
  }

  /** Record a workspace at a place already prepared (its placement's `provision`). */
  async record(userId: string, name: string, place: Place): Promise<Workspace> {
    await this.checkName(userId, name);
    const ws: Workspace = { id: randomId(), name, ...place, createdAt: Date.now() };
    await this.dbh.db.insert(this.workspaces).values({ ...ws, userId });
    return ws;
  }

  /** Point a workspace at another place (after a verified migration). */
  async relocate(userId: string, id: string, to: Place): Promise<void> {
    const { workspaces } = this;
    await this.dbh.db.update(workspaces).set(to).where(and(eq(workspaces.id, id), eq(workspaces.userId, userId)));
  }

  /** Forget a workspace record (its files are the runtime's business). */
  async remove(userId: string, id: string): Promise<void> {
    const { workspaces } = this;
    await this.dbh.db.delete(workspaces).where(and(eq(workspaces.id, id), eq(workspaces.userId, userId)));
  }

  /** Whose workspace this is (null: no such workspace). */
  async ownerOf(id: string): Promise<string | null> {
    const { workspaces } = this;
    const [row] = await this.dbh.db.select({ userId: workspaces.userId }).from(workspaces).where(eq(workspaces.id, id));
    return row?.userId ?? null;
  }

  /** Every user's workspaces of one kind, with their owners (gateway start-up work). */
  async listOfKind(kind: Workspace['kind']): Promise<{ userId: string; workspace: Workspace }[]> {
    const { workspaces } = this;
    const rows = await this.dbh.db
      .select({ userId: workspaces.userId, ...this.columns })
      .from(workspaces)
      .where(eq(workspaces.kind, kind));
    return rows.map(({ userId, ...workspace }) => ({ userId, workspace }));
  }

  /** How many workspaces live on an SSH host. */
  async countOnHost(hostId: string): Promise<number> {
    return this.dbh.db.$count(this.workspaces, eq(this.workspaces.hostId, hostId));
  }
}

/** `p` is `dir` or somewhere below it (both absolute and normalized). */
function isSameOrBelow(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}
