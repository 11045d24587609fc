/**
 * Workspace members: the owner adds another account to a workspace as `viewer` or `editor` — a
 * durable, named share that needs no link. A member reaches the workspace with their own sign-in
 * (their cookie, normal URLs) and is seen by name; member-access.ts decides what their sockets
 * reach, trpc/init.ts what their requests reach.
 *
 * - Only the owner manages members; everyone else is answered as if the workspace did not exist.
 * - A membership counts only while both accounts may act (neither disabled).
 * - Everything live a member holds on a workspace (its sockets) is registered here, so that a
 *   removal, a change down to viewer or the workspace's end closes it at once (4403 and why).
 */
import { and, asc, eq, or } from 'drizzle-orm';
import type { DatabaseHandle } from '../db/database';
import { TetherError } from '../errors';
import type { Logger } from '../log';
import { workspaceColumns, type Workspace } from '../workspaces/workspace-service';
import { LiveHandles } from './live-handles';

export type MemberRole = 'viewer' | 'editor';
export const MEMBER_ROLES: readonly MemberRole[] = ['viewer', 'editor'];

/** A member as the owner sees them. */
export interface MemberInfo {
  userId: string;
  /** Username. */
  name: string;
  displayName: string | null;
  role: MemberRole;
  addedAt: number;
}

/** A workspace someone else shared with a user, as their home page lists it. */
export interface MembershipInfo {
  workspace: Pick<Workspace, 'id' | 'name' | 'kind' | 'createdAt'>;
  ownerId: string;
  /** The owner's display name, or username. */
  ownerName: string;
  role: MemberRole;
  addedAt: number;
}

/** What a member reaches: the owner's workspace, and in which role. */
export interface MemberAccess {
  workspace: Workspace;
  ownerId: string;
  ownerName: string;
  role: MemberRole;
}

/** Why a member's sockets close (shown by their page). */
export const MEMBER_END_MESSAGES = {
  removed: 'The owner removed you from this workspace.',
  viewer: 'The owner made you a viewer of this workspace. Reload the page to keep watching, read-only.',
  deleted: 'This workspace was deleted by its owner.',
  owner_disabled: 'The owner of this workspace can no longer sign in, so it is closed to its members.',
} as const;

/** A refused member change, with what to tell the owner. */
export class MemberError extends TetherError {
  constructor(code: 'bad_request' | 'not_found' | 'conflict', message: string) {
    super(code, message);
  }
}

/** A display name, else the username. */
export function personName(u: { name: string; displayName: string | null }): string {
  return u.displayName ?? u.name;
}

export class MemberService {
  /** Workspace id → what members hold live there (a member's user id is the holder). */
  readonly live: LiveHandles;
  /** Roles changed on this gateway (`workspace|user`): a member's open socket follows at once. */
  private readonly changedRoles = new Map<string, { role: MemberRole | null; at: number }>();

  constructor(
    private readonly dbh: DatabaseHandle,
    private readonly log: Logger,
  ) {
    this.live = new LiveHandles(log, 'workspace');
  }

  // ---- the owner's side (callers check that the workspace is the owner's) ----

  async list(workspaceId: string): Promise<MemberInfo[]> {
    const { users, workspaceMembers } = this.dbh.t;
    return this.dbh.db
      .select({ userId: users.id, name: users.name, displayName: users.displayName, role: workspaceMembers.role, addedAt: workspaceMembers.addedAt })
      .from(workspaceMembers)
      .innerJoin(users, eq(users.id, workspaceMembers.userId))
      .where(eq(workspaceMembers.workspaceId, workspaceId))
      .orderBy(asc(workspaceMembers.addedAt), asc(users.name));
  }

  /** Add the account named `who` (username or email) to the owner's workspace. */
  async add(ownerId: string, workspaceId: string, who: string, role: MemberRole): Promise<MemberInfo> {
    const { users, workspaceMembers } = this.dbh.t;
    const wanted = who.trim();
    if (!wanted) throw new MemberError('bad_request', 'Enter the username or email of an account on this server.');
    const [user] = await this.dbh.db
      .select()
      .from(users)
      .where(or(eq(users.name, wanted), eq(users.email, wanted.toLowerCase())));
    if (!user) throw new MemberError('bad_request', `There is no account with the username or email “${wanted}”. Ask an admin to create it first.`);
    if (user.id === ownerId) throw new MemberError('bad_request', 'This is your own workspace; add someone else.');
    if (user.disabledAt !== null) throw new MemberError('bad_request', `The account ${user.name} is disabled; an admin can enable it again.`);
    const existing = await this.membership(workspaceId, user.id);
    if (existing) throw new MemberError('conflict', `${user.name} is already a member (${existing.role}); change their role instead.`);
    const addedAt = Date.now();
    await this.dbh.db.insert(workspaceMembers).values({ workspaceId, userId: user.id, role, addedBy: ownerId, addedAt });
    this.log.info('member added', { workspace: workspaceId, userId: user.id, role });
    return { userId: user.id, name: user.name, displayName: user.displayName, role, addedAt };
  }

