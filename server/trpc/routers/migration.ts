/** Moving a workspace between this machine, SSH hosts and cloud workers (server/migration). */
import { z } from 'zod';
import type { MigrationTarget } from '../../migration/migration-service';
import { authedProcedure, router } from '../init';
import { fsErrorToTrpc } from '../errors';

const target = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local') }),
  z.object({ kind: z.literal('ssh'), hostId: z.string().min(1).max(64), path: z.string().max(4096).optional() }),
  z.object({ kind: z.literal('cloud'), size: z.enum(['small', 'medium', 'large']).optional() }),
]);
const move = z.object({ workspaceId: z.string().min(1).max(64), target });

/** A move also fails on files (ENOSPC…): those through the errno table; ours (MigrationError,
 * OrchestratorError…) through the one table either way. */
function mapError(err: unknown): never {
  throw fsErrorToTrpc(err, '');
}

export const migrationRouter = router({
  plan: authedProcedure.input(move).query(async ({ ctx, input }) => ctx.migrations.plan(ctx.user, input.workspaceId, input.target as MigrationTarget).catch(mapError)),

  start: authedProcedure.input(move).mutation(async ({ ctx, input }) => {
    try {
      return ctx.migrations.start(ctx.user, input.workspaceId, input.target as MigrationTarget);
    } catch (err) {
      return mapError(err);
    }
  }),

  /** Every step so far, then live ones, ending with done / failed / cancelled (SSE). */
  progress: authedProcedure.input(z.object({ id: z.string().min(1).max(64) })).subscription(async function* ({ ctx, input, signal }) {
    try {
      yield* ctx.migrations.events(ctx.user.id, input.id, signal);
    } catch (err) {
      if ((err as Error).name === 'AbortError') return;
      mapError(err);
    }
  }),

  cancel: authedProcedure.input(z.object({ id: z.string().min(1).max(64) })).mutation(async ({ ctx, input }) => {
    try {
      ctx.migrations.cancel(ctx.user.id, input.id);
      return { ok: true };
    } catch (err) {
      return mapError(err);
    }
  }),
});
