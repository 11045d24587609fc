/** tRPC instance, context and the procedure builders every router uses. */
import { TRPCError, initTRPC } from '@trpc/server';
import type { AccountService } from '../auth/accounts';
import type { AuditLog } from '../audit/audit-log';
import type { SignInSessions } from '../auth/sign-in-sessions';
import type { AuthUser } from '../auth/users';
import type { TokenService } from '../auth/tokens';
import type { SessionRegistry } from '../core/session-registry';
import type { TerminalSession } from '../core/session';
import { sessionInShare } from '../sharing/guest-access';
import type { PresenceBoard } from '../sharing/shared-session';
import { translatedStream, translateTrpcError } from './errors';
import type { Logger } from '../log';
import type { Placements } from '../placements';
import type { RuntimeRegistry } from '../placements/runtime-registry';
import type { SshHostService } from '../hosts/host-service';
import type { RunnerService } from '../runtimes/ssh/runner-service';
import type { SshPool } from '../runtimes/ssh/pool';
import type { Orchestrator } from '../cloud/orchestrator';
import type { MigrationService } from '../migration/migration-service';
import type { MirrorService } from '../mirror/mirror-service';
import type { UserService } from '../auth/users';
import type { FileService } from '../workspaces/file-service';
import type { SettingsService } from '../settings/settings-service';
import type { Workspace, WorkspaceService } from '../workspaces/workspace-service';
import type { AgentsService } from '../agents/agents-service';
import type { WorkspaceActivity } from '../agents/workspace-activity';
import type { ScreenMirrors } from '../agents/screen-mirror';
import type { MetricsSnapshot } from '../observability/metrics';
import type { MemberRole, MemberService } from '../sharing/members';
import { DENIAL_MESSAGES, type Denial, type GuestPrincipal, type ShareService } from '../sharing/share-service';

export interface TrpcServices {
  /** The audit trail of security events. */
  audit: AuditLog;
  /** Where each account is signed in (account.sessions). */
  signIns: SignInSessions;
  /** Close the sockets of one sign-in session (4401); how many. */
  closeSignInSockets(sid: string, reason: string): number;
  /** Several gateways: attach terminals another gateway opened (in one workspace, or all of the
   * owner's) before listing them, so every gateway lists and watches the same terminals. */
  catchUpTerminals?(ownerId: string, workspaceId?: string): Promise<unknown>;
  workspaces: WorkspaceService;
  sessions: SessionRegistry;
  tokens: TokenService;
  runtimes: RuntimeRegistry;
  placements: Placements;
  /** Who watches each terminal, and who types (sharing). */
  presence: PresenceBoard;
  files: FileService;
  hosts: SshHostService;
  sshPool: SshPool;
  runners: RunnerService;
  orchestrator: Orchestrator;
  migrations: MigrationService;
  /** The cloud provider's name and sandbox, for the admin view. */
  cloudInfo(): Promise<{ provider: string; sandbox: string }>;
  users: UserService;
  /** Disabling and deleting accounts with what follows (sockets, links, terminals). */
  accounts: AccountService;
  settings: SettingsService;
  shares: ShareService;
  /** Workspace members (sharing/members.ts). */
  members: MemberService;
  agents: AgentsService;
  /** Per workspace: running terminals, agents waiting, last activity (the home page). */
  activity: WorkspaceActivity;
  mirrors: ScreenMirrors;
  /** Live two-way file mirrors between workspaces (server/mirror). */
  fileMirrors: MirrorService;
  /** Metrics: every call's duration and error code. */
  metrics: { trpcCall(path: string, type: string, seconds: number, errorCode: string | null): void; limitHit(limit: string): void; snapshot(): MetricsSnapshot };
  /** Open /ws connections. */
  socketCount(): number;
  log: Logger;
}

