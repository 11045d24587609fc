/**
 * Workspace members (server/sharing/members.ts): the owner lists, adds, re-roles and removes the
 * accounts a workspace is shared with; everyone lists what is shared with them (`sharedWithMe`).
 * Only the owner manages members: anyone else, a member included, gets NOT_FOUND, the same answer
 * as for a workspace that does not exist. Every change is in the audit trail.
 */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { MEMBER_ROLES, personName, type MemberInfo, type MemberRole } from '../../sharing/members';
import { authedProcedure, router, type AuthedContext } from '../init';

const id = z.string().min(1).max(64);
const role = z.enum(MEMBER_ROLES as [MemberRole, ...MemberRole[]]);

async function ownWorkspace(ctx: AuthedContext, workspaceId: string) {
  const ws = await ctx.workspaces.get(ctx.user.id, workspaceId);
  if (!ws) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such workspace' });
  return ws;
}

function record(ctx: AuthedContext, action: 'member.added' | 'member.changed' | 'member.removed', workspace: { id: string; name: string }, member: MemberInfo, extra: Record<string, string> = {}) {
  ctx.audit.record({
    action,
    actor: { id: ctx.user.id, name: ctx.user.name },
    target: `workspace:${workspace.id}`,
    detail: { workspace: workspace.name, member: member.name, memberName: personName(member), role: member.role, ...extra },
    ip: ctx.peer,
  });
}

export const membersRouter = router({
  list: authedProcedure.input(z.object({ workspaceId: id })).query(async ({ ctx, input }) => ctx.members.list((await ownWorkspace(ctx, input.workspaceId)).id)),

  /** Add an existing, enabled account by username or email. */
  add: authedProcedure
    .input(z.object({ workspaceId: id, who: z.string().trim().min(1, 'Enter a username or email').max(254), role }).strict())
    .mutation(async ({ ctx, input }) => {
      const ws = await ownWorkspace(ctx, input.workspaceId);
      const member = await ctx.members.add(ctx.user.id, ws.id, input.who, input.role);
      record(ctx, 'member.added', ws, member);
      return member;
    }),

  /** A change down to viewer closes the member's sockets on the workspace at once. */
  setRole: authedProcedure.input(z.object({ workspaceId: id, userId: id, role }).strict()).mutation(async ({ ctx, input }) => {
    const ws = await ownWorkspace(ctx, input.workspaceId);
    const { member, from } = await ctx.members.setRole(ws.id, input.userId, input.role);
    if (from !== member.role) record(ctx, 'member.changed', ws, member, { from });
    return member;
  }),

  /** The member's sockets on the workspace close at once (4403, "removed"). */
  remove: authedProcedure.input(z.object({ workspaceId: id, userId: id }).strict()).mutation(async ({ ctx, input }) => {
    const ws = await ownWorkspace(ctx, input.workspaceId);
    const member = await ctx.members.remove(ws.id, input.userId);
    record(ctx, 'member.removed', ws, member);
    return { removed: true as const };
  }),

  /** Workspaces other accounts shared with the caller (the home page's "Shared with you"). */
  sharedWithMe: authedProcedure.query(async ({ ctx }) => ctx.members.of(ctx.user.id)),
});
