/**
 * Worker agent: the small server that runs inside a cloud worker and serves one workspace
 * directory to the gateway over one authenticated WebSocket.
 *
 * - Auth: `Authorization: Bearer <per-worker secret>`, compared in constant time, before the 101.
 *   One gateway link at a time: a new one replaces the old (a reconnecting gateway).
 * - Terminals: wire protocol v1 served by the gateway's own Connection and session registry over
 *   node-pty, so the agent keeps its replay ring and offsets and a gateway that reconnects resumes
 *   exactly. OUTPUT frames leave here as they are relayed by the gateway.
 * - exec, files, health, watching: CALL/REPLY/NOTICE frames (lib/protocol/agent.ts) answered
 *   from the local runtime with structured results (no parsing of command output anywhere).
 * - `GET /healthz` answers without auth (liveness for the orchestrator).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
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
  decodeCall,
  encodeError,
  encodeNotice,
  encodeReply,
  type AgentReplyBody,
} from '../../lib/protocol';
import { DEFAULT_LIMITS } from '../config';
import { Connection, GatewayError, type ConnectionExtension, type SessionSource } from '../gateway/connection';
import { SessionLimitError, SessionRegistry } from '../gateway/session-registry';
import type { Logger } from '../log';
import { LocalRuntime } from '../runtimes/local/local-runtime';
import { RuntimeError, type Disposable } from '../runtimes/runtime';

const AGENT_USER = { id: 'gateway', name: 'gateway' };
/** Open read/write handles per link. */
const MAX_HANDLES = 64;

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

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

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
  | { kind: 'write'; queue: ChunkQueue; result: Promise<unknown>; failed: unknown };

function errorBody(err: unknown): AgentReplyBody {
  const e = err as { code?: unknown; message?: string };
  const code = typeof e?.code === 'string' ? e.code : 'internal';
  return { ok: false, error: { code, message: e?.message ?? String(err) } };
}

/** CALL handling for one link: exec, fs, health and watches. */
class CallHandler implements ConnectionExtension {
  readonly ops = AGENT_OPS;
  private readonly handles = new Map<number, Handle>();
  private readonly watches = new Map<number, Disposable>();
  private nextHandle = 1;

  constructor(
    private readonly runtime: LocalRuntime,
    private readonly sessions: SessionRegistry,
  ) {}

