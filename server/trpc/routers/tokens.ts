import { z } from 'zod';
import { actorOf, authedProcedure, router } from '../init';

export const tokensRouter = router({
  list: authedProcedure.query(({ ctx }) => ctx.tokens.list(ctx.user.id)),
  /** The raw token is in this response only; it is stored hashed (and never audited). */
  create: authedProcedure
    .input(z.object({ name: z.string().trim().min(1).max(100) }))
    .mutation(({ ctx, input }) => {
      const created = ctx.tokens.create(ctx.user.id, input.name);
      ctx.audit.record({ action: 'token.created', actor: actorOf(ctx.user), target: `token:${created.info.id}`, detail: { name: input.name }, ip: ctx.peer });
      return created;
    }),
  revoke: authedProcedure
    .input(z.object({ id: z.string().min(1).max(64) }))
    .mutation(({ ctx, input }) => {
      const revoked = ctx.tokens.revoke(ctx.user.id, input.id);
      if (revoked) ctx.audit.record({ action: 'token.revoked', actor: actorOf(ctx.user), target: `token:${input.id}`, ip: ctx.peer });
      return { revoked };
    }),
});
