/**
 * The agents view: every terminal of the user across workspaces with a server-derived status
 * (working / waiting / idle / exited) and the last lines of its screen; a stream of changes; and
 * starting a named terminal that runs a command (an agent, a build).
 */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { authedProcedure, router } from '../init';

export const agentsRouter = router({
  // Several gateways: terminals another gateway opened are attached first, so the status (derived
  // from each terminal's output, which every gateway receives from the agent) is the same everywhere.
  list: authedProcedure.query(async ({ ctx }) => {
    await ctx.catchUpTerminals?.(ctx.user.id);
    return ctx.agents.list(ctx.user.id);
  }),

  /** The list at once, then whenever a status, a line or an exit changes (SSE). */
  watch: authedProcedure.subscription(async function* ({ ctx, signal }) {
    await ctx.catchUpTerminals?.(ctx.user.id);
    yield* ctx.agents.watch(ctx.user.id, signal);
  }),

  /** Start `command` (run by the workspace's shell) in a new terminal named `name`. */
  start: authedProcedure
    .input(
      z.object({
        workspaceId: z.string().min(1).max(64),
        command: z.string().trim().min(1).max(8192),
        name: z.string().trim().max(80).default(''),
        cols: z.number().int().min(20).max(1000).default(100),
        rows: z.number().int().min(5).max(1000).default(30),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const ws = await ctx.workspaces.get(ctx.user.id, input.workspaceId);
      if (!ws) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such workspace' });
      const session = await ctx.sessions.create({
        userId: ctx.user.id,
        workspaceId: ws.id,
        runtime: await ctx.runtimes.forWorkspace(ws),
        pty: { cols: input.cols, rows: input.rows, command: input.command },
        name: input.name || input.command.slice(0, 80),
      });
      return { sessionId: session.id };
    }),
});
