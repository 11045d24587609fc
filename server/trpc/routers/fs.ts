import { z } from 'zod';
import type { FsEvent } from '../../runtimes/runtime';
import { LIST_MAX_LIMIT } from '../../workspaces/file-service';
import { findFiles, searchText } from '../../workspaces/search';
import { fsErrorToTrpc } from '../errors';
import { reachWorkspace, router, sharedProcedure, sharedWorkspace, streamSignal, type SharedContext } from '../init';

const WATCH_BATCH_MS = 100;
/** Beyond this many pending events a subscriber is told to reload instead. */
const WATCH_MAX_PENDING = 5000;

const workspaceId = z.string().min(1).max(64);
const relPath = z.string().max(4096);

/** Files are reachable by the owner and by guests of a workspace share (read-only for `view`). */
async function workspaceRuntime(ctx: SharedContext, id: string) {
  return ctx.runtimes.forWorkspace(await sharedWorkspace(ctx, id));
}

const runtimeFor = async (ctx: SharedContext, id: string) => (await workspaceRuntime(ctx, id)).fs;

async function guarded<T>(path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw fsErrorToTrpc(err, path);
  }
}

export const fsRouter = router({
  list: sharedProcedure
    .input(z.object({ workspaceId, dir: relPath, cursor: z.string().max(16).optional(), limit: z.number().int().min(1).max(LIST_MAX_LIMIT).optional() }))
    .query(async ({ ctx, input }) => guarded(input.dir, async () => ctx.files.list(await runtimeFor(ctx, input.workspaceId), input.dir, input.cursor, input.limit))),

  read: sharedProcedure
    .input(z.object({ workspaceId, path: relPath }))
    .query(async ({ ctx, input }) => guarded(input.path, async () => ctx.files.read(await runtimeFor(ctx, input.workspaceId), input.path))),

  write: sharedProcedure
    .input(
      z.object({
        workspaceId,
        path: relPath.min(1),
        content: z.string(),
        expectedVersion: z.string().max(128).nullable(),
        force: z.boolean().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) =>
      guarded(input.path, async () => {
        const saved = await ctx.files.write(await runtimeFor(ctx, input.workspaceId), input.path, input.content, input.expectedVersion, input.force);
        ctx.activity.touch(input.workspaceId); // the home page's "last activity"
        return saved;
      }),
    ),

  create: sharedProcedure
    .input(z.object({ workspaceId, path: relPath.min(1), content: z.string().optional() }))
    .mutation(async ({ ctx, input }) => guarded(input.path, async () => ctx.files.create(await runtimeFor(ctx, input.workspaceId), input.path, input.content))),

  mkdir: sharedProcedure
    .input(z.object({ workspaceId, path: relPath.min(1) }))
    .mutation(async ({ ctx, input }) => guarded(input.path, async () => void (await (await runtimeFor(ctx, input.workspaceId)).mkdir(input.path)))),

  rename: sharedProcedure
    .input(z.object({ workspaceId, from: relPath.min(1), to: relPath.min(1) }))
    .mutation(async ({ ctx, input }) => guarded(input.to, async () => void (await (await runtimeFor(ctx, input.workspaceId)).rename(input.from, input.to)))),

  delete: sharedProcedure
    .input(z.object({ workspaceId, path: relPath.min(1) }))
    .mutation(async ({ ctx, input }) => guarded(input.path, async () => void (await (await runtimeFor(ctx, input.workspaceId)).rm(input.path)))),

  findFiles: sharedProcedure
    .input(z.object({ workspaceId, query: z.string().max(256), limit: z.number().int().min(1).max(200).optional() }))
    .query(async ({ ctx, input }) => guarded('', async () => findFiles(await runtimeFor(ctx, input.workspaceId), input.query, input.limit))),

  search: sharedProcedure
    .input(
      z.object({
        workspaceId,
        query: z.string().min(1).max(1000),
        regex: z.boolean().optional(),
        caseSensitive: z.boolean().optional(),
        limit: z.number().int().min(1).max(2000).optional(),
      }),
    )
    .query(async ({ ctx, input }) => guarded('', async () => searchText(await workspaceRuntime(ctx, input.workspaceId), input))),

  /**
   * File changes below the workspace root (SSE). The first change after a quiet spell is sent at
   * once; what follows within WATCH_BATCH_MS is batched. `overflow`: too many to list — reload.
   */
  watch: sharedProcedure.input(z.object({ workspaceId })).subscription(async function* ({ ctx, input, signal: request }) {
    const reached = await reachWorkspace(ctx, input.workspaceId);
    const fs = (await ctx.runtimes.forWorkspace(reached.workspace)).fs;
    const stream = streamSignal(ctx, { workspaceId: reached.workspace.id, as: reached.as }, request);
    const signal = stream.signal;
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
    const onAbort = () => wake?.();
    signal?.addEventListener('abort', onAbort);
    /** Resolves on the next event, on abort, or after `ms`. */
    const wait = (ms?: number) =>
      new Promise<void>((resolve) => {
        const timer = ms === undefined ? undefined : setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }).finally(() => (wake = null));
    let lastSent = 0;
    try {
      while (!signal?.aborted) {
        if (pending.length === 0 && !overflow) await wait();
        if (signal?.aborted) break;
        // Leading edge: send now if nothing went out recently; otherwise let the batch fill.
        const holdFor = lastSent + WATCH_BATCH_MS - Date.now();
        if (holdFor > 0) {
          const deadline = Date.now() + holdFor;
          while (Date.now() < deadline && !signal?.aborted) await wait(deadline - Date.now());
        }
        if (signal?.aborted) break;
        const events = dedupe(pending);
        const flagged = overflow;
        pending = [];
        overflow = false;
        lastSent = Date.now();
        if (events.length > 0 || flagged) yield flagged ? { events: [], overflow: true } : { events };
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      sub.dispose();
      stream.release();
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
