import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { OrchestratorError } from '../../cloud/orchestrator';
import type { WorkerSize } from '../../cloud/provider';
import { prepareRemoteRoot } from '../../runtimes/ssh/ssh-runtime';
import { CloneError, cloneInto } from '../../workspaces/clone';
import { WorkspaceError } from '../../workspaces/workspace-service';
import { fsErrorToTrpc } from '../errors';
import { authedProcedure, router, sharedProcedure, sharedWorkspace, type AuthedContext } from '../init';

const WORKSPACE_ERROR_CODES = { conflict: 'CONFLICT', bad_request: 'BAD_REQUEST', not_found: 'NOT_FOUND' } as const;

/** Acquire a worker, clone into it if asked, record the workspace; the worker is released on failure. */
async function createCloudWorkspace(ctx: AuthedContext, name: string, cloud: { size: WorkerSize; clone?: string }) {
  try {
    ctx.workspaces.checkName(ctx.user.id, name);
  } catch (err) {
    if (err instanceof WorkspaceError) throw new TRPCError({ code: WORKSPACE_ERROR_CODES[err.code], message: err.message });
    throw err;
  }
  let worker;
  try {
    worker = await ctx.orchestrator.acquire(ctx.user.id, cloud.size);
  } catch (err) {
    if (err instanceof OrchestratorError) throw new TRPCError({ code: err.code === 'limit' ? 'TOO_MANY_REQUESTS' : 'SERVICE_UNAVAILABLE', message: err.message });
    throw err;
  }
  try {
    const ws = ctx.workspaces.createOnWorker(ctx.user.id, name, worker.id);
    if (cloud.clone?.trim()) await cloneInto(ctx.runtimes.forWorkspace(ws), cloud.clone, { allowLocalPath: ctx.user.role === 'admin' }).catch(async (err) => {
      ctx.workspaces.remove(ctx.user.id, ws.id);
      throw err;
    });
    return ws;
  } catch (err) {
    await ctx.orchestrator.release(worker.id).catch(() => {});
    if (err instanceof CloneError) throw new TRPCError({ code: 'BAD_REQUEST', message: err.message });
    if (err instanceof WorkspaceError) throw new TRPCError({ code: WORKSPACE_ERROR_CODES[err.code], message: err.message });
    throw err;
  }
}

export const workspacesRouter = router({
  list: authedProcedure.query(({ ctx }) => ctx.workspaces.list(ctx.user.id)),

  /** One workspace; a guest of a workspace share gets it without where it lives. */
  get: sharedProcedure.input(z.object({ id: z.string().min(1).max(64) })).query(({ ctx, input }) => {
    const ws = sharedWorkspace(ctx, input.id);
    return ctx.access.guest ? { ...ws, root: '', hostId: null, workerId: null } : ws;
  }),

  /** A local workspace, or with `hostId` one in a folder on that SSH host (created if missing;
   * default `~/tether/<name>`). */
  create: authedProcedure
    .input(
      z
        .object({
          name: z.string().min(1).max(64),
          root: z.string().max(4096).optional(),
          hostId: z.string().min(1).max(64).optional(),
          cloud: z.object({ size: z.enum(['small', 'medium', 'large']).default('small'), clone: z.string().max(4096).optional() }).optional(),
        })
        .refine((o) => !(o.cloud && (o.hostId || o.root)), { message: 'a cloud workspace takes neither a host nor a folder' }),
    )
    .mutation(async ({ ctx, input }) => {
      if (input.cloud) return createCloudWorkspace(ctx, input.name, input.cloud);
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

  /**
   * Remove a workspace: its terminals end. A cloud workspace's worker is released, and its files
   * with it; the folder of a local or SSH workspace stays where it is.
   */
  remove: authedProcedure.input(z.object({ id: z.string().min(1).max(64) })).mutation(async ({ ctx, input }) => {
    const ws = ctx.workspaces.get(ctx.user.id, input.id);
    if (!ws) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such workspace' });
    // Its share links stop working first, so no guest watches the terminals end.
    ctx.shares.revokeWorkspace(ctx.user.id, ws.id);
    const ended = await ctx.sessions.forgetWorkspace(ctx.user.id, ws.id);
    await ctx.runtimes.drop(ws.id);
    ctx.workspaces.remove(ctx.user.id, ws.id);
    if (ws.workerId) await ctx.orchestrator.release(ws.workerId);
    return { terminalsEnded: ended, filesDeleted: ws.kind === 'cloud' };
  }),
});
