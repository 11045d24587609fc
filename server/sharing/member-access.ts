/**
 * What a signed-in user's `/ws` connection reaches: their own terminals (as the owner), and the
 * terminals of workspaces they are a member of (as themselves, by name, in presence) — a viewer
 * read-only everywhere and unable to open terminals, an editor like a `drive` guest. Anything
 * else is answered exactly like something that does not exist.
 *
 * Each member workspace a connection touches is registered with the MemberService, so removing
 * the member (or making them a viewer) closes that connection at once with 4403 and why.
 */
import { ErrorCode } from '../../lib/protocol';
import type { ConnectionUser, SessionSource } from '../core/connection';
import { GatewayError } from '../core/errors';
import type { TerminalSession } from '../core/session';
import type { MemberRole, MemberService } from './members';
import { ownerParticipant, SharedSession, type Participant, type PresenceBoard } from './shared-session';

/** The connection a source serves: closed (4403) with a reason; told when it ends. */
export interface ConnectionLink {
  close(reason: string): void;
  onClose(fn: () => void): void;
}

export interface UserSessionsDeps {
  /** The gateway's own source: a user's own workspaces and terminals. */
  source: SessionSource<TerminalSession>;
  members: MemberService;
  presence: PresenceBoard;
  /** The name a person is shown by (display name, else username). */
  nameOf(userId: string): Promise<string>;
}

/** How often a member's role is read again while they type (only an upgrade to editor needs it). */
const ROLE_RECHECK_MS = 1_000;

export function memberParticipant(userId: string, name: string, role: MemberRole): Participant {
  return { id: `member:${userId}`, name, role: 'member', scope: role === 'viewer' ? 'view' : 'drive' };
}

export function userSessions(deps: UserSessionsDeps, user: ConnectionUser, link: ConnectionLink): SessionSource<SharedSession> {
  const { source, members, presence } = deps;
  const owner = ownerParticipant(user);
  const tracked = new Map<string, () => void>();
  link.onClose(() => {
    for (const off of tracked.values()) off();
    tracked.clear();
  });
  const track = (workspaceId: string) => {
    if (!tracked.has(workspaceId)) tracked.set(workspaceId, members.attach(workspaceId, user.id, (reason) => link.close(reason)));
  };
  // A removal or a change down to viewer closes the connection at once (the tracked live handle);
  // a change up to editor made here counts at once, one made on another gateway within
  // ROLE_RECHECK_MS. Keystrokes never wait for the database.
  const asMember = async (session: TerminalSession, role: MemberRole) => {
    const workspaceId = session.info.workspaceId;
    track(workspaceId);
    let current: MemberRole | null = role;
    let checkedAt = Date.now();
    const readOnly = () => {
      const here = members.changedRole(workspaceId, user.id);
      if (here && here.at >= checkedAt) {
        current = here.role;
        checkedAt = here.at;
      } else if (Date.now() - checkedAt >= ROLE_RECHECK_MS) {
        checkedAt = Date.now();
        members.access(user.id, workspaceId).then(
          (m) => void (current = m?.role ?? null),
          () => {},
        );
      }
      return current !== 'editor';
    };
    return new SharedSession(session, memberParticipant(user.id, await deps.nameOf(user.id), role), presence, readOnly);
  };
  return {
    async create(u, req) {
      const m = await members.access(user.id, req.workspace);
      if (!m) return new SharedSession(await source.create(u, req), owner, presence);
      if (m.role === 'viewer') throw new GatewayError(ErrorCode.FORBIDDEN, 'you are a viewer of this workspace; you cannot open terminals');
      track(m.workspace.id);
      return asMember(await source.create({ id: m.ownerId, name: '' }, req), m.role);
    },
    async find(u, id) {
      const own = await source.find(u, id);
      if (own) return new SharedSession(own, owner, presence);
      for (const shared of await members.of(user.id)) {
        const s = await source.find({ id: shared.ownerId, name: '' }, id);
        if (!s || s.info.workspaceId !== shared.workspace.id) continue;
        const m = await members.access(user.id, shared.workspace.id);
        return m ? asMember(s, m.role) : null;
      }
      return null;
    },
    forget: (session) => source.forget(session),
  };
}