export interface TrpcContext extends TrpcServices {
  /** The signed-in user (session cookie or API token); null for share guests. `session`: the
   * sign-in session of a cookie (none for an API token). */
  user: (AuthUser & { session?: string }) | null;
  /** A share guest (request under `/shared/<id>/api/trpc`, with that share's cookie). */
  guest: GuestPrincipal | null;
  /** Why a request under a share's path has no guest (revoked, expired…). */
  guestDenial: Denial | null;
  /** The peer's address, for the share audit. */
  peer: string;
}

const t = initTRPC.context<TrpcContext>().create({
  errorFormatter({ shape, error }) {
    // Internal errors never show their stack or message to the client.
    if (error.code === 'INTERNAL_SERVER_ERROR') return { ...shape, message: 'Internal error', data: { ...shape.data, stack: undefined } };
    return { ...shape, data: { ...shape.data, stack: undefined } };
  },
});

export const router = t.router;

/**
 * Every procedure is timed, and its failures counted by code. Here, where every procedure
 * passes, our errors (TetherError) become tRPC errors through the one table (trpc/errors.ts):
 * routers let them propagate, a subscription's stream included.
 */
export const publicProcedure = t.procedure.use(async ({ ctx, path, type, next }) => {
  const started = performance.now();
  let result = await next();
  if (!result.ok) result = { ...result, error: translateTrpcError(result.error) };
  else if (type === 'subscription' && isAsyncIterable(result.data)) result = { ...result, data: translatedStream(result.data) };
  ctx.metrics.trpcCall(path, type, (performance.now() - started) / 1000, result.ok ? null : result.error.code);
  if (!result.ok && (result.error.code === 'TOO_MANY_REQUESTS' || result.error.code === 'PAYLOAD_TOO_LARGE')) ctx.metrics.limitHit(path);
  return result;
});

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

export type AuthedContext = TrpcContext & { user: AuthUser & { session?: string } };

/** The caller as the audit trail names them. */
export const actorOf = (user: AuthUser) => ({ id: user.id, name: user.name });

/** Signed-in users only; share guests are told it is not part of what was shared. */
export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (ctx.guest || ctx.guestDenial) throw new TRPCError({ code: 'FORBIDDEN', message: 'This is not part of what was shared with you' });
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
  return next({ ctx: { ...ctx, user: ctx.user } });
});

/** Procedures for admins only; members get FORBIDDEN saying what was refused. */
export function adminOnly(what: string) {
  return authedProcedure.use(({ ctx, next }) => {
    if (ctx.user.role !== 'admin') throw new TRPCError({ code: 'FORBIDDEN', message: `Only an admin can ${what}` });
    return next();
  });
}

/** Whose things a shared procedure acts on, and for whom. */
export interface Access {
  /** The user who owns the workspace (the signed-in user, or the share's owner). A workspace
   * another account shared with the signed-in user is reached through reachWorkspace. */
  ownerId: string;
  guest: GuestPrincipal | null;
  /** A mutation: a `view` guest or a viewer member may make none. */
  mutation: boolean;
}

export type SharedContext = TrpcContext & { access: Access };

/**
 * Procedures a share guest or a workspace member may call too. The one rule for every mutation
 * lives here (guests) and in reachWorkspace (members, whose role depends on the workspace): a
 * `view` guest or a viewer can never change anything. What they may *see* is decided by
 * reachWorkspace and reachSession, which only ever widen to what the share or membership covers.
 */
export const sharedProcedure = publicProcedure.use(({ ctx, type, next }) => {
  if (ctx.guestDenial) throw new TRPCError({ code: 'FORBIDDEN', message: DENIAL_MESSAGES[ctx.guestDenial] });
  const mutation = type === 'mutation';
  if (ctx.guest) {
    if (mutation && ctx.guest.share.scope === 'view') throw new TRPCError({ code: 'FORBIDDEN', message: 'This share link is view-only' });
    return next({ ctx: { ...ctx, access: { ownerId: ctx.guest.share.ownerId, guest: ctx.guest, mutation } satisfies Access } });
  }
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
  return next({ ctx: { ...ctx, access: { ownerId: ctx.user.id, guest: null, mutation } satisfies Access } });
});

