/** Cloud workers for admins: the provider, its sandbox, the warm pool and every live worker. */
import { TRPCError } from '@trpc/server';
import { authedProcedure, router } from '../init';

export const cloudRouter = router({
  pool: authedProcedure.query(async ({ ctx }) => {
    if (ctx.user.role !== 'admin') throw new TRPCError({ code: 'FORBIDDEN', message: 'Only an admin can see the cloud workers' });
    const status = ctx.orchestrator.poolStatus();
    const info = await ctx.cloudInfo();
    return {
      provider: info.provider,
      sandbox: info.sandbox,
      warmTarget: status.warmTarget,
      warm: status.warm,
      starting: status.starting,
      assigned: status.assigned,
      // Never the endpoint: it carries the worker's secret.
      workers: ctx.orchestrator.list().map((w) => ({
        id: w.id,
        userId: w.userId,
        userName: w.userId ? (ctx.users.get(w.userId)?.name ?? null) : null,
        state: w.state,
        size: w.size,
        createdAt: w.createdAt,
        lastUsedAt: w.lastUsedAt,
      })),
    };
  }),
});
