/**
 * Every method a gateway can CALL on a worker agent (lib/protocol/agent.ts), defined once: its
 * params and result as zod schemas, and whether a binary tail goes with the call (`tailIn`) or
 * comes back with the reply (`tailOut`). The gateway's AgentClient is typed by this table and
 * validates every result with it at the link edge; the agent decodes params with it before a
 * handler runs and keeps one handler per method (the compiler checks none is missing). Renaming
 * or reshaping a method here fails to compile at every caller and handler.
 *
 * Params are bounded (string lengths, array sizes) because the agent takes them from the link;
 * results are bounded by the frame size (MAX_FRAME_BYTES). Objects are not strict: a newer
 * gateway may send a field an older agent (a pty host left running by an earlier gateway) does
 * not know, which it ignores, as it always has. The JSON on the wire is what it was before this
 * table existed: it types and checks the frames, it does not change them.
 */
import { z } from 'zod';

const MAX_PATH = 4096;
/** fs.readable / fs.statEntries: entries per call (callers ask in batches well below this). */
export const MAX_AGENT_BATCH = 10_000;
/** Linux's MAX_ARG_STRLEN: one argument or environment string. */
const MAX_ARG = 128 * 1024;

const path = z.string().max(MAX_PATH);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const handle = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** The agent's name for a workspace (`workspaces.bind`); absent = AGENT_WORKSPACE (a cloud worker's one folder). */
const workspace = z.string().max(100).optional();
const inWorkspace = <S extends z.ZodRawShape>(shape: S) => z.object({ ...shape, workspace });
const none = z.null();
/** A terminal channel's number on the link. */
const channel = z.number().int().min(1).max(0xffffffff);

const fsEntryType = z.enum(['file', 'dir', 'symlink', 'other']);
const fsStat = z.object({ type: fsEntryType, size: count, mtime: z.number(), mode: z.number().int().min(0) });
const fsEventType = z.enum(['add', 'change', 'unlink', 'addDir', 'unlinkDir']);
export const agentFsEventSchema = z.object({ type: fsEventType, path: z.string() });

const sessionLimits = z.object({
  memoryMb: z.number().optional(),
  cpuPercent: z.number().optional(),
  tasks: z.number().optional(),
  openFiles: z.number().optional(),
});

/** A terminal as `sessions.list` reports it. Only what every agent version has sent is required
 * (a pty host started by an earlier gateway keeps answering a newer one). */
const listedSession = z.object({
  id: z.string(),
  command: z.string(),
  cols: z.number().int(),
  rows: z.number().int(),
  createdAt: z.number(),
  name: z.string().optional(),
  title: z.string().optional(),
  exited: z.object({ code: z.number().int().nullable(), signal: z.string().nullable() }).nullable().optional(),
  pid: z.number().int().optional(),
  /** The stream offset its output has reached. */
  end: z.number().int().min(0).optional(),
});

interface MethodSpec {
  params: z.ZodType;
  result: z.ZodType;
  /** The CALL's binary tail carries data (exec: stdin; fs.writeChunk: file bytes). */
  tailIn?: true;
  /** The REPLY's binary tail carries data (exec: stdout then stderr; fs.readChunk: file bytes). */
  tailOut?: true;
}

function spec<P extends z.ZodType, R extends z.ZodType, T extends { tailIn?: true; tailOut?: true } = object>(params: P, result: R, tail?: T): { params: P; result: R } & T {
  return { params, result, ...(tail as T) };
}

