/** The signed-in user's settings (lib/shared/settings.ts): read, and change some of them. */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { SettingsPatchSchema } from '../../../lib/shared/settings';
import { authedProcedure, router } from '../init';

/** Names what was wrong ("terminalFontSize: Too big…", "Unknown setting: fontsize"), one sentence per issue. */
function describe(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') return `Unknown setting${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`;
      const where = issue.path.map(String).join('.');
      return where ? `${where}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

export const settingsRouter = router({
  get: authedProcedure.query(async ({ ctx }) => ctx.settings.get(ctx.user.id)),

  /** Changes the keys given, keeps the rest; answers with every setting now in force. */
  update: authedProcedure
    .input((raw: unknown) => {
      const parsed = SettingsPatchSchema.safeParse(raw);
      if (!parsed.success) throw new TRPCError({ code: 'BAD_REQUEST', message: describe(parsed.error) });
      return parsed.data;
    })
    .mutation(async ({ ctx, input }) => ctx.settings.update(ctx.user.id, input)),
});