  onFrame(frame: Uint8Array, conn: Connection): void {
    const call = decodeCall(frame);
    if (!call) {
      conn.sendFrame(encodeError(0, { code: ErrorCode.BAD_FRAME, message: 'malformed CALL frame' }));
      return;
    }
    this.handle(call.body.method, call.body.params as Record<string, unknown>, call.tail, conn).then(
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

  private async handle(method: string, p: Record<string, unknown>, tail: Uint8Array, conn: Connection): Promise<[unknown, Uint8Array?]> {
    const fs = this.runtime.fs;
    const str = (k: string) => {
      const v = p[k];
      if (typeof v !== 'string') throw Object.assign(new Error(`"${k}" must be a string`), { code: 'bad_request' });
      return v;
    };
    const num = (k: string) => (typeof p[k] === 'number' ? (p[k] as number) : undefined);
    switch (method) {
      case 'health':
        return [await this.runtime.health()];
      case 'sessions.list':
        // Terminals still running here, e.g. for a gateway that restarted and re-attaches them.
        return [this.sessions.listForWorkspace(AGENT_USER.id, AGENT_WORKSPACE).filter((s) => s.exited === null)];
      case 'exec': {
        const argv = p.argv;
        if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) throw Object.assign(new Error('argv must be strings'), { code: 'bad_request' });
        const r = await this.runtime.exec(argv, {
          cwd: typeof p.cwd === 'string' ? p.cwd : undefined,
          timeoutMs: num('timeoutMs'),
          maxOutputBytes: num('maxOutputBytes'),
          stdin: tail.byteLength ? tail : undefined,
        });
        const out = new Uint8Array(r.stdout.byteLength + r.stderr.byteLength);
        out.set(r.stdout, 0);
        out.set(r.stderr, r.stdout.byteLength);
        return [{ code: r.code, signal: r.signal, stdoutBytes: r.stdout.byteLength }, out];
      }
      case 'fs.readdir':
        return [await fs.readdir(str('path'))];
      case 'fs.stat':
        return [await fs.stat(str('path'))];
      case 'fs.statEntries':
        return [await fs.statEntries(str('path'), Array.isArray(p.names) ? (p.names as unknown[]).filter((n): n is string => typeof n === 'string') : [])];
      case 'fs.mkdir':
        return [await fs.mkdir(str('path'))];
      case 'fs.rm':
        return [await fs.rm(str('path'))];
      case 'fs.rename':
        return [await fs.rename(str('from'), str('to'))];
      case 'fs.readOpen': {
        this.roomForHandle();
        const { size, stream, close } = await fs.readStream(str('path'));
        const id = this.nextHandle++;
        this.handles.set(id, { kind: 'read', it: stream[Symbol.asyncIterator](), close, pending: null });
        return [{ handle: id, size }];
      }
      case 'fs.readChunk': {
        const h = this.handles.get(num('handle') ?? -1);
        if (h?.kind !== 'read') throw Object.assign(new Error('no such read handle'), { code: 'bad_request' });
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
      }
      case 'fs.close': {
        const id = num('handle') ?? -1;
        const h = this.handles.get(id);
        this.handles.delete(id);
        if (h?.kind === 'read') await h.close();
        if (h?.kind === 'write') h.queue.end();
        return [null];
      }
      case 'fs.writeOpen': {
        this.roomForHandle();
        const queue = new ChunkQueue();
        const result = fs.writeFile(str('path'), queue, { exclusive: p.exclusive === true, maxBytes: num('maxBytes') });
        const id = this.nextHandle++;
        const handle: Handle = { kind: 'write', queue, result, failed: null };
        // A save that failed (too large, disk full…) refuses further chunks instead of buffering them.
        result.catch((err: unknown) => (handle.failed = err));
        this.handles.set(id, handle);
        return [{ handle: id }];
      }
      case 'fs.writeChunk': {
        const h = this.handles.get(num('handle') ?? -1);
        if (h?.kind !== 'write') throw Object.assign(new Error('no such write handle'), { code: 'bad_request' });
        if (h.failed) throw h.failed;
        h.queue.push(tail.slice());
        return [null];
      }
      case 'fs.writeCommit': {
        const id = num('handle') ?? -1;
        const h = this.handles.get(id);
        if (h?.kind !== 'write') throw Object.assign(new Error('no such write handle'), { code: 'bad_request' });
        this.handles.delete(id);
        h.queue.end();
        return [await h.result];
      }
      case 'fs.watch': {
        const id = this.nextHandle++;
        this.watches.set(id, fs.watch((events) => conn.sendFrame(encodeNotice({ type: 'fs', watch: id, events }))));
        return [{ watch: id }];
      }
      case 'fs.unwatch': {
        const id = num('watch') ?? -1;
        this.watches.get(id)?.dispose();
        this.watches.delete(id);
        return [null];
      }
      default:
        throw Object.assign(new Error(`unknown method ${JSON.stringify(method).slice(0, 80)}`), { code: 'bad_request' });
    }
  }

  private roomForHandle(): void {
    if (this.handles.size >= MAX_HANDLES) throw Object.assign(new Error(`more than ${MAX_HANDLES} open files`), { code: 'EMFILE' });
  }
}

export async function startAgent(opts: AgentOptions): Promise<Agent> {
  const runtime = new LocalRuntime(opts.root, { env: opts.env });
  const sessions = new SessionRegistry({ ...DEFAULT_LIMITS, maxSessionsPerUser: 200, log: opts.log.child({ component: 'sessions' }) });
  const source: SessionSource = {
    async create(user, req) {
      if (req.workspace !== AGENT_WORKSPACE) throw new GatewayError(ErrorCode.NOT_FOUND, 'this worker serves one workspace');
      try {
        return await sessions.create({ userId: user.id, workspaceId: AGENT_WORKSPACE, runtime, pty: { cols: req.cols, rows: req.rows, cwd: req.cwd, command: req.command } });
      } catch (err) {
        if (err instanceof SessionLimitError) throw new GatewayError(ErrorCode.LIMIT, err.message);
        if (err instanceof RuntimeError) throw new GatewayError(err.code === 'bad_path' ? ErrorCode.BAD_PAYLOAD : ErrorCode.RUNTIME, err.message);
        throw err;
      }
    },
    find: (user, id) => sessions.getForUser(id, user.id),
    forget: (session) => sessions.forget(session.id),
  };
  const wanted = digest(opts.secret);
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_FRAME_BYTES });
  let current: Connection | null = null;

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
    if (!m || !timingSafeEqual(digest(m[1]!), wanted)) {
      opts.log.warn('agent upgrade refused: bad secret');
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      // One gateway at a time: a reconnecting gateway replaces a link it may have lost sight of.
      current?.close(CloseCode.NORMAL, 'replaced by a new gateway connection');
      current = new Connection(ws, AGENT_USER, source, DEFAULT_LIMITS, opts.log, new CallHandler(runtime, sessions));
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
      current?.close(CloseCode.GOING_AWAY, 'worker shutting down');
      wss.close();
      server.close();
      server.closeAllConnections();
      await sessions.dispose();
      await runtime.dispose();
    },
  };
}
