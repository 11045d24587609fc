/**
 * Builds a complete gateway from a Config: database, auth, session registry, runtimes, the `/ws`
 * gateway, tRPC and (optionally) the Next.js UI, behind one http.Server. `server/main.ts` calls it
 * for the real process; tests call it with PORT 0 and a temp DATA_DIR. No module-level state.
 */
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { mkdir } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';
import type { AuthOptions } from 'next-auth';
import { ErrorCode } from '../lib/protocol';
import { randomId } from '../lib/shared/ids';
import { createAuthenticator, type Authenticator } from './auth/authenticator';
import { AUTH_BASE_PATH, buildAuthOptions, handleAuthRequest } from './auth/next-auth';
import { FailureLimiter } from './auth/rate-limit';
import { SignedOutSessions } from './auth/signed-out';
import { TokenService } from './auth/tokens';
import { UserService } from './auth/users';
import type { Config } from './config';
import { openDatabase, type DatabaseHandle } from './db/database';
import { GatewayError, type SessionSource } from './gateway/connection';
import { SessionLimitError, SessionRegistry } from './gateway/session-registry';
import { WsGateway } from './gateway/ws-server';
import { FILES_PATH, handleFileRequest } from './http/file-routes';
import { originAllowed } from './http/origin';
import type { Logger } from './log';
import { LocalRuntime } from './runtimes/local/local-runtime';
import { PtyHosts } from './runtimes/local/pty-host';
import { RuntimeError, type Runtime } from './runtimes/runtime';
import { RuntimeRegistry } from './runtimes/runtime-registry';
import { FileService } from './workspaces/file-service';
import { loadOrCreateSecret, loadSealingKey } from './secrets';
import { Orchestrator } from './cloud/orchestrator';
import { MigrationService } from './migration/migration-service';
import { ProcessProvider } from './cloud/process-provider';
import { CloudRuntime } from './runtimes/cloud/cloud-runtime';
import { SshHostService } from './runtimes/ssh/host-service';
import { SshPool } from './runtimes/ssh/pool';
import { RunnerService } from './runtimes/ssh/runner-service';
import { SshRuntime } from './runtimes/ssh/ssh-runtime';
import { appRouter } from './trpc/router';
import { AgentsService } from './agents/agents-service';
import { Metrics } from './observability/metrics';
import { ScreenMirrors } from './agents/screen-mirror';
import { createGuestGate } from './sharing/guest-access';
import { GUEST_TRPC_PATH, SHARE_LINK_PREFIX, handleShareLink } from './sharing/share-routes';
import { GUEST_COOKIE, ShareService, type Denial, type GuestPrincipal } from './sharing/share-service';
import { parseCookies } from './http/cookies';
import { remoteAddress } from './http/origin';
import { WorkspaceService, type Workspace } from './workspaces/workspace-service';

const TRPC_PATH = '/api/trpc';
/** Pages that need a signed-in user; the gateway redirects to /login before Next renders them. */
const PROTECTED_PAGE = /^\/(?:$|w\/|agents$)/;

