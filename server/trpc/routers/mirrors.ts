/**
 * Live mirrors (server/mirror): the owner lists, creates, pauses, resumes and removes them, reads
 * their conflicts and last transfers, and resolves conflicts. Anyone but the owner gets NOT_FOUND,
 * the same answer as for a mirror that does not exist.
 */
import { z } from 'zod';
import { authedProcedure, router } from '../init';
import { fsErrorToTrpc } from '../errors';

const id = z.string().min(1).max(64);
const relPath = z.string().min(1).max(4096);
const pattern = z.string().min(1).max(256);

function guarded<T>(path: string, fn: () => Promise<T>): Promise<T> {
  return fn().catch((err: unknown) => {
    throw fsErrorToTrpc(err, path);
  });
}

export const mirrorsRouter = router({
  /** The caller's mirrors, or those with `workspaceId` on either side. */
  list: authedProcedure.input(z.object({ workspaceId: id.optional() }).optional()).query(({ ctx, input }) => guarded('', () => ctx.fileMirrors.list(ctx.user.id, input?.workspaceId))),

  create: authedProcedure
    .input(z.object({ workspaceId: id, peerWorkspaceId: id, ignore: z.array(pattern).max(200).optional() }).strict())
    .mutation(({ ctx, input }) => guarded('', () => ctx.fileMirrors.create(ctx.user.id, input))),

  pause: authedProcedure.input(z.object({ id })).mutation(({ ctx, input }) => guarded('', () => ctx.fileMirrors.setPaused(ctx.user.id, input.id, true))),

  resume: authedProcedure.input(z.object({ id })).mutation(({ ctx, input }) => guarded('', () => ctx.fileMirrors.setPaused(ctx.user.id, input.id, false))),

  remove: authedProcedure.input(z.object({ id })).mutation(({ ctx, input }) => guarded('', async () => (await ctx.fileMirrors.remove(ctx.user.id, input.id), { ok: true }))),

  /** Open conflicts with both versions (text when small UTF-8) for a diff. */
  conflicts: authedProcedure.input(z.object({ id })).query(({ ctx, input }) => guarded('', () => ctx.fileMirrors.conflicts(ctx.user.id, input.id))),

  /** Keep side A's version, side B's, or write merged content to both. */
  resolve: authedProcedure
    .input(
      z.object({
        id,
        path: relPath,
        resolution: z.discriminatedUnion('kind', [z.object({ kind: z.literal('keep'), side: z.enum(['a', 'b']) }), z.object({ kind: z.literal('merged'), content: z.string().max(16 * 1024 * 1024) })]),
      }),
    )
    .mutation(({ ctx, input }) =>
      guarded(input.path, async () => {
        const r = input.resolution;
        await ctx.fileMirrors.resolve(ctx.user.id, input.id, input.path, r.kind === 'keep' ? { keep: r.side } : { content: r.content });
        return { ok: true };
      }),
    ),

  /** The last 50 transfers, newest first. */
  transfers: authedProcedure.input(z.object({ id })).query(({ ctx, input }) => guarded('', () => ctx.fileMirrors.transfers(ctx.user.id, input.id))),
});
