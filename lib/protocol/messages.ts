/**
 * JSON payload schemas, parsed once at the socket edge. Every schema is strict about types and
 * bounded in size so a hostile peer cannot make the other side allocate without limit.
 */
import { z } from 'zod';
import { PROTOCOL_VERSION } from './ops';

const dimension = z.number().int().min(1).max(1000);
/** Session ids are opaque url-safe strings minted by the server. */
export const sessionIdSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/);

/** c→s HELLO. */
export const helloSchema = z.object({ v: z.number().int() }).strict();
export type Hello = z.infer<typeof helloSchema>;

/** c→s OPEN: exactly one of `session` (attach) or `workspace` (create). */
export const openRequestSchema = z
  .object({
    session: sessionIdSchema.optional(),
    workspace: z.string().min(1).max(64).optional(),
    cols: dimension,
    rows: dimension,
    cwd: z.string().max(4096).optional(),
    command: z.string().min(1).max(8192).optional(),
    resumeFrom: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .strict()
  .refine((o) => (o.session === undefined) !== (o.workspace === undefined), {
    message: 'give either session (attach) or workspace (create), not both',
  });
export type OpenRequest = z.infer<typeof openRequestSchema>;

/** s→c HELLO_ACK. */
export const helloAckSchema = z
  .object({
    v: z.literal(PROTOCOL_VERSION),
    user: z.object({ id: z.string(), name: z.string() }),
    limits: z.object({
      maxFrameBytes: z.number().int().positive(),
      highWater: z.number().int().positive(),
      lowWater: z.number().int().nonnegative(),
    }),
  })
  .strict();
export type HelloAck = z.infer<typeof helloAckSchema>;

/** s→c OPENED: `offset` is the stream offset of the next OUTPUT byte; `snapshot` means the
 * client must reset its screen because the bytes before `offset` were not all replayable.
 * OPENED with `snapshot: true` may come again on a channel that is already open: a viewer that
 * does not drive the session fell further behind than the replay ring reaches, and is caught up
 * with a reset and the retained tail instead of holding the program back. */
export const openedSchema = z
  .object({
    session: sessionIdSchema,
    offset: z.number().int().min(0),
    snapshot: z.boolean(),
    cols: dimension,
    rows: dimension,
    title: z.string().optional(),
    /** The terminal's process id on the machine that runs it, when known. */
    pid: z.number().int().positive().optional(),
    /**
     * Output before this offset is history (a replay, or bytes the program printed before this
     * attach): a client parses it without answering any query in it. Absent: everything is live.
     */
    live: z.number().int().min(0).optional(),
  })
  .strict();
export type Opened = z.infer<typeof openedSchema>;

/** s→c EXIT. */
export const exitInfoSchema = z
  .object({ code: z.number().int().nullable(), signal: z.string().nullable() })
  .strict();
export type ExitInfo = z.infer<typeof exitInfoSchema>;

/** s→c ERROR. */
export const errorInfoSchema = z.object({ code: z.string(), message: z.string() }).strict();
export type ErrorInfo = z.infer<typeof errorInfoSchema>;

/** s→c EVENT. */
export const sessionEventSchema = z.discriminatedUnion('type', [
  /** The program set the window title (OSC 0/2). */
  z.object({ type: z.literal('title'), title: z.string().max(1024) }),
  /** The program rang the bell. */
  z.object({ type: z.literal('bell') }),
  /** The program asked for a notification (OSC 9 / OSC 777). */
  z.object({ type: z.literal('notify'), title: z.string().max(1024).optional(), body: z.string().max(4096) }),
  /** Session status changed (e.g. resized by another viewer, paused by flow control). */
  z.object({
    type: z.literal('status'),
    cols: dimension.optional(),
    rows: dimension.optional(),
    status: z.string().max(64).optional(),
    /** With status "lost": why the process can no longer be reached, for people. */
    message: z.string().max(1024).optional(),
  }),
]);
export type SessionEvent = z.infer<typeof sessionEventSchema>;