  /** Change a member's role; a change down to viewer closes their sockets (they reload read-only). */
  async setRole(workspaceId: string, userId: string, role: MemberRole): Promise<{ member: MemberInfo; from: MemberRole }> {
    const { workspaceMembers } = this.dbh.t;
    const current = await this.membership(workspaceId, userId);
    if (!current) throw new MemberError('not_found', 'That account is not a member of this workspace.');
    if (current.role !== role) {
      await this.dbh.db
        .update(workspaceMembers)
        .set({ role })
        .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)));
      this.changedRoles.set(`${workspaceId}|${userId}`, { role, at: Date.now() });
      this.log.info('member role changed', { workspace: workspaceId, userId, role });
      if (role === 'viewer') this.live.close(workspaceId, MEMBER_END_MESSAGES.viewer, userId);
    }
    return { member: (await this.list(workspaceId)).find((m) => m.userId === userId)!, from: current.role };
  }

  /** Remove a member: their sockets on the workspace close now, and it is gone from their home. */
  async remove(workspaceId: string, userId: string): Promise<MemberInfo> {
    const { workspaceMembers } = this.dbh.t;
    const member = (await this.list(workspaceId)).find((m) => m.userId === userId);
    if (!member) throw new MemberError('not_found', 'That account is not a member of this workspace.');
    await this.dbh.db
      .delete(workspaceMembers)
      .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)));
    this.changedRoles.set(`${workspaceId}|${userId}`, { role: null, at: Date.now() });
    this.log.info('member removed', { workspace: workspaceId, userId });
    this.live.close(workspaceId, MEMBER_END_MESSAGES.removed, userId);
    return member;
  }

  /** The workspace is being removed: its members' sockets close (the rows go with the workspace). */
  workspaceRemoved(workspaceId: string): void {
    this.live.close(workspaceId, MEMBER_END_MESSAGES.deleted);
  }

  /** The owner's account was disabled or deleted: members' sockets on its workspaces close. */
  async ownerCutOff(ownerId: string): Promise<void> {
    const { workspaces } = this.dbh.t;
    const ids = await this.dbh.db.select({ id: workspaces.id }).from(workspaces).where(eq(workspaces.userId, ownerId));
    for (const { id } of ids) this.live.close(id, MEMBER_END_MESSAGES.owner_disabled);
  }

  // ---- the member's side ----

  /** What `userId` reaches of `workspaceId` as a member; null when nothing (not a member, or
   * either account disabled). Answered per request: a removal counts at once. */
  async access(userId: string, workspaceId: string): Promise<MemberAccess | null> {
    const { users, workspaceMembers, workspaces } = this.dbh.t;
    const [row] = await this.dbh.db
      .select({ ...workspaceColumns(this.dbh.t), role: workspaceMembers.role, ownerId: users.id, ownerName: users.name, ownerDisplay: users.displayName, ownerDisabled: users.disabledAt })
      .from(workspaceMembers)
      .innerJoin(workspaces, eq(workspaces.id, workspaceMembers.workspaceId))
      .innerJoin(users, eq(users.id, workspaces.userId))
      .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)));
    if (!row || row.ownerDisabled !== null || !(await this.activeUser(userId))) return null;
    const { role, ownerId, ownerName, ownerDisplay, ownerDisabled: _d, ...workspace } = row;
    return { workspace, ownerId, ownerName: personName({ name: ownerName, displayName: ownerDisplay }), role };
  }

  /** The workspaces shared with `userId` whose owners may act, by workspace name. */
  async of(userId: string): Promise<MembershipInfo[]> {
    const { users, workspaceMembers, workspaces } = this.dbh.t;
    const rows = await this.dbh.db
      .select({
        id: workspaces.id,
        name: workspaces.name,
        kind: workspaces.kind,
        createdAt: workspaces.createdAt,
        role: workspaceMembers.role,
        addedAt: workspaceMembers.addedAt,
        ownerId: users.id,
        ownerName: users.name,
        ownerDisplay: users.displayName,
        ownerDisabled: users.disabledAt,
      })
      .from(workspaceMembers)
      .innerJoin(workspaces, eq(workspaces.id, workspaceMembers.workspaceId))
      .innerJoin(users, eq(users.id, workspaces.userId))
      .where(eq(workspaceMembers.userId, userId))
      .orderBy(asc(workspaces.name));
    return rows
      .filter((r) => r.ownerDisabled === null)
      .map((r) => ({
        workspace: { id: r.id, name: r.name, kind: r.kind, createdAt: r.createdAt },
        ownerId: r.ownerId,
        ownerName: personName({ name: r.ownerName, displayName: r.ownerDisplay }),
        role: r.role,
        addedAt: r.addedAt,
      }));
  }

  /**
   * Register something live `userId` holds on `workspaceId` as a member; `close` runs (once) when
   * they are removed, made a viewer, or the workspace or its owner goes. Returns the unregister.
   */
  attach(workspaceId: string, userId: string, close: (reason: string) => void): () => void {
    return this.live.add(workspaceId, userId, close);
  }

  /** The role last set on this gateway for the member (null: removed) and when, if it changed here. */
  changedRole(workspaceId: string, userId: string): { role: MemberRole | null; at: number } | undefined {
    return this.changedRoles.get(`${workspaceId}|${userId}`);
  }

  // ---- internals ----

  private async membership(workspaceId: string, userId: string): Promise<{ role: MemberRole } | undefined> {
    const { workspaceMembers } = this.dbh.t;
    const [row] = await this.dbh.db
      .select({ role: workspaceMembers.role })
      .from(workspaceMembers)
      .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)));
    return row;
  }

  private async activeUser(userId: string): Promise<boolean> {
    const { users } = this.dbh.t;
    const [row] = await this.dbh.db.select({ disabledAt: users.disabledAt }).from(users).where(eq(users.id, userId));
    return !!row && row.disabledAt === null;
  }
}
