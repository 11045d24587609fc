/**
 * The worker agent's CALL handling for one link (lib/protocol/agent-methods.ts): exec, files,
 * health, watches and the link-level methods, one handler per method — a method without a handler
 * does not compile. Params are decoded with the method's schema before its handler runs.
 */
import {
  AGENT_IO_CHUNK,
  AGENT_OPS,
  AGENT_WORKSPACE,
  ErrorCode,
  decodeAgentParams,
  decodeCall,
  encodeError,
  encodeNotice,
  encodeReply,
  isAgentMethod,
  type AgentMethod,
  type AgentReplyBody,
  type DecodedParamsOf,
  type ResultOf,
} from '../../lib/protocol';
import type { Connection, ConnectionExtension } from '../core/connection';
import type { SessionRegistry } from '../core/session-registry';
import type { LimitsPlan, SessionLimits } from '../runtimes/limits';
import type { LocalFs } from '../runtimes/local/local-fs';
import type { LocalRuntime } from '../runtimes/local/local-runtime';
import type { Disposable, FsStat } from '../runtimes/runtime';
import { openLentRecord, type LentRecord } from './lent-record';
import { RingFile } from './ring-file';

/** The user every session of an agent belongs to: the gateway, which serves all its users. */
export const AGENT_USER = { id: 'gateway', name: 'gateway' };

/** What the calls need of the agent they run in (AgentCore). */
export interface CallHost {
  readonly sessions: SessionRegistry;
  readonly running: number;
  readonly linkCount: number;
  runtimeOf(name: string): LocalRuntime;
  bind(name: string, root: string, limits: SessionLimits, env?: Record<string, string>, confine?: boolean): Promise<{ root: string; limits: LimitsPlan }>;
  claim(conn: Connection, id: string): void;
  /** Terminals' output may be kept in the gateway's files (`terminals.ring`). */
  readonly ringFiles: boolean;
}

/** Open read/write handles per link. */
const MAX_HANDLES = 64;
/** A lend waits up to this long for output read before it to be sent, the program's output held
 * meanwhile (Channel.lendWhenSent); then it is refused as busy, and the gateway asks again. */
const LEND_WAIT_MS = 1000;

/** Pushes chunks into an async iterable consumed by LocalFs.writeFile (a streamed atomic save). */
class ChunkQueue implements AsyncIterable<Uint8Array> {
  private readonly chunks: Uint8Array[] = [];
  private done = false;
  private wake: (() => void) | null = null;
  push(c: Uint8Array): void {
    this.chunks.push(c);
    this.wake?.();
  }
  end(): void {
    this.done = true;
    this.wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const c = this.chunks.shift();
      if (c) yield c;
      else if (this.done) return;
      else await new Promise<void>((r) => (this.wake = r));
    }
  }
}

type Handle =
  | { kind: 'read'; it: AsyncIterator<Uint8Array>; close(): Promise<void>; pending: Uint8Array | null }
  | { kind: 'write'; queue: ChunkQueue; result: Promise<FsStat>; failed: unknown };

function errorBody(err: unknown): AgentReplyBody {
  const e = err as { code?: unknown; message?: string };
  const code = typeof e?.code === 'string' ? e.code : 'internal';
  return { ok: false, error: { code, message: e?.message ?? String(err) } };
}

export function callError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** What a handler has besides its params. */
interface CallContext {
  conn: Connection;
  /** The CALL's binary tail (empty unless the method takes one). */
  tail: Uint8Array;
}

type Handler<M extends AgentMethod> = (params: DecodedParamsOf<M>, ctx: CallContext) => Promise<[ResultOf<M>, Uint8Array?]>;
/** One handler per method of AGENT_METHODS: a missing one does not compile. */
type Handlers = { [M in AgentMethod]: Handler<M> };

/** CALL handling for one link: exec, fs, health and watches. */
export class CallHandler implements ConnectionExtension {
  readonly ops = AGENT_OPS;
  private readonly handles = new Map<number, Handle>();
  private readonly watches = new Map<number, Disposable>();
  private nextHandle = 1;

  constructor(private readonly core: CallHost) {}

  onFrame(frame: Uint8Array, conn: Connection): void {
    const call = decodeCall(frame);
    if (!call) {
      conn.sendFrame(encodeError(0, { code: ErrorCode.BAD_FRAME, message: 'malformed CALL frame' }));
      return;
    }
    this.handle(call.body.method, call.body.params, call.tail, conn).then(
      ([result, tail]) => conn.sendFrame(encodeReply(call.id, { ok: true, result }, tail)),
      (err: unknown) => conn.sendFrame(encodeReply(call.id, errorBody(err))),
    );
  }