export interface UiHandler {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Next's own upgrade handling (dev HMR); null in production. */
  upgrade?: (req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => void;
  close(): Promise<void>;
}

export interface TetherOptions {
  config: Config;
  log: Logger;
  /** Builds the runtime of a local workspace. Default: LocalRuntime on its root. */
  runtimeFor?: (ws: Workspace) => Runtime;
  /** Extra environment for local terminals (tests point HOME at a temp dir). */
  terminalEnv?: Record<string, string>;
  /** SSH runner overrides (tests: their own cache dir on the host, daemons that exit soon). */
  runner?: { cacheDir?: string; idleExitMs?: number };
}

export interface Tether {
  url: string;
  server: http.Server;
  users: UserService;
  tokens: TokenService;
  workspaces: WorkspaceService;
  sessions: SessionRegistry;
  hosts: SshHostService;
  sshPool: SshPool;
  runners: RunnerService;
  /** Null when local terminals run in the gateway (TETHER_PTY_HOST=off). */
  ptyHosts: PtyHosts | null;
  runtimes: RuntimeRegistry;
  orchestrator: Orchestrator;
  shares: ShareService;
  authOptions: AuthOptions;
  /** Terminals still running on cloud workers, re-attached after start (resolves to how many). */
  readopted: Promise<number>;
  /** First-run admin password when it was generated (print once). */
  generatedAdminPassword: string | undefined;
  close(): Promise<void>;
}

async function loadUi(config: Config): Promise<UiHandler> {
  const { default: next } = await import('next');
  const app = next({ dev: config.dev, dir: path.resolve(import.meta.dirname, '..'), hostname: config.host, port: config.port || undefined });
  await app.prepare();
  const handle = app.getRequestHandler();
  const upgrade = config.dev ? app.getUpgradeHandler() : undefined;
  return {
    handle: (req, res) => handle(req, res),
    upgrade,
    close: () => app.close(),
  };
}

/** How long an OPEN of an unknown session waits for the re-adoption after a restart. */
const ADOPTION_WAIT_MS = 10_000;

function sessionSource(
  registry: SessionRegistry,
  workspaces: WorkspaceService,
  runtimes: RuntimeRegistry,
  onLimit: (limit: string) => void,
  adopting: () => Promise<unknown>,
): SessionSource {
  return {
    async create(user, req) {
      const ws = workspaces.get(user.id, req.workspace);
      if (!ws) throw new GatewayError(ErrorCode.NOT_FOUND, 'no such workspace');
      try {
        return await registry.create({
          userId: user.id,
          workspaceId: ws.id,
          runtime: runtimes.forWorkspace(ws),
          pty: { cols: req.cols, rows: req.rows, cwd: req.cwd, command: req.command },
        });
      } catch (err) {
        if (err instanceof SessionLimitError) {
          onLimit('sessions_per_user');
          throw new GatewayError(ErrorCode.LIMIT, err.message);
        }
        if (err instanceof RuntimeError) throw new GatewayError(err.code === 'bad_path' ? ErrorCode.BAD_PAYLOAD : ErrorCode.RUNTIME, err.message);
        throw err;
      }
    },
    // A browser reconnecting right after a restart may ask before its terminal is adopted again.
    find: async (user, id) =>
      registry.getForUser(id, user.id) ??
      (await Promise.race([adopting(), new Promise((r) => setTimeout(r, ADOPTION_WAIT_MS).unref())]), registry.getForUser(id, user.id)),
    forget: (session) => registry.forget(session.id),
  };
}

/** Not access-logged: Next's static assets and the probes. */
const QUIET_PATH = /^\/(?:_next\/|favicon|healthz$|readyz$|icon|apple-touch|sw\.js$|manifest)/;
const REQUEST_ID = /^[A-Za-z0-9_-]{8,64}$/;

/** The caller's `X-Request-Id` when it is a sane one (a proxy's), else a new id. */
function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomId(9);
}

/** Why the database cannot serve requests, or null when it can. */
function databaseProblem(dbh: DatabaseHandle): string | null {
  try {
    dbh.sqlite.prepare('SELECT 1').get();
    return null;
  } catch (err) {
    return `database: ${(err as Error).message}`;
  }
}

function securityHeaders(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
}

