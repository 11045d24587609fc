import { z } from 'zod';
import { authedProcedure, router } from '../init';

export const tokensRouter = router({
  list: authedProcedure.query(({ ctx }) => ctx.tokens.list(ctx.user.id)),
  /** The raw token is in this response only; it is stored hashed. */
  create: authedProcedure
    .input(z.object({ name: z.string().trim().min(1).max(100) }))
    .mutation(({ ctx, input }) => ctx.tokens.create(ctx.user.id, input.name)),
  revoke: authedProcedure
    .input(z.object({ id: z.string().min(1).max(64) }))
    .mutation(({ ctx, input }) => ({ revoked: ctx.tokens.revoke(ctx.user.id, input.id) })),
});
