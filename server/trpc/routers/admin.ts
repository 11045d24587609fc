/** The operator's live view (admins only): sessions, sockets, bytes, echo, SSH pool, cloud workers, process. */
import { adminOnly, router } from '../init';

const adminProcedure = adminOnly('see the gateway’s figures');

export const adminRouter = router({
  /** Counters are totals since start; the page turns two readings into rates. */
  stats: adminProcedure.query(async ({ ctx }) => {
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage();
    const pool = await ctx.orchestrator.poolStatus();
    return {
      at: Date.now(),
      uptimeSeconds: Math.round(process.uptime()),
      process: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, cpuSeconds: (cpu.user + cpu.system) / 1e6 },
      sessions: { running: ctx.sessions.running, total: ctx.sessions.size },
      sockets: ctx.socketCount(),
      guestsOnline: ctx.shares.guestsOnline(),
      ...ctx.metrics.snapshot(),
      ssh: await Promise.all(ctx.sshPool.health().map(async (h) => ({
        host: h.host,
        port: h.port,
        username: h.username,
        user: (await ctx.users.get(h.userId))?.name ?? null,
        state: h.state,
        connections: h.connections,
        channels: h.channels,
        failures: h.failures,
        lastError: h.lastError,
        nextRetryAt: h.nextRetryAt,
      }))),
      cloud: { warm: pool.warm, warmTarget: pool.warmTarget, starting: pool.starting, assigned: pool.assigned },
    };
  }),
});
