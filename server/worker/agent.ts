/**
 * Worker agent: the small server that keeps terminals and serves workspace folders to a gateway
 * over agent links (lib/protocol/agent.ts on top of wire protocol v1). It runs as
 *
 * - a cloud worker: one folder (AGENT_WORKSPACE) over one authenticated WebSocket
 *   (`Authorization: Bearer <per-worker secret>`, compared in constant time before the 101; one
 *   gateway link at a time, a new one replaces the old);
 * - the SSH runner and the local pty host (daemon.ts): any folder the gateway binds with
 *   `workspaces.bind`, over length-prefixed links on a Unix socket, several links at once.
 *
 * - Terminals: served by the gateway's own Connection and session registry over node-pty, so the
 *   agent keeps its replay ring and offsets and a gateway that reconnects resumes exactly.
 * - exec, files, health, watching (inotify via chokidar): CALL/REPLY/NOTICE frames answered from
 *   the local runtime with structured results (no parsing of command output anywhere).
 * - `GET /healthz` (cloud worker) answers without auth (liveness for the orchestrator).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  AGENT_IO_CHUNK,
  AGENT_OPS,
  AGENT_WORKSPACE,
  CloseCode,
  ErrorCode,
  MAX_FRAME_BYTES,
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
import { DEFAULT_LIMITS } from '../config';
import { Connection, type ConnectionExtension, type SessionSource } from '../core/connection';
import { GatewayError, toGatewayError } from '../core/errors';
import { SessionRegistry } from '../core/session-registry';
import type { Logger } from '../log';
import { secretMatcher } from '../secrets';
import type { LinkSocket } from '../runtimes/agent/framed-stream';
import { LocalRuntime } from '../runtimes/local/local-runtime';
import type { LocalFs } from '../runtimes/local/local-fs';
import type { Disposable, FsStat } from '../runtimes/runtime';
import { planLimits, type LimitsPlan, type SessionLimits } from '../runtimes/limits';

const AGENT_USER = { id: 'gateway', name: 'gateway' };
/**
 * A link is a gateway, which carries the terminals of all its users: limits on terminals belong
 * to users and browser sockets, and the gateway enforces them. The agent counts none per link.
 */
const LINK_LIMITS = { ...DEFAULT_LIMITS, maxChannelsPerConnection: Number.POSITIVE_INFINITY };
const AGENT_RING_BYTES = 8 * 1024 * 1024;
/** Open read/write handles per link. */
const MAX_HANDLES = 64;

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

