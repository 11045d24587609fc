/**
 * Share links (server/sharing/share-service.ts): the owner creates, lists, revokes and audits
 * them and kicks guests; a guest asks what they were given (`whoami`); both watch who is attached
 * to a terminal (`presence`).
 */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { guestParticipant } from '../../sharing/guest-access';
import { memberParticipant } from '../../sharing/member-access';
import { SHARE_LINK_PREFIX } from '../../sharing/share-routes';
import { authedProcedure, reachSession, router, sharedProcedure, streamSignal } from '../init';

/** Expiry choices offered to owners (ms; null = until revoked). */
export const SHARE_EXPIRY = {
  '15m': 15 * 60_000,
  '1h': 3600_000,
  '8h': 8 * 3600_000,
  '24h': 24 * 3600_000,
  '7d': 7 * 24 * 3600_000,
  never: null,
} as const;

const id = z.string().min(1).max(64);

const memberParticipantId = (userId: string) => memberParticipant(userId, '', 'viewer').id;

export const sharesRouter = router({
  /** A new link; the raw token is in this answer only. */
  create: authedProcedure
    .input(
      z.object({
        workspaceId: id,
        /** Share this terminal only; omit to share the whole workspace. */
        sessionId: id.optional(),
        scope: z.enum(['view', 'drive']),
        expiresIn: z.enum(Object.keys(SHARE_EXPIRY) as [keyof typeof SHARE_EXPIRY]).default('24h'),
        label: z.string().trim().max(80).default(''),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const ws = await ctx.workspaces.get(ctx.user.id, input.workspaceId);
      if (!ws) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such workspace' });
      if (input.sessionId !== undefined) {
        const session = ctx.sessions.getForUser(input.sessionId, ctx.user.id);
        if (!session || session.info.workspaceId !== ws.id) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such terminal' });
        if (!session.running) throw new TRPCError({ code: 'BAD_REQUEST', message: 'That terminal has ended; share a running one' });
      }
      const { share, token } = await ctx.shares.create(
        ctx.user.id,
        { workspaceId: ws.id, sessionId: input.sessionId ?? null, scope: input.scope, label: input.label, expiresInMs: SHARE_EXPIRY[input.expiresIn] },
        ctx.peer,
      );
      return { ...share, path: `${SHARE_LINK_PREFIX}${token}` };
    }),

  list: authedProcedure.input(z.object({ workspaceId: id.optional() }).default({})).query(async ({ ctx, input }) => {
    const names = new Map((await ctx.workspaces.list(ctx.user.id)).map((w) => [w.id, w.name]));
    return (await ctx.shares.list(ctx.user.id, input)).map((s) => {
      const session = s.sessionId ? ctx.sessions.getForUser(s.sessionId, ctx.user.id) : null;
      return {
        ...s,
        workspaceName: names.get(s.workspaceId) ?? null,
        session: s.sessionId ? (session ? { title: session.title || session.info.command, running: session.running } : null) : undefined,
      };
    });
  }),

  revoke: authedProcedure.input(z.object({ id })).mutation(async ({ ctx, input }) => {
    if (!await ctx.shares.revoke(ctx.user.id, input.id)) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such share link' });
    return { revoked: true };
  }),

  /** Remove one guest now (their cookie stops working; the link stays unless revoked). */
  kick: authedProcedure.input(z.object({ shareId: id, guestId: id })).mutation(async ({ ctx, input }) => {
    if (!await ctx.shares.kick(ctx.user.id, input.shareId, input.guestId)) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such guest' });
    return { kicked: true };
  }),

  /** Created, joined (with IP), kicked, revoked, expired — newest first. */
  audit: authedProcedure
    .input(z.object({ shareId: id.optional(), limit: z.number().int().min(1).max(1000).optional() }).default({}))
    .query(async ({ ctx, input }) => ctx.shares.audit(ctx.user.id, input)),

  /** What a guest was given; null for a signed-in user. */
  whoami: sharedProcedure.query(async ({ ctx }) => {
    const g = ctx.access.guest;
    if (!g) return null;
    const ws = await ctx.workspaces.get(g.share.ownerId, g.share.workspaceId);
    return {
      shareId: g.share.id,
      kind: g.share.sessionId === null ? ('workspace' as const) : ('terminal' as const),
      scope: g.share.scope,
      label: g.share.label,
      expiresAt: g.share.expiresAt,
      workspace: ws ? { id: ws.id, name: ws.name } : null,
      sessionId: g.share.sessionId,
      owner: (await ctx.users.get(g.share.ownerId))?.name ?? null,
      guest: { id: g.guest.id, name: g.guest.name },
    };
  }),

  /**
   * Who is attached to a terminal, and who is typing: sent at once, then on every change. The
   * owner sees guests' ids (to kick them); guests and members see names only.
   */
  presence: sharedProcedure.input(z.object({ sessionId: id })).subscription(async function* ({ ctx, input, signal: request }) {
    const { session, as } = await reachSession(ctx, input.sessionId);
    const stream = streamSignal(ctx, { workspaceId: session.info.workspaceId, as }, request);
    const signal = stream.signal;
    const me = ctx.access.guest ? guestParticipant(ctx.access.guest).id : as === 'owner' ? `owner:${ctx.access.ownerId}` : memberParticipantId(ctx.access.ownerId);
    const isOwner = as === 'owner';
    let dirty = true;
    let wake: (() => void) | null = null;
    const off = ctx.presence.onChange(session, () => {
      dirty = true;
      wake?.();
    });
    const onAbort = () => wake?.();
    signal?.addEventListener('abort', onAbort);
    try {
      while (!signal?.aborted) {
        if (!dirty) await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        if (signal?.aborted) break;
        dirty = false;
        yield {
          participants: ctx.presence.of(session).map((p) => ({
            id: p.id,
            name: p.name,
            role: p.role,
            scope: p.scope,
            typing: p.typing,
            you: p.id === me,
            ...(isOwner && p.guestId ? { guestId: p.guestId, shareId: p.shareId } : {}),
          })),
        };
      }
    } finally {
      off();
      signal.removeEventListener('abort', onAbort);
      stream.release();
    }
  }),
});
