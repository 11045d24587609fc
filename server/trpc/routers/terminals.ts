import { z } from 'zod';
import { reachWorkspace, router, sharedProcedure, sharedSession } from '../init';

export const terminalsRouter = router({
  /** Sessions of a workspace (running and recently exited), in creation order. A guest of a
   * terminal share sees only that terminal; of a workspace share or a member, the workspace's. */
  list: sharedProcedure.input(z.object({ workspaceId: z.string().min(1).max(64) })).query(async ({ ctx, input }) => {
    const share = ctx.access.guest?.share;
    if (share && share.sessionId !== null) {
      if (share.workspaceId !== input.workspaceId) return [];
      await ctx.catchUpTerminals?.(share.ownerId, share.workspaceId);
      return ctx.sessions.listForWorkspace(share.ownerId, share.workspaceId).filter((s) => s.id === share.sessionId);
    }
    const { workspace, ownerId } = await reachWorkspace(ctx, input.workspaceId);
    await ctx.catchUpTerminals?.(ownerId, workspace.id);
    return ctx.sessions.listForWorkspace(ownerId, workspace.id);
  }),

  /**
   * A compact picture of the terminal's screen (escape sequences for a blank terminal, plus up to
   * 200 lines of scrollback) and the stream offset it stands for: attach with `resumeFrom: offset`
   * to continue exactly, instead of replaying the whole ring — for phones on slow networks.
   */
  snapshot: sharedProcedure.input(z.object({ sessionId: z.string().min(1).max(64) })).query(async ({ ctx, input }) => {
    return ctx.mirrors.of(await sharedSession(ctx, input.sessionId)).snapshot();
  }),
});
