/** The audit trail, for admins: newest first, filtered by area or action, by who, by time; paged
 * by id (`before`: the `next` of the previous page). */
import { z } from 'zod';
import { AUDIT_ACTIONS, AUDIT_AREAS } from '../../../lib/shared/audit';
import { MAX_AUDIT_PAGE } from '../../audit/audit-log';
import { adminOnly, router } from '../init';

const time = z.number().int().min(0).max(8.64e15);

export const auditRouter = router({
  list: adminOnly('read the audit trail')
    .input(
      z
        .object({
          /** An area (`auth`) or an exact action (`auth.sign-in`). */
          action: z.enum([...AUDIT_ACTIONS, ...AUDIT_AREAS]).optional(),
          /** An account's name or id, or a target such as `user:alice`. */
          who: z.string().trim().min(1).max(200).optional(),
          since: time.optional(),
          until: time.optional(),
          before: z.number().int().min(1).optional(),
          limit: z.number().int().min(1).max(MAX_AUDIT_PAGE).default(50),
        })
        .strict()
        .default({ limit: 50 }),
    )
    .query(async ({ ctx, input }) => {
      // One more than asked says whether there is an older page.
      const rows = await ctx.audit.list({ ...input, limit: Math.min(input.limit + 1, MAX_AUDIT_PAGE) });
      const more = rows.length > input.limit;
      const events = rows.slice(0, input.limit);
      return { events, next: more ? events.at(-1)!.id : null };
    }),
});
