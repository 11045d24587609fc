import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { createWorkspace } from '../../placements/create-workspace';
import type { PlacementTarget } from '../../placements/placement';
import { removeWorkspace } from '../../operations/remove-workspace';
import { personName } from '../../sharing/members';
import { gitBranch } from '../../workspaces/git-branch';
import { authedProcedure, reachWorkspace, router, sharedProcedure } from '../init';

export const workspacesRouter = router({
  list: authedProcedure.query(async ({ ctx }) => ctx.workspaces.list(ctx.user.id)),

  /**
   * The home page's list: the caller's workspaces with where each runs (the SSH host's pool state,
   * the cloud worker's state — as the gateway knows them, nothing is probed), how many terminals
   * run there, how many wait for input, and the last activity (server/agents/workspace-activity.ts).
   */
  overview: authedProcedure.query(async ({ ctx }) => {
    const list = await ctx.workspaces.list(ctx.user.id);
    const activity = await ctx.activity.summarize(ctx.user.id, list.map((ws) => ws.id));
    const statuses = await Promise.all(list.map((ws) => ctx.placements.of(ws.kind).status(ws, ctx.user.id)));
    return list.map((ws, i) => {
      const { host, pool, worker } = statuses[i]!;
      return {
        ...ws,
        host,
        pool,
        ...(worker !== undefined ? { worker } : {}),
        ...activity.get(ws.id)!,
      };
    });
  }),

  /** One workspace; a guest of a workspace share or a member gets it without where it lives, a
   * member with their role and whose it is (`membership`, null for the owner and guests). */
  get: sharedProcedure.input(z.object({ id: z.string().min(1).max(64) })).query(async ({ ctx, input }) => {
    const { workspace: ws, ownerId, as } = await reachWorkspace(ctx, input.id);
    if (as === 'owner') return { ...ws, membership: null };
    const hidden = { ...ws, root: '', hostId: null, workerId: null };
    if (as === 'guest') return { ...hidden, membership: null };
    const owner = await ctx.users.info(ownerId);
    return { ...hidden, membership: { role: as, owner: owner ? personName(owner) : '' } };
  }),

  /** The git branch the workspace's folder is on (status bar); null when it is not a repository. */
  gitBranch: authedProcedure.input(z.object({ id: z.string().min(1).max(64) })).query(async ({ ctx, input }) => {
    const ws = await ctx.workspaces.get(ctx.user.id, input.id);
    if (!ws) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such workspace' });
    return { branch: await gitBranch(await ctx.runtimes.forWorkspace(ws)) };
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
      const target: PlacementTarget = input.cloud
        ? { kind: 'cloud', size: input.cloud.size }
        : input.hostId !== undefined
          ? { kind: 'ssh', hostId: input.hostId, path: input.root }
          : { kind: 'local', root: input.root };
      return createWorkspace(ctx, ctx.user, input.name, target, { clone: input.cloud?.clone });
    }),

  /**
   * Remove a workspace: its terminals end. A cloud workspace's worker is released, and its files
   * with it; the folder of a local or SSH workspace stays where it is.
   */
  remove: authedProcedure.input(z.object({ id: z.string().min(1).max(64) })).mutation(async ({ ctx, input }) => {
    const ws = await ctx.workspaces.get(ctx.user.id, input.id);
    if (!ws) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such workspace' });
    return removeWorkspace(ctx, ctx.user.id, ws);
  }),
});