  onClose(): void {
    for (const w of this.watches.values()) w.dispose();
    this.watches.clear();
    for (const h of this.handles.values()) {
      if (h.kind === 'read') void h.close();
      else h.queue.end();
    }
    this.handles.clear();
  }

  /** Decode the params with the method's schema, then run its handler. */
  private async handle(method: string, params: unknown, tail: Uint8Array, conn: Connection): Promise<[unknown, Uint8Array?]> {
    if (!isAgentMethod(method)) throw callError('bad_request', `unknown method ${JSON.stringify(method).slice(0, 80)}`);
    const p = decodeAgentParams(method, params);
    if (!p.ok) throw callError('bad_request', p.message);
    // Decoded with this method's schema, so they are what the same method's handler takes (the
    // compiler cannot relate the two through a union of methods).
    return this.handlers[method](p.value as never, { conn, tail });
  }

  /** The runtime of the workspace a call names (AGENT_WORKSPACE when it names none). */
  private runtime(p: { workspace?: string }): LocalRuntime {
    return this.core.runtimeOf(p.workspace ?? AGENT_WORKSPACE);
  }

  private fs(p: { workspace?: string }): LocalFs {
    return this.runtime(p).fs;
  }

  /**
   * A method served in a workspace: its runtime is looked up (not_bound when the agent does not
   * serve it) before anything else, even for calls on link-wide handles, as the agent always has.
   */
  private inWorkspace<P extends { workspace?: string }, R>(handler: (p: P, ctx: CallContext) => Promise<R>): (p: P, ctx: CallContext) => Promise<R> {
    return async (p, ctx) => {
      this.runtime(p);
      return handler(p, ctx);
    };
  }