export async function createTether(opts: TetherOptions): Promise<Tether> {
  const { config, log } = opts;
  const dataDir = path.resolve(config.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const dbh: DatabaseHandle = openDatabase(path.join(dataDir, 'tether.db'));
  const users = new UserService(dbh.db);
  const tokens = new TokenService(dbh.db, users);
  const workspaces = new WorkspaceService(dbh.db, path.join(dataDir, 'workspaces'));
  const admin = await users.ensureAdmin(config.adminUser, config.adminPassword);
  const secret = config.nextAuthSecret ?? (await loadOrCreateSecret(dataDir, 'nextauth-secret'));
  const signedOut = new SignedOutSessions(dbh.db);
  const authOptions = buildAuthOptions({
    users,
    secret,
    // A session that signs out is refused from now on (a copied cookie too), and its sockets close.
    onSignOut: ({ jti, expiresAt }) => {
      signedOut.add(jti, expiresAt);
      const closed = gateway.closeSession(jti);
      log.info('signed out', { sockets: closed });
    },
    secure: config.secure,
    log: log.child({ component: 'auth' }),
    ipLimiter: new FailureLimiter({ max: config.limits.loginFailuresPerIp, windowMs: config.limits.loginWindowMs }),
    userLimiter: new FailureLimiter({ max: config.limits.loginFailuresPerUser, windowMs: config.limits.loginWindowMs }),
  });
  const authenticator: Authenticator = createAuthenticator({ users, tokens, secret, secure: config.secure, signedOut });
  // Gauges read these at scrape time, after everything below exists.
  const metrics: Metrics = new Metrics({
    sessions: () => ({ running: sessions.running, total: sessions.size }),
    sshPool: () => {
      const entries = sshPool.health();
      return {
        connections: entries.reduce((n, e) => n + e.connections, 0),
        channels: entries.reduce((n, e) => n + e.channels, 0),
        healthy: entries.filter((e) => e.state === 'ready').length,
        hosts: entries.length,
      };
    },
    cloudPool: () => orchestrator.poolStatus(),
    sockets: () => gateway.size,
    guestsOnline: () => shares.guestsOnline(),
  });
  const sessions: SessionRegistry = new SessionRegistry({ ...config.limits, log: log.child({ component: 'sessions' }), observe: metrics });
  const sshPool: SshPool = new SshPool({ maxChannels: config.ssh.maxChannels, idleCloseMs: config.ssh.idleCloseMs, log: log.child({ component: 'ssh' }), observe: metrics });
  const runners = new RunnerService({
    pool: sshPool,
    dataDir: config.dataDir,
    log: log.child({ component: 'runner' }),
    graceMs: config.ssh.runnerGraceMs,
    lostAfterMs: 10 * 60_000,
    onStatus: (hostId, status) => hosts.recordRunnerStatus(hostId, status),
    cacheDir: config.ssh.runnerCacheDir,
    ...opts.runner,
  });
  const hosts = new SshHostService({
    db: dbh.db,
    sealingKey: await loadSealingKey(dataDir, 'ssh-key-secret'),
    sshDir: config.ssh.dir,
    agentSocket: config.ssh.agentSocket,
    defaultUser: userInfo().username,
  });
  const provider = new ProcessProvider({
    baseDir: path.join(dataDir, 'workers'),
    repoRoot: path.resolve(import.meta.dirname, '..'),
    log: log.child({ component: 'workers' }),
    sandbox: config.cloud.sandbox,
  });
  const orchestrator = new Orchestrator({
    db: dbh.db,
    provider,
    log: log.child({ component: 'orchestrator' }),
    warmPoolSize: config.cloud.warmPoolSize,
    maxWorkersPerUser: config.cloud.maxWorkersPerUser,
    idleReleaseMs: config.cloud.idleReleaseMs,
    observe: metrics,
  });
  await orchestrator.start();
  const cloudInfo = async () => ({ provider: provider.name, sandbox: await provider.sandbox() });
  // Local terminals live in the pty host, so they survive this process (pty-host.ts).
  const ptyHosts = config.ptyHost ? new PtyHosts({ dataDir: config.dataDir, log: log.child({ component: 'pty-host' }), graceMs: config.ssh.runnerGraceMs }) : null;
  const localRuntime =
    opts.runtimeFor ?? ((ws: Workspace) => new LocalRuntime(ws.root, { env: opts.terminalEnv, hosted: ptyHosts?.forWorkspace(ws.id, ws.root, opts.terminalEnv) }));
  // The one place that knows kinds of runtime: everything else sees the Runtime contract.
  const runtimes = new RuntimeRegistry((ws) => {
    if (ws.kind === 'local') return localRuntime(ws);
    if (ws.kind === 'cloud') {
      const workerId = ws.workerId ?? '';
      return new CloudRuntime({
        id: `cloud:${workerId}`,
        endpoint: async () => orchestrator.get(workerId)?.endpoint ?? null,
        onActivity: () => orchestrator.touch(workerId),
        log: log.child({ component: 'cloud', worker: workerId }),
      });
    }
    const host = ws.hostId ? hosts.byId(ws.hostId) : null;
    if (!host) throw new RuntimeError('unavailable', 'the SSH host of this workspace no longer exists');
    const target = hosts.poolTarget(host);
    return new SshRuntime({
      pool: sshPool,
      target,
      root: ws.root,
      runner: {
        host: runners.forHost(host.id, target),
        workspaceId: ws.id,
        settings: () => hosts.byId(host.id)?.runner ?? { mode: 'never', limits: {} },
      },
    });
  });
  const files = new FileService();
  const migrations = new MigrationService({
    workspaces,
    runtimes,
    sessions,
    hosts,
    sshPool,
    orchestrator,
    localBase: path.join(dataDir, 'workspaces'),
    log: log.child({ component: 'migration' }),
    observe: metrics,
  });
  const shares = new ShareService(dbh.db, log.child({ component: 'shares' }));
  const mirrors = new ScreenMirrors();
  const agents = new AgentsService({ sessions, workspaces, mirrors });
  let adopting: Promise<unknown> = Promise.resolve();
  const source = sessionSource(sessions, workspaces, runtimes, (limit) => metrics.limitHit(limit), () => adopting);
  const gateway = new WsGateway({
    authenticator,
    guests: createGuestGate(shares, source),
    sessions: source,
    limits: config.limits,
    trustedOrigins: config.trustedOrigins,
    log: log.child({ component: 'gateway' }),
    observe: metrics,
  });
  const trpcHandler = createHTTPHandler({
    router: appRouter,
    basePath: `${TRPC_PATH}/`,
    createContext: async ({ req }) => {
      const reqLog = log.child({ req: requestIds.get(req) });
      const services = { workspaces, sessions, tokens, runtimes, files, hosts, sshPool, runners, orchestrator, migrations, cloudInfo, users, shares, agents, mirrors, metrics, socketCount: () => gateway.size, log: reqLog, peer: remoteAddress(req) };
      const guest = guestRequests.get(req);
      if (guest) return { ...services, user: null, guest: guest.ok ? guest.value : null, guestDenial: guest.ok ? null : guest.denial };
      return { ...services, user: await authenticator.authenticate(req), guest: null, guestDenial: null };
    },
    onError: ({ error, path: p, req }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') log.error('trpc error', { req: requestIds.get(req), path: p, error: error.message });
    },
  });
  const ui = config.ui ? await loadUi(config) : null;
  let closing: Promise<void> | undefined;
  const requestIds = new WeakMap<IncomingMessage, string>();
  /** Requests that came in under a share's path, with what their cookie is worth. */
  const guestRequests = new WeakMap<IncomingMessage, { ok: true; value: GuestPrincipal } | { ok: false; denial: Denial }>();
  const linkLimiter = new FailureLimiter({ max: 30, windowMs: 60_000 });

  const server = http.createServer((req, res) => {
    securityHeaders(res);
    const pathname = (req.url ?? '/').split('?')[0]!;
    // A share link's path is its token: it is logged without it (and the logger scrubs tokens too).
    const logPath = pathname.startsWith(SHARE_LINK_PREFIX) ? `${SHARE_LINK_PREFIX}…` : pathname;
    const reqId = requestId(req);
    res.setHeader('x-request-id', reqId);
    requestIds.set(req, reqId);
    if (!QUIET_PATH.test(pathname)) {
      const started = performance.now();
      res.once('finish', () =>
        log.info('request', { req: reqId, method: req.method, path: logPath, status: res.statusCode, ms: Math.round(performance.now() - started) }),
      );
    }
    const fail = (err: unknown) => {
      log.error('request failed', { req: reqId, path: logPath, error: (err as Error).message });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('Internal error');
    };
    if (pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end('ok');
    }
    if (pathname === '/readyz') {
      const problem = closing ? 'shutting down' : databaseProblem(dbh);
      res.writeHead(problem ? 503 : 200, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
      return res.end(problem ? `not ready: ${problem}\n` : 'ready\n');
    }
    if (pathname === '/metrics') {
      return authenticator
        .authenticate(req)
        .then(async (user) => {
          if (!user || user.role !== 'admin') {
            res.writeHead(user ? 403 : 401, { 'content-type': 'text/plain' });
            return res.end(user ? 'Metrics are for admins\n' : 'Sign in or send an admin API token\n');
          }
          const body = await metrics.text();
          res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
          res.end(body);
        })
        .catch(fail);
    }
    if (pathname === AUTH_BASE_PATH || pathname.startsWith(AUTH_BASE_PATH + '/')) {
      return handleAuthRequest(req, res, authOptions, config.secure).catch(fail);
    }
    if (pathname.startsWith(SHARE_LINK_PREFIX)) {
      return handleShareLink(req, res, { shares, secure: config.secure, limiter: linkLimiter, log });
    }
    const guestTrpc = GUEST_TRPC_PATH.exec(pathname);
    if (guestTrpc) {
      if (!originAllowed(req, config.trustedOrigins)) {
        res.writeHead(403, { 'content-type': 'text/plain' });
        return res.end('Cross-origin request refused');
      }
      const shareId = guestTrpc[1]!;
      const auth = shares.authenticate(shareId, parseCookies(req.headers.cookie)[GUEST_COOKIE]);
      guestRequests.set(req, auth);
      // Revoking the link (or its expiry, or a kick) cuts open streams such as presence or watch.
      if (auth.ok) res.once('close', shares.attach(auth.value, () => res.destroy()));
      req.url = req.url!.slice(`/shared/${shareId}`.length);
      return trpcHandler(req, res);
    }
    if (pathname.startsWith(FILES_PATH)) {
      return handleFileRequest(req, res, { authenticator, workspaces, runtimes, trustedOrigins: config.trustedOrigins }).catch(fail);
    }
    if (pathname.startsWith(TRPC_PATH + '/')) {
      if (!originAllowed(req, config.trustedOrigins)) {
        res.writeHead(403, { 'content-type': 'text/plain' });
        return res.end('Cross-origin request refused');
      }
      return trpcHandler(req, res);
    }
    if (!ui) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('Not found');
    }
    if (req.method === 'GET' && PROTECTED_PAGE.test(pathname)) {
      return authenticator
        .authenticate(req)
        .then((user) => {
          if (user) return ui.handle(req, res);
          res.writeHead(302, { location: `/login?callbackUrl=${encodeURIComponent(req.url ?? '/')}` });
          res.end();
        })
        .catch(fail);
    }
    return ui.handle(req, res).catch(fail);
  });
  server.on('upgrade', (req, socket, head: Buffer) => {
    if (gateway.handleUpgrade(req, socket, head)) return;
    if (ui?.upgrade) return ui.upgrade(req, socket, head);
    socket.destroy();
  });
  // Keep-alive sockets that idle forever would hold graceful shutdown open.
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const hostForUrl = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `${config.secure ? 'https' : 'http'}://${hostForUrl}:${addr.port}`;

  // Terminals in the pty host, on cloud workers and in SSH runners outlived the previous
  // gateway: give them sessions again, with their ids and offsets (SSH hosts only when their runner was up last time: no connecting to every
  // host at startup).
  const readopted = (async () => {
    let n = 0;
    const ssh = workspaces.listOfKind('ssh').filter(({ workspace }) => {
      const h = workspace.hostId ? hosts.byId(workspace.hostId) : null;
      return h?.runner.mode !== 'never' && h?.runner.status?.state === 'runner';
    });
    const local = ptyHosts ? workspaces.listOfKind('local') : [];
    for (const { userId, workspace } of [...local, ...workspaces.listOfKind('cloud'), ...ssh]) {
      try {
        const rt = runtimes.forWorkspace(workspace);
        if (!rt.runningTerminals || !rt.attachPty) continue;
        for (const t of await rt.runningTerminals()) {
          if (sessions.has(t.id)) continue;
          sessions.adopt({ userId, workspaceId: workspace.id, proc: await rt.attachPty(t), cols: t.cols, rows: t.rows, createdAt: t.createdAt, id: t.id });
          n++;
        }
      } catch (err) {
        log.warn('terminals of a workspace not re-attached', { workspace: workspace.id, kind: workspace.kind, error: (err as Error).message });
      }
    }
    if (n) log.info('re-attached terminals of the pty host, cloud workers and SSH runners', { terminals: n });
    return n;
  })();
  adopting = readopted;

  const close = () =>
    (closing ??= (async () => {
      server.close();
      gateway.close();
      shares.dispose();
      await sessions.dispose();
      await runtimes.dispose();
      runners.dispose();
      ptyHosts?.dispose();
      sshPool.dispose();
      // Workers of cloud workspaces keep running (the next start re-adopts them); warm ones end.
      await orchestrator.stop({ releaseWarm: true });
      server.closeAllConnections();
      await ui?.close().catch(() => {});
      dbh.close();
    })());

  return { url, server, users, tokens, workspaces, sessions, hosts, sshPool, runners, ptyHosts, runtimes, orchestrator, shares, readopted, authOptions, generatedAdminPassword: admin.generatedPassword, close };
}
