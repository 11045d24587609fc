/** Cloud workers for admins: the provider, its sandbox, the warm pool and every live worker. */
import { adminOnly, router } from '../init';

export const cloudRouter = router({
  pool: adminOnly('see the cloud workers').query(async ({ ctx }) => {
    const status = await ctx.orchestrator.poolStatus();
    const info = await ctx.cloudInfo();
    return {
      provider: info.provider,
      sandbox: info.sandbox,
      warmTarget: status.warmTarget,
      warm: status.warm,
      starting: status.starting,
      assigned: status.assigned,
      // Never the endpoint: it carries the worker's secret.
      workers: await Promise.all((await ctx.orchestrator.list()).map(async (w) => ({
        id: w.id,
        userId: w.userId,
        userName: w.userId ? ((await ctx.users.get(w.userId))?.name ?? null) : null,
        state: w.state,
        size: w.size,
        createdAt: w.createdAt,
        lastUsedAt: w.lastUsedAt,
      }))),
    };
  }),
});
