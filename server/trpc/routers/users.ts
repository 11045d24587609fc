/** Accounts: admins manage everyone's (`users`); everyone manages their own (`account`). */
import { z } from 'zod';
import { MIN_PASSWORD_LENGTH, USERNAME_PATTERN } from '../../auth/users';
import { adminOnly, authedProcedure, router } from '../init';

const adminProcedure = adminOnly('manage accounts');
const id = z.string().min(1).max(64);
const password = z.string().min(MIN_PASSWORD_LENGTH, `passwords need at least ${MIN_PASSWORD_LENGTH} characters`).max(1024);
const role = z.enum(['admin', 'user']);
const fields = {
  displayName: z.string().max(100).nullable().optional(),
  email: z.string().max(254).nullable().optional(),
};

export const usersRouter = router({
  list: adminProcedure.query(({ ctx }) => ctx.users.list()),

  create: adminProcedure
    .input(z.object({ name: z.string().regex(USERNAME_PATTERN, 'user names use letters, digits, ".", "_" or "-" (1–64)'), password, role, ...fields }).strict())
    .mutation(async ({ ctx, input }) => {
      const user = await ctx.users.create(input.name, input.password, input.role, input);
      ctx.log.info('account created', { by: ctx.user.id, userId: user.id, role: user.role });
      return ctx.users.info(user.id)!;
    }),

  update: adminProcedure.input(z.object({ id, ...fields }).strict()).mutation(({ ctx, input }) => ctx.users.update(input.id, input)),

  setRole: adminProcedure.input(z.object({ id, role }).strict()).mutation(({ ctx, input }) => {
    ctx.users.setRole(input.id, input.role);
    ctx.log.info('account role changed', { by: ctx.user.id, userId: input.id, role: input.role });
    return ctx.users.info(input.id)!;
  }),

  /** Disabling closes the account's sockets and ends its share links (auth/accounts.ts). */
  setDisabled: adminProcedure.input(z.object({ id, disabled: z.boolean() }).strict()).mutation(({ ctx, input }) => {
    if (input.disabled) ctx.accounts.disable(input.id);
    else ctx.accounts.enable(input.id);
    return ctx.users.info(input.id)!;
  }),

  resetPassword: adminProcedure.input(z.object({ id, password }).strict()).mutation(async ({ ctx, input }) => {
    await ctx.users.resetPassword(input.id, input.password);
    ctx.log.info('password reset', { by: ctx.user.id, userId: input.id });
    return { ok: true as const };
  }),

  remove: adminProcedure.input(z.object({ id }).strict()).mutation(({ ctx, input }) => ctx.accounts.remove(input.id)),
});

export const accountRouter = router({
  get: authedProcedure.query(({ ctx }) => ctx.users.info(ctx.user.id)!),

  changePassword: authedProcedure.input(z.object({ current: z.string().max(1024), next: password }).strict()).mutation(async ({ ctx, input }) => {
    await ctx.users.changePassword(ctx.user.id, input.current, input.next);
    ctx.log.info('password changed', { userId: ctx.user.id });
    return { ok: true as const };
  }),
});