export const AGENT_METHODS = {
  /** The workspace folder is there and usable. */
  health: spec(inWorkspace({}), z.object({ ok: z.boolean(), detail: z.string().optional() })),
  /** Run a program (no shell). Reply tail: stdout then stderr, split at `stdoutBytes`. */
  exec: spec(
    inWorkspace({
      argv: z.array(z.string().max(MAX_ARG)).max(65_536).readonly(),
      cwd: path.optional(),
      timeoutMs: z.number().min(0).optional(),
      maxOutputBytes: z.number().min(0).optional(),
    }),
    z.object({ code: z.number().int().nullable(), signal: z.string().nullable(), stdoutBytes: count }),
    { tailIn: true, tailOut: true },
  ),
  'fs.readdir': spec(inWorkspace({ path }), z.array(z.object({ name: z.string(), type: fsEntryType }))),
  'fs.stat': spec(inWorkspace({ path }), fsStat),
  /** lstat of each name in a folder; null where it failed. */
  'fs.statEntries': spec(inWorkspace({ path, names: z.array(z.string().max(MAX_PATH)).max(MAX_AGENT_BATCH).readonly() }), z.array(fsStat.nullable())),
  'fs.mkdir': spec(inWorkspace({ path }), z.void()),
  'fs.rm': spec(inWorkspace({ path }), z.void()),
  'fs.rename': spec(inWorkspace({ from: path, to: path }), z.void()),
  /** Open a file for reading through the jail; read it with fs.readChunk, end with fs.close. */
  'fs.readOpen': spec(inWorkspace({ path }), z.object({ handle, size: count })),
  /** Up to AGENT_IO_CHUNK bytes in the reply tail, or `eof`. Handles belong to the link, not a workspace. */
  'fs.readChunk': spec(inWorkspace({ handle }), z.object({ eof: z.boolean() }), { tailOut: true }),
  /** Close a read or write handle (a write is abandoned). */
  'fs.close': spec(inWorkspace({ handle }), none),
  /** Start an atomic save: chunks with fs.writeChunk, then fs.writeCommit. */
  'fs.writeOpen': spec(inWorkspace({ path, exclusive: z.boolean().optional(), maxBytes: z.number().min(0).optional() }), z.object({ handle })),
  'fs.writeChunk': spec(inWorkspace({ handle }), none, { tailIn: true }),
  /** Finish the save: the file's new stat. */
  'fs.writeCommit': spec(inWorkspace({ handle }), fsStat),
  /** Events arrive as NOTICE frames carrying this watch id. */
  'fs.watch': spec(inWorkspace({}), z.object({ watch: handle })),
  'fs.unwatch': spec(inWorkspace({ watch: handle }), none),
  /** Whether each path can be read as a regular file through the jail. */
  'fs.readable': spec(inWorkspace({ paths: z.array(path).max(MAX_AGENT_BATCH).readonly() }), z.array(z.boolean())),
  /** Serve `root` as `workspace` (idempotent); answers how resource limits apply there. */
  'workspaces.bind': spec(
    z.object({
      workspace: z.string().max(100),
      root: path,
      limits: sessionLimits.optional(),
      env: z
        .record(z.string().max(256), z.string().max(MAX_ARG))
        .refine((e) => Object.keys(e).length <= 4096, 'at most 4096 environment variables')
        .optional(),
      /** Run its terminals and commands in a sandbox that sees only this folder (a member's workspace). */
      confine: z.boolean().optional(),
    }),
    z.object({
      root: z.string(),
      limits: z.object({ mechanism: z.enum(['systemd', 'ulimit', 'none']), applied: z.array(z.string()), unsupported: z.array(z.string()) }),
    }),
  ),
  /** The terminals of a workspace on the agent, running or ended with an exit no gateway has received. */
  'sessions.list': spec(z.object({ workspace }), z.array(listedSession)),
  /** This link is gateway `id`'s: an older link with the same id is closed. */
  'links.claim': spec(z.object({ id: z.string().max(256).optional() }), none),
  'agent.info': spec(z.object({}), z.object({ pid: z.number().int(), running: count.optional(), links: count.optional() })),
  /**
   * Lend the reading of a terminal (open on this link as `channel`) to the gateway, which reads
   * its PTY itself: the agent stops reading and answers its process id and the PTY master's
   * descriptor there, which the gateway duplicates (pidfd_getfd). Only the local pty host is
   * asked — the descriptor means something only on the gateway's machine. `record` is the
   * gateway's memfd (its pid, descriptor and data size): the gateway writes every byte it reads
   * there before using it (an f64 end offset in the first 8 bytes, then the data as a ring from
   * byte 16), and the agent, which opens the same file at once, takes what it holds into its ring
   * when the terminal comes back to it — given back, or the gateway gone — so a gateway that
   * restarts resumes exactly. Output read before the lend and not yet sent on the channel is
   * sent first: the agent stops reading meanwhile and answers once it is (the reply may take up
   * to a second). `busy`: it was still not sent by then; ask again.
   */
  'terminals.lend': spec(
    z.object({ channel, record: z.object({ pid: z.number().int().min(1), fd: z.number().int().min(0), bytes: z.number().int().min(4096).max(64 * 1024 * 1024) }) }),
    z.object({ pid: z.number().int().min(1), fd: z.number().int().min(0), offset: count }),
  ),
  /** The gateway stops reading a lent terminal (every byte it read is in the record): the agent reads it again. */
  'terminals.return': spec(z.object({ channel }), none),
  /**
   * Keep a terminal's output (open on this link as `channel`) in a file the gateway reads instead
   * of keeping a copy of what the agent relays: `file` is a memfd of the gateway's (its pid,
   * descriptor and data size), laid out as a lent terminal's record (lib/protocol/agent.ts),
   * which the agent opens and writes every byte the terminal prints from stream offset `from` on
   * into, before relaying it — the end it is about to reach into the header *before* bytes that
   * overwrite older ones (and MAX_SAFE_INTEGER once it stops writing the file while the terminal
   * goes on), so a reader that reads bytes, then the header, knows whether they were overwritten.
   * Answers the agent's own descriptor of the file (already in use: the one it keeps, not
   * `file`) and the file's inode, for the gateway to check it opened that file. Only the local
   * pty host is asked, and does it; `unsupported` otherwise.
   */
  'terminals.ring': spec(
    z.object({ channel, file: z.object({ pid: z.number().int().min(1), fd: z.number().int().min(0), bytes: z.number().int().min(4096).max(64 * 1024 * 1024) }) }),
    z.object({ pid: z.number().int().min(1), fd: z.number().int().min(0), ino: count, bytes: z.number().int().min(4096).max(64 * 1024 * 1024), from: count }),
  ),
} satisfies Record<string, MethodSpec>;

