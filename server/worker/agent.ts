/**
 * Worker agent: the small server that keeps terminals and serves workspace folders to a gateway
 * over agent links (lib/protocol/agent.ts on top of wire protocol v1). It runs as
 *
 * - a cloud worker: one folder (AGENT_WORKSPACE) over authenticated WebSockets
 *   (`Authorization: Bearer <per-worker secret>`, compared in constant time before the 101), one
 *   per gateway: several gateways behind a load balancer each keep their own link, and a link
 *   claimed again by the same gateway (`links.claim`, after a network failure) replaces its old one;
 * - the SSH runner and the local pty host (daemon.ts): any folder the gateway binds with
 *   `workspaces.bind`, over length-prefixed links on a Unix socket, several links at once.
 *
 * - Terminals: served by the gateway's own Connection and session registry over node-pty, so the
 *   agent keeps its replay ring and offsets and a gateway that reconnects resumes exactly.
 * - exec, files, health, watching (inotify via chokidar): CALL/REPLY/NOTICE frames answered from
 *   the local runtime with structured results (agent-calls.ts; no parsing of command output).
 * - `GET /healthz` (cloud worker) answers without auth (liveness for the orchestrator).
 */
import { rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { AGENT_WORKSPACE, CloseCode, ErrorCode, MAX_FRAME_BYTES } from '../../lib/protocol';
import { DEFAULT_LIMITS } from '../config';
import { Connection, type SessionSource } from '../core/connection';
import { GatewayError } from '../core/errors';
import { SessionRegistry } from '../core/session-registry';
import type { Logger } from '../log';
import { secretMatcher } from '../secrets';
import type { LinkSocket } from '../runtimes/agent/framed-stream';
import { LocalRuntime } from '../runtimes/local/local-runtime';
import { planLimits, type LimitsPlan, type SessionLimits } from '../runtimes/limits';
import { probeSandbox } from '../os/sandbox';
import { AGENT_USER, CallHandler, callError, type CallHost } from './agent-calls';

/**
 * A link is a gateway, which carries the terminals of all its users: limits on terminals belong
 * to users and browser sockets, and the gateway enforces them. The agent counts none per link.
 */
const LINK_LIMITS = { ...DEFAULT_LIMITS, maxChannelsPerConnection: Number.POSITIVE_INFINITY };
const AGENT_RING_BYTES = 8 * 1024 * 1024;

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
  /**
   * Keep a terminal's output in a memfd of the gateway's when it asks (`terminals.ring`,
   * ring-file.ts): the local pty host, whose gateway is on the same machine.
   */
  ringFiles?: boolean;
  /** Test hook: how resource limits are applied (default: probe systemd-run, else ulimit). */
  planLimits?: (limits: SessionLimits) => Promise<LimitsPlan>;
}

/** Terminals and workspaces of one agent process, served to any number of links. */
export class AgentCore implements CallHost {
  readonly sessions: SessionRegistry;
  private readonly workspaces = new Map<string, BoundWorkspace>();
  private readonly links = new Set<Connection>();
  /** Link claims: a gateway's id → its current link. */
  private readonly claims = new Map<string, Connection>();
  private readonly linkListeners = new Set<() => void>();
  readonly source: SessionSource;
  /** AgentCoreOptions.ringFiles. */
  readonly ringFiles: boolean;

  constructor(private readonly opts: AgentCoreOptions) {
    this.ringFiles = opts.ringFiles ?? false;
    // A bigger ring than a gateway's: it is what a program can print while no gateway is
    // connected before it has to wait (holdDetached), and what a returning gateway resumes from.
    this.sessions = new SessionRegistry({ ...DEFAULT_LIMITS, ringBytes: AGENT_RING_BYTES, holdDetached: true, maxSessionsPerUser: Number.POSITIVE_INFINITY, log: opts.log.child({ component: 'sessions' }) });
    if (opts.root) this.workspaces.set(AGENT_WORKSPACE, { root: opts.root, runtime: new LocalRuntime(opts.root, { env: opts.env }), limits: { mechanism: 'none', applied: [], unsupported: [] } });
    const core = this;
    this.source = {
      async create(user, req) {
        const ws = core.workspaces.get(req.workspace);
        if (!ws) throw new GatewayError(ErrorCode.NOT_FOUND, 'no such workspace on this agent (bind it first)');
        return core.sessions.create({ userId: user.id, workspaceId: req.workspace, runtime: ws.runtime, pty: { cols: req.cols, rows: req.rows, cwd: req.cwd, command: req.command } });
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
  async bind(name: string, root: string, limits: SessionLimits, env: Record<string, string> = {}, confine = false): Promise<{ root: string; limits: LimitsPlan }> {
    if (this.opts.root) throw callError('forbidden', 'this worker serves one workspace');
    if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(name)) throw callError('bad_request', 'a workspace name is 1-100 letters, digits, _ . : -');
    if (!root.startsWith('/') || root.includes('\0')) throw callError('bad_request', 'the root must be an absolute path');
    const had = this.workspaces.get(name);
    if (had && had.root !== root) throw callError('EEXIST', `workspace ${name} is already bound to another folder`);
    const plan = await (this.opts.planLimits ?? planLimits)(limits);
    for (const [k, v] of Object.entries(env)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(k) || typeof v !== 'string' || v.includes('\0')) throw callError('bad_request', `bad environment variable ${JSON.stringify(k).slice(0, 70)}`);
    }
    if (confine) {
      const problem = await probeSandbox();
      if (problem) throw callError('unavailable', `terminals of a member's workspace on this machine run in a sandbox, and ${problem} (install bubblewrap, or set TETHER_MEMBER_TERMINALS=unconfined)`);
    }
    const runtime = had?.runtime ?? new LocalRuntime(root, { env: { ...this.opts.env, ...env }, wrap: plan.wrap, confine });
    runtime.setWrap(plan.wrap);
    runtime.setConfine(confine);
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

/** TCP (`ws://host:port/`), or a Unix socket (`ws+unix://<path>:/`, created 0600). */
export type AgentListen = { host: string; port: number } | { socketPath: string };

export type AgentOptions = AgentListen & {
  root: string;
  secret: string;
  log: Logger;
  /** Extra environment for terminals and exec. */
  env?: Record<string, string>;
};

export interface Agent {
  url: string;
  close(): Promise<void>;
}

/** A cloud worker's agent: one folder, a WebSocket link per gateway. */
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
    // Every gateway its own link (each its own Connection): two gateways can view the same
    // terminal, and one taking over from a dead one resumes from the offsets kept here. A gateway
    // that reconnects claims its id again (links.claim), which closes the link it lost sight of.
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => core.attach(ws));
  });
  let url: string;
  if ('socketPath' in opts) {
    await rm(opts.socketPath, { force: true }); // left by an agent of this container before a restart
    const umask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(opts.socketPath, () => resolve());
      });
    } finally {
      process.umask(umask);
    }
    url = `ws+unix://${opts.socketPath}:/`;
  } else {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => resolve());
    });
    url = `ws://${opts.host}:${(server.address() as AddressInfo).port}/`;
  }
  return {
    url,
    async close() {
      core.closeLinks(CloseCode.GOING_AWAY, 'worker shutting down');
      wss.close();
      server.close();
      server.closeAllConnections();
      await core.close();
    },
  };
}