  private readonly handlers: Handlers = {
    'links.claim': async (p, { conn }) => {
      // A gateway reconnecting after a network failure: its old link may still look open here.
      this.core.claim(conn, p.id ?? '');
      return [null];
    },
    'workspaces.bind': async (p) => [await this.core.bind(p.workspace, p.root, p.limits ?? {}, p.env ?? {}, p.confine ?? false)],
    'agent.info': async () => [{ pid: process.pid, running: this.core.running, links: this.core.linkCount }],
    // Terminals here, e.g. for a gateway that restarted and re-attaches them — also ones that
    // ended meanwhile: a gateway forgets a terminal once it has its EXIT, so one still listed
    // has output or an exit status no gateway has received yet.
    'sessions.list': async (p) => [this.core.sessions.listForWorkspace(AGENT_USER.id, p.workspace ?? AGENT_WORKSPACE)],
    'terminals.lend': async (p, { conn }) => {
      const ch = conn.channel(p.channel);
      if (!ch) throw callError('not_found', `channel ${p.channel} is not open on this link`);
      let record: LentRecord;
      try {
        record = openLentRecord(p.record.pid, p.record.fd, p.record.bytes);
      } catch (err) {
        throw callError('bad_request', `the record cannot be opened: ${(err as Error).message}`);
      }
      const lent = await ch.lendWhenSent({ ...record, recall: () => conn.sendFrame(encodeNotice({ type: 'give-back', channel: p.channel })) }, LEND_WAIT_MS);
      if (lent === 'busy' || !lent) record.close();
      if (lent === 'busy') throw callError('busy', 'output is still being sent on this channel; ask again');
      if (!lent) throw callError('unsupported', 'this terminal cannot be lent');
      return [{ pid: process.pid, fd: lent.fd, offset: lent.offset }];
    },
    'terminals.return': async (p, { conn }) => {
      conn.channel(p.channel)?.giveBack();
      return [null];
    },
    'terminals.ring': async (p, { conn }) => {
      const ch = conn.channel(p.channel);
      if (!ch) throw callError('not_found', `channel ${p.channel} is not open on this link`);
      const ring = ch.session.ring;
      let file = ring.liveStore instanceof RingFile ? ring.liveStore : null;
      if (!file) {
        if (!this.core.ringFiles) throw callError('unsupported', 'this agent keeps terminal output in its own memory');
        // Ended, or a lent terminal's record not taken in yet (useStore would copy it now, for a
        // terminal that is usually forgotten at once): kept as it is.
        if (!ch.session.running || ring.deferred) throw callError('unsupported', 'this terminal keeps its output as it is');
        try {
          file = RingFile.open(p.file.pid, p.file.fd, p.file.bytes, ring.end);
        } catch (err) {
          throw callError('unsupported', `the file cannot be opened: ${(err as Error).message}`);
        }
        // Refused (and closed) when it keeps less than the ring must.
        if (!ring.useStore(file)) throw callError('unsupported', 'the file is too small for this ring');
      }
      return [file.shared!];
    },
    health: async (p) => [await this.runtime(p).health()],
    exec: async (p, { tail }) => {
      const r = await this.runtime(p).exec(p.argv, { cwd: p.cwd, timeoutMs: p.timeoutMs, maxOutputBytes: p.maxOutputBytes, stdin: tail.byteLength ? tail : undefined });
      const out = new Uint8Array(r.stdout.byteLength + r.stderr.byteLength);
      out.set(r.stdout, 0);
      out.set(r.stderr, r.stdout.byteLength);
      return [{ code: r.code, signal: r.signal, stdoutBytes: r.stdout.byteLength }, out];
    },
    'fs.readdir': async (p) => [await this.fs(p).readdir(p.path)],
    'fs.stat': async (p) => [await this.fs(p).stat(p.path)],
    'fs.statEntries': async (p) => [await this.fs(p).statEntries(p.path, p.names)],
    'fs.readable': async (p) => [await this.fs(p).readable(p.paths)],
    'fs.mkdir': async (p) => [await this.fs(p).mkdir(p.path)],
    'fs.rm': async (p) => [await this.fs(p).rm(p.path)],
    'fs.rename': async (p) => [await this.fs(p).rename(p.from, p.to)],
    'fs.readOpen': async (p) => {
      const fs = this.fs(p);
      this.roomForHandle();
      const { size, stream, close } = await fs.readStream(p.path);
      const id = this.nextHandle++;
      this.handles.set(id, { kind: 'read', it: stream[Symbol.asyncIterator](), close, pending: null });
      return [{ handle: id, size }];
    },
    'fs.readChunk': this.inWorkspace(async (p) => {
      const h = this.handles.get(p.handle);
      if (h?.kind !== 'read') throw callError('bad_request', 'no such read handle');
      let chunk = h.pending;
      h.pending = null;
      if (!chunk) {
        const next = await h.it.next();
        if (next.done) return [{ eof: true }];
        chunk = next.value;
      }
      if (chunk.byteLength > AGENT_IO_CHUNK) {
        h.pending = chunk.subarray(AGENT_IO_CHUNK);
        chunk = chunk.subarray(0, AGENT_IO_CHUNK);
      }
      return [{ eof: false }, chunk];
    }),
    'fs.close': this.inWorkspace(async (p) => {
      const h = this.handles.get(p.handle);
      this.handles.delete(p.handle);
      if (h?.kind === 'read') await h.close();
      if (h?.kind === 'write') h.queue.end();
      return [null];
    }),
    'fs.writeOpen': async (p) => {
      const fs = this.fs(p);
      this.roomForHandle();
      const queue = new ChunkQueue();
      const result = fs.writeFile(p.path, queue, { exclusive: p.exclusive === true, maxBytes: p.maxBytes });
      const id = this.nextHandle++;
      const handle: Handle = { kind: 'write', queue, result, failed: null };
      // A save that failed (too large, disk full…) refuses further chunks instead of buffering them.
      result.catch((err: unknown) => (handle.failed = err));
      this.handles.set(id, handle);
      return [{ handle: id }];
    },
    'fs.writeChunk': this.inWorkspace(async (p, { tail }) => {
      const h = this.handles.get(p.handle);
      if (h?.kind !== 'write') throw callError('bad_request', 'no such write handle');
      if (h.failed) throw h.failed;
      h.queue.push(tail.slice());
      return [null];
    }),
    'fs.writeCommit': this.inWorkspace(async (p) => {
      const h = this.handles.get(p.handle);
      if (h?.kind !== 'write') throw callError('bad_request', 'no such write handle');
      this.handles.delete(p.handle);
      h.queue.end();
      return [await h.result];
    }),
    'fs.watch': async (p, { conn }) => {
      const fs = this.fs(p);
      const id = this.nextHandle++;
      this.watches.set(id, fs.watch((events) => conn.sendFrame(encodeNotice({ type: 'fs', watch: id, events }))));
      return [{ watch: id }];
    },
    'fs.unwatch': this.inWorkspace(async (p) => {
      this.watches.get(p.watch)?.dispose();
      this.watches.delete(p.watch);
      return [null];
    }),
  };

  private roomForHandle(): void {
    if (this.handles.size >= MAX_HANDLES) throw Object.assign(new Error(`more than ${MAX_HANDLES} open files`), { code: 'EMFILE' });
  }
}
