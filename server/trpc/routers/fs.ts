import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { FsEvent } from '../../runtimes/runtime';
import { LIST_MAX_LIMIT } from '../../workspaces/file-service';
import { findFiles, searchText } from '../../workspaces/search';
import { fsErrorToTrpc } from '../errors';
import { authedProcedure, router, type TrpcContext } from '../init';

const WATCH_BATCH_MS = 100;
/** Beyond this many pending events a subscriber is told to reload instead. */
const WATCH_MAX_PENDING = 5000;

const workspaceId = z.string().min(1).max(64);
const relPath = z.string().max(4096);

function runtimeFor(ctx: TrpcContext & { user: { id: string } }, id: string) {
  const ws = ctx.workspaces.get(ctx.user.id, id);
  if (!ws) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such workspace' });
  return ctx.runtimes.forWorkspace(ws).fs;
}

async function guarded<T>(path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw fsErrorToTrpc(err, path);
  }
}

export const fsRouter = router({
  list: authedProcedure
    .input(z.object({ workspaceId, dir: relPath, cursor: z.string().max(16).optional(), limit: z.number().int().min(1).max(LIST_MAX_LIMIT).optional() }))
    .query(({ ctx, input }) => guarded(input.dir, () => ctx.files.list(runtimeFor(ctx, input.workspaceId), input.dir, input.cursor, input.limit))),

  read: authedProcedure
    .input(z.object({ workspaceId, path: relPath }))
    .query(({ ctx, input }) => guarded(input.path, () => ctx.files.read(runtimeFor(ctx, input.workspaceId), input.path))),

  write: authedProcedure
    .input(
      z.object({
        workspaceId,
        path: relPath.min(1),
        content: z.string(),
        expectedVersion: z.string().max(128).nullable(),
        force: z.boolean().optional(),
      }),
    )
    .mutation(({ ctx, input }) =>
      guarded(input.path, () => ctx.files.write(runtimeFor(ctx, input.workspaceId), input.path, input.content, input.expectedVersion, input.force)),
    ),

  create: authedProcedure
    .input(z.object({ workspaceId, path: relPath.min(1), content: z.string().optional() }))
    .mutation(({ ctx, input }) => guarded(input.path, () => ctx.files.create(runtimeFor(ctx, input.workspaceId), input.path, input.content))),

  mkdir: authedProcedure
    .input(z.object({ workspaceId, path: relPath.min(1) }))
    .mutation(({ ctx, input }) => guarded(input.path, async () => void (await runtimeFor(ctx, input.workspaceId).mkdir(input.path)))),

  rename: authedProcedure
    .input(z.object({ workspaceId, from: relPath.min(1), to: relPath.min(1) }))
    .mutation(({ ctx, input }) => guarded(input.to, async () => void (await runtimeFor(ctx, input.workspaceId).rename(input.from, input.to)))),

  delete: authedProcedure
    .input(z.object({ workspaceId, path: relPath.min(1) }))
    .mutation(({ ctx, input }) => guarded(input.path, async () => void (await runtimeFor(ctx, input.workspaceId).rm(input.path)))),

  findFiles: authedProcedure
    .input(z.object({ workspaceId, query: z.string().max(256), limit: z.number().int().min(1).max(200).optional() }))
    .query(({ ctx, input }) => guarded('', () => findFiles(runtimeFor(ctx, input.workspaceId), input.query, input.limit))),

  search: authedProcedure
    .input(
      z.object({
        workspaceId,
        query: z.string().min(1).max(1000),
        regex: z.boolean().optional(),
        caseSensitive: z.boolean().optional(),
        limit: z.number().int().min(1).max(2000).optional(),
      }),
    )
    .query(({ ctx, input }) => guarded('', () => searchText(runtimeFor(ctx, input.workspaceId), input))),

  /** File changes below the workspace root, in batches (SSE). `overflow`: too many to list; reload. */
  watch: authedProcedure.input(z.object({ workspaceId })).subscription(async function* ({ ctx, input, signal }) {
    const fs = runtimeFor(ctx, input.workspaceId);
    let pending: FsEvent[] = [];
    let overflow = false;
    let wake: (() => void) | null = null;
    const sub = fs.watch((events) => {
      if (pending.length + events.length > WATCH_MAX_PENDING) {
        overflow = true;
        pending = [];
      } else pending.push(...events);
      wake?.();
    });
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
    try {
      while (!signal?.aborted) {
        if (pending.length === 0 && !overflow) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            signal?.addEventListener('abort', () => resolve(), { once: true });
          });
          wake = null;
          await sleep(WATCH_BATCH_MS); // gather what follows the first event
        }
        if (signal?.aborted) break;
        const events = dedupe(pending);
        const flagged = overflow;
        pending = [];
        overflow = false;
        if (events.length > 0 || flagged) yield flagged ? { events: [], overflow: true } : { events };
      }
    } finally {
      sub.dispose();
    }
  }),
});

/** Keep the last event per path (an add then change is still an add for a tree). */
function dedupe(events: FsEvent[]): FsEvent[] {
  const byPath = new Map<string, FsEvent>();
  for (const e of events) {
    const prev = byPath.get(e.path);
    byPath.set(e.path, prev && prev.type === 'add' && e.type === 'change' ? prev : e);
  }
  return [...byPath.values()];
}