function callError(code: string, message: string): Error {
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
class CallHandler implements ConnectionExtension {
  readonly ops = AGENT_OPS;
  private readonly handles = new Map<number, Handle>();
  private readonly watches = new Map<number, Disposable>();
  private nextHandle = 1;

  constructor(private readonly core: AgentCore) {}

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
    'workspaces.bind': async (p) => [await this.core.bind(p.workspace, p.root, p.limits ?? {}, p.env ?? {})],
    'agent.info': async () => [{ pid: process.pid, running: this.core.running, links: this.core.linkCount }],
    // Terminals here, e.g. for a gateway that restarted and re-attaches them — also ones that
    // ended meanwhile: a gateway forgets a terminal once it has its EXIT, so one still listed
    // has output or an exit status no gateway has received yet.
    'sessions.list': async (p) => [this.core.sessions.listForWorkspace(AGENT_USER.id, p.workspace ?? AGENT_WORKSPACE)],
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

interface BoundWorkspace {
  root: string;
  runtime: LocalRuntime;
  limits: LimitsPlan;
}

export interface AgentCoreOptions {
  log: Logger;
  /** Extra environment for terminals and exec. */
  env?: Record<string, string>;
  /** A cloud worker's one folder (served as AGENT_WORKSPACE; binding others is refused). Without
   * it the gateway binds folders by name with `workspaces.bind`. */
  root?: string;
  /** Test hook: how resource limits are applied (default: probe systemd-run, else ulimit). */
  planLimits?: (limits: SessionLimits) => Promise<LimitsPlan>;
}

/** Terminals and workspaces of one agent process, served to any number of links. */
export class AgentCore {
  readonly sessions: SessionRegistry;
  private readonly workspaces = new Map<string, BoundWorkspace>();
  private readonly links = new Set<Connection>();
  /** Link claims: a gateway's id → its current link. */
  private readonly claims = new Map<string, Connection>();
  private readonly linkListeners = new Set<() => void>();
  readonly source: SessionSource;

  constructor(private readonly opts: AgentCoreOptions) {
    // A bigger ring than a gateway's: it is what a program can print while no gateway is
    // connected before it has to wait (holdDetached), and what a returning gateway resumes from.
    this.sessions = new SessionRegistry({ ...DEFAULT_LIMITS, ringBytes: AGENT_RING_BYTES, holdDetached: true, maxSessionsPerUser: Number.POSITIVE_INFINITY, log: opts.log.child({ component: 'sessions' }) });
    if (opts.root) this.workspaces.set(AGENT_WORKSPACE, { root: opts.root, runtime: new LocalRuntime(opts.root, { env: opts.env }), limits: { mechanism: 'none', applied: [], unsupported: [] } });
    const core = this;
    this.source = {
      async create(user, req) {
        const ws = core.workspaces.get(req.workspace);
        if (!ws) throw new GatewayError(ErrorCode.NOT_FOUND, 'no such workspace on this agent (bind it first)');
        try {
          return await core.sessions.create({ userId: user.id, workspaceId: req.workspace, runtime: ws.runtime, pty: { cols: req.cols, rows: req.rows, cwd: req.cwd, command: req.command } });
        } catch (err) {
          throw toGatewayError(err);
        }
      },
      find: (user, id) => core.sessions.getForUser(id, user.id),
      forget: (session) => core.sessions.forget(session.id),
    };
  }

  /** Serve a link (already authenticated). */
  attach(socket: LinkSocket): Connection {
    const conn = new Connection(socket, AGENT_USER, this.source, LINK_LIMITS, this.opts.log, new CallHandler(this));
    this.links.add(conn);
    socket.on('close', () => {
      this.links.delete(conn);
      for (const [id, c] of this.claims) if (c === conn) this.claims.delete(id);
      for (const l of this.linkListeners) l();
    });
    for (const l of this.linkListeners) l();
    return conn;
  }

  get linkCount(): number {
    return this.links.size;
  }

  /** Terminals still running. */
  get running(): number {
    return this.sessions.running;
  }

  /** Terminals running, or ended with an exit no gateway has received yet (gateways forget a
   * terminal here once they have its EXIT; an exited one is swept after an hour without viewers). */
  get kept(): number {
    return this.sessions.size;
  }

  onLinksChanged(listener: () => void): void {
    this.linkListeners.add(listener);
  }

  /**
   * Serve a folder under a name (idempotent; a name keeps its folder). Answers how the per-host
   * resource limits will be applied to its terminals.
   */
  async bind(name: string, root: string, limits: SessionLimits, env: Record<string, string> = {}): Promise<{ root: string; limits: LimitsPlan }> {
    if (this.opts.root) throw callError('forbidden', 'this worker serves one workspace');
    if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(name)) throw callError('bad_request', 'a workspace name is 1-100 letters, digits, _ . : -');
    if (!root.startsWith('/') || root.includes('\0')) throw callError('bad_request', 'the root must be an absolute path');
    const had = this.workspaces.get(name);
    if (had && had.root !== root) throw callError('EEXIST', `workspace ${name} is already bound to another folder`);
    const plan = await (this.opts.planLimits ?? planLimits)(limits);
    for (const [k, v] of Object.entries(env)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(k) || typeof v !== 'string' || v.includes('\0')) throw callError('bad_request', `bad environment variable ${JSON.stringify(k).slice(0, 70)}`);
    }
    const runtime = had?.runtime ?? new LocalRuntime(root, { env: { ...this.opts.env, ...env }, wrap: plan.wrap });
    runtime.setWrap(plan.wrap);
    const st = await runtime.health();
    if (!st.ok) throw callError('ENOENT', st.detail ?? `${root} is not a folder`);
    this.workspaces.set(name, { root, runtime, limits: plan });
    return { root, limits: { mechanism: plan.mechanism, applied: plan.applied, unsupported: plan.unsupported } };
  }

  runtimeOf(name: string): LocalRuntime {
    const ws = this.workspaces.get(name);
    if (!ws) throw callError('not_bound', `workspace ${JSON.stringify(name).slice(0, 80)} is not bound on this agent`);
    return ws.runtime;
  }

  /** `conn` is now the link of gateway `id`; an older link with the same id is closed. */
  claim(conn: Connection, id: string): void {
    if (!id) return;
    const old = this.claims.get(id);
    this.claims.set(id, conn);
    if (old && old !== conn) old.close(CloseCode.NORMAL, 'replaced by a newer link of the same gateway');
  }

  closeLinks(code: number, reason: string): void {
    for (const c of this.links) c.close(code, reason);
  }

  async close(): Promise<void> {
    this.closeLinks(CloseCode.GOING_AWAY, 'agent shutting down');
    await this.sessions.dispose();
    await Promise.allSettled([...this.workspaces.values()].map((w) => w.runtime.dispose()));
  }
}

export interface AgentOptions {
  root: string;
  secret: string;
  host: string;
  port: number;
  log: Logger;
  /** Extra environment for terminals and exec. */
  env?: Record<string, string>;
}

export interface Agent {
  url: string;
  close(): Promise<void>;
}

/** A cloud worker's agent: one folder, one WebSocket link at a time. */
export async function startAgent(opts: AgentOptions): Promise<Agent> {
  const core = new AgentCore({ root: opts.root, env: opts.env, log: opts.log });
  const matches = secretMatcher(opts.secret);
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_FRAME_BYTES });

  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end('ok');
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('Not found');
  });
  server.on('upgrade', (req, socket, head) => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m || !matches(m[1]!)) {
      opts.log.warn('agent upgrade refused: bad secret');
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      // One gateway at a time: a reconnecting gateway replaces a link it may have lost sight of.
      core.closeLinks(CloseCode.NORMAL, 'replaced by a new gateway connection');
      core.attach(ws);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `ws://${opts.host}:${addr.port}/`,
    async close() {
      core.closeLinks(CloseCode.GOING_AWAY, 'worker shutting down');
      wss.close();
      server.close();
      server.closeAllConnections();
      await core.close();
    },
  };
}
