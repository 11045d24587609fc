/** Accounts: admins manage everyone's (`users`); everyone manages their own (`account`). Every
 * change is recorded in the audit trail (no passwords: only that one was set). */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { AuditAction, AuditDetail } from '../../../lib/shared/audit';
import { MIN_PASSWORD_LENGTH, USERNAME_PATTERN } from '../../auth/users';
import { actorOf, adminOnly, authedProcedure, router, type AuthedContext } from '../init';

const adminProcedure = adminOnly('manage accounts');
const id = z.string().min(1).max(64);
const password = z.string().min(MIN_PASSWORD_LENGTH, `passwords need at least ${MIN_PASSWORD_LENGTH} characters`).max(1024);
const role = z.enum(['admin', 'user']);
const fields = {
  displayName: z.string().max(100).nullable().optional(),
  email: z.string().max(254).nullable().optional(),
};
const roleName = (r: string) => (r === 'admin' ? 'admin' : 'member');

/** Record an account change by the caller, aimed at `user:<name>`. */
function recordOn(ctx: AuthedContext, action: AuditAction, name: string, detail?: AuditDetail): void {
  ctx.audit.record({ action, actor: actorOf(ctx.user), target: `user:${name}`, detail, ip: ctx.peer });
}

export const usersRouter = router({
  list: adminProcedure.query(async ({ ctx }) => ctx.users.list()),

  create: adminProcedure
    .input(z.object({ name: z.string().regex(USERNAME_PATTERN, 'user names use letters, digits, ".", "_" or "-" (1–64)'), password, role, ...fields }).strict())
    .mutation(async ({ ctx, input }) => {
      const user = await ctx.users.create(input.name, input.password, input.role, input);
      ctx.log.info('account created', { by: ctx.user.id, userId: user.id, role: user.role });
      recordOn(ctx, 'user.created', user.name, { role: roleName(user.role) });
      return ctx.users.info(user.id)!;
    }),

  update: adminProcedure.input(z.object({ id, ...fields }).strict()).mutation(async ({ ctx, input }) => {
    const info = await ctx.users.update(input.id, input);
    recordOn(ctx, 'user.updated', info.name, { fields: Object.keys(input).filter((k) => k !== 'id').join(',') });
    return info;
  }),

  setRole: adminProcedure.input(z.object({ id, role }).strict()).mutation(async ({ ctx, input }) => {
    const before = (await ctx.users.info(input.id))?.role;
    await ctx.users.setRole(input.id, input.role);
    ctx.log.info('account role changed', { by: ctx.user.id, userId: input.id, role: input.role });
    const info = (await ctx.users.info(input.id))!;
    if (before !== input.role) recordOn(ctx, 'user.role-changed', info.name, { from: roleName(before ?? ''), to: roleName(input.role) });
    return info;
  }),

  /** Disabling closes the account's sockets and ends its share links (auth/accounts.ts). */
  setDisabled: adminProcedure.input(z.object({ id, disabled: z.boolean() }).strict()).mutation(async ({ ctx, input }) => {
    const wasDisabled = (await ctx.users.info(input.id))?.disabledAt != null;
    if (input.disabled) await ctx.accounts.disable(input.id);
    else await ctx.accounts.enable(input.id);
    const info = (await ctx.users.info(input.id))!;
    if (wasDisabled !== input.disabled) recordOn(ctx, input.disabled ? 'user.disabled' : 'user.enabled', info.name);
    return info;
  }),

  resetPassword: adminProcedure.input(z.object({ id, password }).strict()).mutation(async ({ ctx, input }) => {
    await ctx.users.resetPassword(input.id, input.password);
    ctx.log.info('password reset', { by: ctx.user.id, userId: input.id });
    recordOn(ctx, 'user.password-reset', (await ctx.users.get(input.id))!.name);
    return { ok: true as const };
  }),

  /** Where an account is signed in (live sign-in sessions, newest first). */
  sessions: adminProcedure.input(z.object({ id }).strict()).query(async ({ ctx, input }) => {
    if (!await ctx.users.get(input.id)) throw new TRPCError({ code: 'NOT_FOUND', message: 'no such user' });
    return ctx.signIns.live(input.id);
  }),

  /** Sign an account out everywhere (one session, or all): cookies refused, sockets closed (4401). */
  revokeSessions: adminProcedure.input(z.object({ id, session: z.string().min(1).max(64).optional() }).strict()).mutation(async ({ ctx, input }) => {
    const user = await ctx.users.get(input.id);
    if (!user) throw new TRPCError({ code: 'NOT_FOUND', message: 'no such user' });
    const ids = input.session ? (await ctx.signIns.revoke(user.id, input.session) ? [input.session] : []) : await ctx.signIns.revokeOthers(user.id, undefined);
    if (input.session && ids.length === 0) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such session' });
    for (const sid of ids) {
      ctx.closeSignInSockets(sid, 'session revoked');
      recordOn(ctx, 'auth.session-revoked', user.name, { session: sid });
    }
    return { revoked: ids.length };
  }),

  remove: adminProcedure.input(z.object({ id }).strict()).mutation(async ({ ctx, input }) => {
    const name = (await ctx.users.get(input.id))?.name;
    const removed = await ctx.accounts.remove(input.id);
    recordOn(ctx, 'user.deleted', name ?? input.id, { workspaces: removed.workspaces, terminalsEnded: removed.terminalsEnded });
    return removed;
  }),
});

export const accountRouter = router({
  get: authedProcedure.query(async ({ ctx }) => ctx.users.info(ctx.user.id)!),

  changePassword: authedProcedure.input(z.object({ current: z.string().max(1024), next: password }).strict()).mutation(async ({ ctx, input }) => {
    await ctx.users.changePassword(ctx.user.id, input.current, input.next);
    ctx.log.info('password changed', { userId: ctx.user.id });
    recordOn(ctx, 'user.password-changed', ctx.user.name);
    return { ok: true as const };
  }),

  /** Where the caller is signed in (live sessions, newest first); `current` marks this one. */
  sessions: authedProcedure.query(async ({ ctx }) => (await ctx.signIns.live(ctx.user.id)).map((s) => ({ ...s, current: s.id === ctx.user.session }))),

  /** End one of the caller's sessions (its sockets close at once), or every one but this. */
  revokeSession: authedProcedure
    .input(z.union([z.object({ id: z.string().min(1).max(64) }).strict(), z.object({ others: z.literal(true) }).strict()]))
    .mutation(async ({ ctx, input }) => {
      const ids = 'id' in input ? (await ctx.signIns.revoke(ctx.user.id, input.id) ? [input.id] : []) : await ctx.signIns.revokeOthers(ctx.user.id, ctx.user.session);
      if ('id' in input && ids.length === 0) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such session' });
      for (const sid of ids) {
        ctx.closeSignInSockets(sid, 'session revoked');
        recordOn(ctx, 'auth.session-revoked', ctx.user.name, { session: sid, current: sid === ctx.user.session });
      }
      return { revoked: ids.length };
    }),
});