/** How the caller reaches a workspace or terminal: as its owner, a share guest, or a member. */
export type ReachedAs = 'owner' | 'guest' | MemberRole;

export interface ReachedWorkspace {
  workspace: Workspace;
  /** Whose it is. */
  ownerId: string;
  as: ReachedAs;
}

const noWorkspace = () => new TRPCError({ code: 'NOT_FOUND', message: 'No such workspace' });

/** The workspace if the caller may reach it: their own, the one a workspace share covers, or one
 * they are a member of. Anything else is NOT_FOUND, the same answer as a workspace that does not
 * exist. A viewer's mutation is refused here (they see the workspace, so FORBIDDEN says why). */
export async function reachWorkspace(ctx: SharedContext, id: string): Promise<ReachedWorkspace> {
  const { guest, ownerId } = ctx.access;
  if (guest) {
    const ws = guest.share.sessionId === null && guest.share.workspaceId === id ? await ctx.workspaces.get(ownerId, id) : null;
    if (!ws) throw noWorkspace();
    return { workspace: ws, ownerId, as: 'guest' };
  }
  const own = await ctx.workspaces.get(ownerId, id);
  if (own) return { workspace: own, ownerId, as: 'owner' };
  const member = await ctx.members.access(ownerId, id);
  if (!member) throw noWorkspace();
  if (ctx.access.mutation && member.role === 'viewer') {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'You are a viewer of this workspace: you can look, not change. Ask its owner to make you an editor.' });
  }
  return { workspace: member.workspace, ownerId: member.ownerId, as: member.role };
}

export async function sharedWorkspace(ctx: SharedContext, id: string): Promise<Workspace> {
  return (await reachWorkspace(ctx, id)).workspace;
}

/** The terminal session if the caller may reach it: their own, one their share covers, or one in
 * a workspace they are a member of. Anything else is NOT_FOUND, the same answer as a session that
 * does not exist. */
export async function reachSession(ctx: SharedContext, sessionId: string): Promise<{ session: TerminalSession; as: ReachedAs }> {
  const { guest, ownerId } = ctx.access;
  const session = ctx.sessions.getForUser(sessionId, ownerId);
  if (session && (!guest || sessionInShare(guest.share, session))) return { session, as: guest ? 'guest' : 'owner' };
  if (!guest) {
    for (const m of await ctx.members.of(ownerId)) {
      const s = ctx.sessions.getForUser(sessionId, m.ownerId);
      if (s && s.info.workspaceId === m.workspace.id) return { session: s, as: m.role };
    }
  }
  throw new TRPCError({ code: 'NOT_FOUND', message: 'No such terminal' });
}

export async function sharedSession(ctx: SharedContext, sessionId: string): Promise<TerminalSession> {
  return (await reachSession(ctx, sessionId)).session;
}

/**
 * A subscription's abort signal, which for a member also fires when they lose the workspace
 * (removed, made a viewer, the workspace or its owner gone): their open streams end then, as
 * their sockets close. `release` when the stream ends.
 */
export function streamSignal(ctx: SharedContext, reached: { workspaceId: string; as: ReachedAs }, signal: AbortSignal | undefined): { signal: AbortSignal; release(): void } {
  const ac = new AbortController();
  const abort = () => ac.abort();
  signal?.addEventListener('abort', abort);
  if (signal?.aborted) ac.abort();
  const member = reached.as === 'viewer' || reached.as === 'editor';
  const untrack = member ? ctx.members.attach(reached.workspaceId, ctx.access.ownerId, abort) : () => {};
  return {
    signal: ac.signal,
    release() {
      untrack();
      signal?.removeEventListener('abort', abort);
    },
  };
}