export type AgentMethods = typeof AGENT_METHODS;
export type AgentMethod = keyof AgentMethods;
/** What a caller passes. */
export type ParamsOf<M extends AgentMethod> = z.input<AgentMethods[M]['params']>;
/** What a handler receives (after decoding). */
export type DecodedParamsOf<M extends AgentMethod> = z.output<AgentMethods[M]['params']>;
export type ResultOf<M extends AgentMethod> = z.output<AgentMethods[M]['result']>;
/** The methods whose CALL carries a binary tail. */
export type TailInMethod = { [M in AgentMethod]: AgentMethods[M] extends { tailIn: true } ? M : never }[AgentMethod];

export function isAgentMethod(method: string): method is AgentMethod {
  return Object.hasOwn(AGENT_METHODS, method);
}

export type AgentDecoded<T> = { ok: true; value: T } | { ok: false; message: string };

function decoded<T>(r: { success: true; data: unknown } | { success: false; error: z.ZodError }, what: string): AgentDecoded<T> {
  if (r.success) return { ok: true, value: r.data as T };
  const issue = r.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  return { ok: false, message: `${what}: ${where}${issue?.message ?? 'invalid'}`.slice(0, 300) };
}

/** Params of a CALL, checked against the method's schema (the agent does this once, before the handler). */
export function decodeAgentParams<M extends AgentMethod>(method: M, params: unknown): AgentDecoded<DecodedParamsOf<M>> {
  return decoded(AGENT_METHODS[method].params.safeParse(params), `bad params for ${method}`);
}

/** The result of a REPLY, checked against the method's schema (the gateway does this once, at the link edge). */
export function decodeAgentResult<M extends AgentMethod>(method: M, result: unknown): AgentDecoded<ResultOf<M>> {
  return decoded(AGENT_METHODS[method].result.safeParse(result), `bad result for ${method}`);
}

/** NOTICE: file-watch events of one watch; or the agent wants a lent terminal back — its program
 * ended, or another link views it (the gateway reads what is there, then `terminals.return`). */
export const agentNoticeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('fs'), watch: handle, events: z.array(agentFsEventSchema) }),
  z.object({ type: z.literal('give-back'), channel }),
]);
