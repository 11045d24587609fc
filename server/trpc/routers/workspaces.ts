import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { prepareRemoteRoot } from '../../runtimes/ssh/ssh-runtime';
import { WorkspaceError } from '../../workspaces/workspace-service';
import { fsErrorToTrpc } from '../errors';
import { authedProcedure, router } from '../init';

const WORKSPACE_ERROR_CODES = { conflict: 'CONFLICT', bad_request: 'BAD_REQUEST', not_found: 'NOT_FOUND' } as const;

export const workspacesRouter = router({
  list: authedProcedure.query(({ ctx }) => ctx.workspaces.list(ctx.user.id)),

  get: authedProcedure.input(z.object({ id: z.string().min(1).max(64) })).query(({ ctx, input }) => {
    const ws = ctx.workspaces.get(ctx.user.id, input.id);
    if (!ws) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such workspace' });
    return ws;
  }),

  /** A local workspace, or with `hostId` one in a folder on that SSH host (created if missing;
   * default `~/tether/<name>`). */
  create: authedProcedure
    .input(z.object({ name: z.string().min(1).max(64), root: z.string().max(4096).optional(), hostId: z.string().min(1).max(64).optional() }))
    .mutation(async ({ ctx, input }) => {
      if (input.hostId === undefined && input.root !== undefined && ctx.user.role !== 'admin') {
        throw new TRPCError({ code: 'FORBIDDEN', message: 'Only an admin can place a workspace at a custom path' });
      }
      try {
        if (input.hostId !== undefined) {
          const host = ctx.hosts.get(ctx.user.id, input.hostId);
          if (!host) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such host' });
          ctx.workspaces.checkName(ctx.user.id, input.name);
          const root = await prepareRemoteRoot(ctx.sshPool, ctx.hosts.poolTarget(host), input.root?.trim() || `~/tether/${input.name}`).catch((err) => {
            throw fsErrorToTrpc(err, input.root ?? '');
          });
          return ctx.workspaces.createOnHost(ctx.user.id, input.name, host.id, root);
        }
        return await ctx.workspaces.create(ctx.user.id, input.name, input.root);
      } catch (err) {
        if (err instanceof WorkspaceError) throw new TRPCError({ code: WORKSPACE_ERROR_CODES[err.code], message: err.message });
        throw err;
      }
    }),
});
