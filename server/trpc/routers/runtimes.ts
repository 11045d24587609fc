/** Health of the places workspaces run: the SSH pool's hosts, and one workspace's runtime. */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { authedProcedure, router } from '../init';

export const runtimesRouter = router({
  /** Pool state of the user's SSH hosts (connections, channels, failures, backoff). */
  health: authedProcedure.query(async ({ ctx }) => {
    const names = new Map((await ctx.hosts.list(ctx.user.id)).map((h) => [`${h.target.username}@${h.target.host}:${h.target.port}`, h.name]));
    return ctx.sshPool.health(ctx.user.id).map(({ userId: _u, key: _k, ...h }) => ({ ...h, name: names.get(`${h.username}@${h.host}:${h.port}`) ?? null }));
  }),

  /** Whether a workspace's runtime answers now, with the pool state when it is on an SSH host. */
  workspace: authedProcedure.input(z.object({ id: z.string().min(1).max(64) })).query(async ({ ctx, input }) => {
    const ws = await ctx.workspaces.get(ctx.user.id, input.id);
    if (!ws) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such workspace' });
    let health;
    try {
      health = await (await ctx.runtimes.forWorkspace(ws)).health();
    } catch (err) {
      health = { ok: false, detail: (err as Error).message };
    }
    const { worker, host, pool } = await ctx.placements.of(ws.kind).status(ws, ctx.user.id);
    return {
      ...(worker !== undefined ? { worker } : {}),
      kind: ws.kind,
      ok: health.ok,
      detail: health.detail ?? null,
      host,
      pool,
    };
  }),
});
