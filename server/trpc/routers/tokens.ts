import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { actorOf, authedProcedure, router } from '../init';

export const tokensRouter = router({
  list: authedProcedure.query(async ({ ctx }) => ctx.tokens.list(ctx.user.id)),
  /** The raw token is in this response only; it is stored hashed (and never audited). */
  create: authedProcedure
    .input(z.object({ name: z.string().trim().min(1).max(100) }))
    .mutation(async ({ ctx, input }) => {
      const created = await ctx.tokens.create(ctx.user.id, input.name);
      ctx.audit.record({ action: 'token.created', actor: actorOf(ctx.user), target: `token:${created.info.id}`, detail: { name: input.name }, ip: ctx.peer });
      return created;
    }),
  /** Someone else's token is NOT_FOUND, like one that does not exist (ids cannot be probed). */
  revoke: authedProcedure.input(z.object({ id: z.string().min(1).max(64) })).mutation(async ({ ctx, input }) => {
    if (!await ctx.tokens.revoke(ctx.user.id, input.id)) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such token' });
    ctx.audit.record({ action: 'token.revoked', actor: actorOf(ctx.user), target: `token:${input.id}`, ip: ctx.peer });
    return { revoked: true as const };
  }),
});
