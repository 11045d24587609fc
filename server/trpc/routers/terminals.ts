import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { authedProcedure, router } from '../init';

export const terminalsRouter = router({
  /** Sessions of a workspace (running and recently exited), in creation order. */
  list: authedProcedure.input(z.object({ workspaceId: z.string().min(1).max(64) })).query(({ ctx, input }) => {
    if (!ctx.workspaces.get(ctx.user.id, input.workspaceId)) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such workspace' });
    return ctx.sessions.listForWorkspace(ctx.user.id, input.workspaceId);
  }),
});
