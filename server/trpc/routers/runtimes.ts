/** Health of the places workspaces run: the SSH pool's hosts, and one workspace's runtime. */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { authedProcedure, router } from '../init';

export const runtimesRouter = router({
  /** Pool state of the user's SSH hosts (connections, channels, failures, backoff). */
  health: authedProcedure.query(({ ctx }) => {
    const names = new Map(ctx.hosts.list(ctx.user.id).map((h) => [`${h.target.username}@${h.target.host}:${h.target.port}`, h.name]));
    return ctx.sshPool.health(ctx.user.id).map(({ userId: _u, key: _k, ...h }) => ({ ...h, name: names.get(`${h.username}@${h.host}:${h.port}`) ?? null }));
  }),

  /** Whether a workspace's runtime answers now, with the pool state when it is on an SSH host. */
  workspace: authedProcedure.input(z.object({ id: z.string().min(1).max(64) })).query(async ({ ctx, input }) => {
    const ws = ctx.workspaces.get(ctx.user.id, input.id);
    if (!ws) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such workspace' });
    const host = ws.hostId ? ctx.hosts.get(ctx.user.id, ws.hostId) : null;
    let health;
    try {
      health = await ctx.runtimes.forWorkspace(ws).health();
    } catch (err) {
      health = { ok: false, detail: (err as Error).message };
    }
    const pool = host ? ctx.sshPool.healthOf(ctx.user.id, host.target) : null;
    const worker = ws.workerId ? ctx.orchestrator.get(ws.workerId) : null;
    return {
      ...(ws.kind === 'cloud' ? { worker: worker ? { id: worker.id, state: worker.state, size: worker.size } : null } : {}),
      kind: ws.kind,
      ok: health.ok,
      detail: health.detail ?? null,
      host: host ? { id: host.id, name: host.name } : null,
      pool: pool ? { state: pool.state, connections: pool.connections, channels: pool.channels, failures: pool.failures, nextRetryAt: pool.nextRetryAt, connectMs: pool.connectMs, lastError: pool.lastError } : null,
    };
  }),
});
