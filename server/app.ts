/**
 * Composition root: builds a complete gateway from a Config — database, auth, session registry,
 * runtimes, the `/ws` gateway, tRPC and (optionally) the Next.js UI, behind one http.Server — and
 * wires them together. `server/main.ts` calls it for the real process; tests call it with PORT 0
 * and a temp DATA_DIR. No module-level state. Policy lives in the modules it wires: routing in
 * http/router.ts and http/routes.ts, workspaces' places and runtimes in placements/ (re-adoption
 * after a restart in placements/readoption.ts), opening terminals in gateway/session-source.ts,
 * sharing around the terminal core in sharing/shared-session.ts (README: Architecture).
 */
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';
import type { AuthOptions } from 'next-auth';
import { AccountService } from './auth/accounts';
import { AuditLog } from './audit/audit-log';
import { createAuthenticator, type Authenticator } from './auth/authenticator';
import { IdentityService } from './auth/identities';
import { buildAuthOptions } from './auth/next-auth';
import { FailureLimiter } from './auth/rate-limit';
import { SignedOutSessions } from './auth/signed-out';
import { SignInSessions } from './auth/sign-in-sessions';
import { TokenService } from './auth/tokens';
import { UserService } from './auth/users';
import type { Config, DockerConfig } from './config';
import { openDatabase, type DatabaseHandle } from './db/database';
import { SessionRegistry } from './core/session-registry';
import { sessionSource } from './gateway/session-source';
import { WsGateway } from './gateway/ws-server';
import { createRouter, type RequestIds } from './http/router';
import { gatewayRoutes } from './http/routes';
import { createTrpcMounts } from './http/trpc-mounts';
import { loadUi, uiFallback } from './http/ui';
import { MemoryRelief } from './os/memory-relief';
import type { Logger } from './log';
import { PtyHosts } from './runtimes/local/pty-host';
import type { Runtime } from './runtimes/runtime';
import { RuntimeRegistry } from './placements/runtime-registry';
import { FileService } from './workspaces/file-service';
import { loadOrCreateSecret, loadSealingKey, sha256Hex } from './secrets';
import { Orchestrator } from './cloud/orchestrator';
import { MigrationService } from './migration/migration-service';
import { MirrorService } from './mirror/mirror-service';
import { ProcessProvider } from './cloud/process-provider';
import { DockerProvider } from './cloud/docker-provider';
import { DockerEngine, parseDockerHost } from './cloud/docker/engine';
import { SshHostService } from './hosts/host-service';
import { SshPool } from './runtimes/ssh/pool';
import { RunnerService } from './runtimes/ssh/runner-service';
import { AgentsService } from './agents/agents-service';
import { WorkspaceActivity } from './agents/workspace-activity';
import { gauges } from './observability/gauges';
import { Metrics } from './observability/metrics';
import { ScreenMirrors } from './agents/screen-mirror';
import { createGuestGate } from './sharing/guest-access';
import { userSessions } from './sharing/member-access';
import { MemberService, personName } from './sharing/members';
import { PresenceBoard } from './sharing/shared-session';
import { ShareService } from './sharing/share-service';
import { SettingsService } from './settings/settings-service';
import { Placements } from './placements';
import { readoptTerminals } from './placements/readoption';
import { WorkspaceService, type Workspace } from './workspaces/workspace-service';
import { openClusterBus, wireCluster, type ClusterSockets } from './cluster';
import { TerminalCatchUp } from './cluster/terminal-catch-up';
import { NodePins } from './cluster/node-pins';

export type { UiHandler } from './http/ui';

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
  /** Workspace members: other accounts an owner added to a workspace. */
  members: MemberService;
  authOptions: AuthOptions;
  /** Security events (sign-ins, accounts, tokens, shares, members, host keys, migrations). */
  audit: AuditLog;
  /** Live file mirrors between workspaces. */
  fileMirrors: MirrorService;
  /** Terminals still running on cloud workers, re-attached after start (resolves to how many). */
  readopted: Promise<number>;
  /** First-run admin password when it was generated (print once). */
  generatedAdminPassword: string | undefined;
  close(): Promise<void>;
}

/** next-auth's options and the authenticator of requests and sockets. */
async function buildAuth(config: Config, log: Logger, dataDir: string, dbh: DatabaseHandle, users: UserService, tokens: TokenService, audit: AuditLog, closeSockets: (sid: string) => number) {
  const secret = config.nextAuthSecret ?? (await loadOrCreateSecret(dataDir, 'nextauth-secret'));
  const signedOut = new SignedOutSessions(dbh);
  const signIns = new SignInSessions(dbh);
  const authOptions = buildAuthOptions({
    users,
    identities: new IdentityService(dbh, users, config.sso),
    sso: config.sso,
    audit,
    secret,
    signIns,
    // A session that signs out is refused from now on (a copied cookie too), and its sockets close.
    onSignOut: async ({ jti, sid, expiresAt }) => {
      await signedOut.add(jti, expiresAt);
      if (sid) await signIns.signOut(sid);
      const closed = sid ? closeSockets(sid) : 0;
      log.info('signed out', { sockets: closed });
    },
    secure: config.secure,
    log: log.child({ component: 'auth' }),
    ipLimiter: new FailureLimiter({ max: config.limits.loginFailuresPerIp, windowMs: config.limits.loginWindowMs }),
    userLimiter: new FailureLimiter({ max: config.limits.loginFailuresPerUser, windowMs: config.limits.loginWindowMs }),
  });
  const authenticator: Authenticator = createAuthenticator({ users, tokens, secret, secure: config.secure, signedOut, signIns });
  return { authOptions, authenticator, signIns };
}

/** Where workspaces run besides here: SSH hosts (pool, runners) and cloud workers (started). */
async function buildRemote(opts: TetherOptions, dataDir: string, dbh: DatabaseHandle, metrics: Metrics) {
  const { config, log } = opts;
  const sshPool = new SshPool({ maxChannels: config.ssh.maxChannels, idleCloseMs: config.ssh.idleCloseMs, log: log.child({ component: 'ssh' }), observe: metrics });
  const runners = new RunnerService({
    pool: sshPool,
    dataDir: config.dataDir,
    log: log.child({ component: 'runner' }),
    graceMs: config.ssh.runnerGraceMs,
    lostAfterMs: 10 * 60_000,
    onStatus: (hostId, status) => void hosts.recordRunnerStatus(hostId, status).catch((err: Error) => log.warn('runner status not recorded', { hostId, error: err.message })),
    cacheDir: config.ssh.runnerCacheDir,
    ...opts.runner,
  });
  const hosts = new SshHostService({
    dbh,
    sealingKey: await loadSealingKey(dataDir, 'ssh-key-secret'),
    sshDir: config.ssh.dir,
    agentSocket: config.ssh.agentSocket,
    defaultUser: userInfo().username,
  });
  const workersLog = log.child({ component: 'workers' });
  const provider =
    config.cloud.provider === 'docker'
      ? dockerProvider(config.cloud.docker, dataDir, workersLog)
      : new ProcessProvider({ baseDir: path.join(dataDir, 'workers'), repoRoot: path.resolve(import.meta.dirname, '..'), log: workersLog, sandbox: config.cloud.sandbox });
  const orchestrator = new Orchestrator({
    dbh,
    provider,
    log: log.child({ component: 'orchestrator' }),
    warmPoolSize: config.cloud.warmPoolSize,
    maxWorkersPerUser: config.cloud.maxWorkersPerUser,
    idleReleaseMs: config.cloud.idleReleaseMs,
    observe: metrics,
  });
  await orchestrator.start();
  const cloudInfo = async () => ({ provider: provider.name, sandbox: await provider.sandbox() });
  return { sshPool, runners, hosts, orchestrator, cloudInfo };
}

/** Cloud workers as containers (TETHER_CLOUD_PROVIDER=docker). The namespace defaults to one per DATA_DIR. */
function dockerProvider(docker: DockerConfig, dataDir: string, log: Logger): DockerProvider {
  return new DockerProvider({
    engine: new DockerEngine(parseDockerHost(docker.host)),
    baseDir: path.join(dataDir, 'dw'),
    namespace: docker.namespace ?? `g${sha256Hex(Buffer.from(dataDir)).slice(0, 12)}`,
    log,
    listen: docker.agent,
    publishIp: docker.publishIp,
    network: docker.network,
    sizes: docker.sizes,
  });
}

/** Listens as configured; resolves to the URL it serves at. */
async function listen(server: http.Server, config: Config): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const hostForUrl = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return `${config.secure ? 'https' : 'http'}://${hostForUrl}:${addr.port}`;
}

export async function createTether(opts: TetherOptions): Promise<Tether> {
  const { config, log } = opts;
  const dataDir = path.resolve(config.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // DATABASE_URL (postgres://…) or the SQLite file in DATA_DIR (README: Database).
  const dbh: DatabaseHandle = await openDatabase(config.database ?? path.join(dataDir, 'tether.db'));
  const users = new UserService(dbh);
  const tokens = new TokenService(dbh, users);
  const settings = new SettingsService(dbh);
  const audit = new AuditLog(dbh, log.child({ component: 'audit' }));
  const workspaces = new WorkspaceService(dbh, path.join(dataDir, 'workspaces'), dataDir);
  const admin = await users.ensureAdmin(config.adminUser, config.adminPassword);
  // Several gateways: what one closes, every one closes (cluster/wiring.ts; one alone: in-process).
  const bus = await openClusterBus(config, dbh, log.child({ component: 'cluster' }));
  const { authOptions, authenticator, signIns } = await buildAuth(config, log, dataDir, dbh, users, tokens, audit, (sid) => clusterSockets.closeSession(sid, 'signed out'));
  const metrics: Metrics = new Metrics(gauges(() => ({ sessions, sshPool, orchestrator, gateway, shares })));
  const relief = new MemoryRelief();
  const sessions: SessionRegistry = new SessionRegistry({ ...config.limits, log: log.child({ component: 'sessions' }), observe: metrics });
  const { sshPool, runners, hosts, orchestrator, cloudInfo } = await buildRemote(opts, dataDir, dbh, metrics);
  const ptyHosts = config.ptyHost ? new PtyHosts({ dataDir: config.dataDir, log: log.child({ component: 'pty-host' }), graceMs: config.ssh.runnerGraceMs }) : null;
  // A member's local terminals run sandboxed; an admin's as this OS user (README: Roles).
  const confined = async (ws: Workspace) => config.memberTerminals !== 'unconfined' && (await users.info((await workspaces.ownerOf(ws.id)) ?? ''))?.role !== 'admin';
  // Several gateways: local workspaces belong to the node (machine) holding their folder.
  const pins = bus.kind === 'memory' ? null : new NodePins(dbh, bus, config.cluster?.node ?? 'local', log.child({ component: 'cluster' }));
  await pins?.load();
  const placements = new Placements({ pins, workspaces, base: path.join(dataDir, 'workspaces'), ptyHosts, terminalEnv: opts.terminalEnv, runtimeFor: opts.runtimeFor, confined, hosts, sshPool, runners, orchestrator, log });
  const runtimes = new RuntimeRegistry((ws) => placements.build(ws));
  const files = new FileService();
  const migrations = new MigrationService({ workspaces, placements, runtimes, sessions, audit, log: log.child({ component: 'migration' }), observe: metrics });
  const shares = new ShareService(dbh, log.child({ component: 'shares' }), { audit, userName: async (id) => (await users.get(id))?.name ?? null });
  const presence = new PresenceBoard();
  const members = new MemberService(dbh, log.child({ component: 'members' }));
  const nameOf = async (userId: string) => {
    const u = await users.info(userId);
    return u ? personName(u) : '';
  };
  const fileMirrors = new MirrorService({ dbh, workspaces, runtimes, dir: path.join(dataDir, 'mirrors'), log: log.child({ component: 'mirror' }) });
  const mirrors = new ScreenMirrors();
  const agents = new AgentsService({ sessions, workspaces, mirrors });
  const activity = new WorkspaceActivity(agents);
  let adopting: Promise<unknown> = Promise.resolve();
  // Several gateways: terminals on agents that another gateway opened are attached when asked for.
  const catchUp = bus.kind === 'memory' ? null : new TerminalCatchUp({ workspaces, placements, runtimes, sessions, log });
  const source = sessionSource({ registry: sessions, workspaces, runtimes, onLimit: (limit) => metrics.limitHit(limit), adopting: () => adopting, catchUp: catchUp ? (userId) => catchUp.forUser(userId) : undefined });
  const gateway: WsGateway = new WsGateway({
    authenticator,
    guests: createGuestGate(shares, source, presence),
    sessionsFor: (user, link) => userSessions({ source, members, presence, nameOf }, user, link),
    limits: config.limits,
    trustedOrigins: config.trustedOrigins,
    log: log.child({ component: 'gateway' }),
    observe: metrics,
  });
  const clusterSockets: ClusterSockets = wireCluster(bus, { gateway: () => gateway, shareLive: shares.live, memberLive: members.live, presence });
  const accounts = new AccountService({
    users,
    shares,
    members,
    sessions,
    runtimes,
    workspaces,
    placements,
    activity,
    closeUserSockets: (userId, reason) => clusterSockets.closeUser(userId, reason),
    log: log.child({ component: 'accounts' }),
  });
  const requestIds: RequestIds = new WeakMap();
  const services = { audit, signIns, closeSignInSockets: (sid: string, reason: string) => clusterSockets.closeSession(sid, reason), catchUpTerminals: catchUp ? (ownerId: string, workspaceId?: string) => catchUp.forUser(ownerId, workspaceId) : undefined, workspaces, placements, presence, sessions, tokens, runtimes, files, hosts, sshPool, runners, orchestrator, migrations, cloudInfo, users, accounts, settings, shares, members, agents, activity, mirrors, fileMirrors, metrics, socketCount: () => gateway.size };
  const trpc = createTrpcMounts({ services, authenticator, requestIds, log });
  const ui = config.ui ? await loadUi(config) : null;
  let closing: Promise<void> | undefined;
  const { secure, trustedOrigins } = config;
  const routes = gatewayRoutes({ dbh, closing: () => !!closing, authenticator, authOptions, metrics, shares, workspaces, runtimes, trpc, secure, trustedOrigins, log });
  const server = http.createServer(createRouter({ routes, fallback: uiFallback(ui, authenticator), trustedOrigins, requestIds, log }));
  server.on('upgrade', (req, socket, head: Buffer) => {
    if (gateway.handleUpgrade(req, socket, head)) return;
    if (ui?.upgrade) return ui.upgrade(req, socket, head);
    socket.destroy();
  });
  // Keep-alive sockets that idle forever would hold graceful shutdown open.
  server.keepAliveTimeout = 5000;
  const url = await listen(server, config);
  // After listening: a browser that reconnects at once waits for it (sessionSource's find).
  const readopted = readoptTerminals(workspaces, placements, runtimes, sessions, log);
  adopting = readopted;
  // Mirrors reconcile in the background; a side out of reach is retried, not waited for.
  await fileMirrors.start();

  const close = () =>
    (closing ??= (async () => {
      server.close();
      gateway.close();
      shares.dispose();
      await fileMirrors.dispose();
      await sessions.dispose();
      relief.dispose();
      await runtimes.dispose();
      runners.dispose();
      ptyHosts?.dispose();
      sshPool.dispose();
      // Workers of cloud workspaces keep running (the next start re-adopts them); warm ones end.
      await orchestrator.stop({ releaseWarm: true });
      server.closeAllConnections();
      await ui?.close().catch(() => {});
      clusterSockets.dispose();
      await bus.close();
      await audit.flush();
      await dbh.close();
    })());

  return { url, server, users, tokens, workspaces, fileMirrors, sessions, hosts, sshPool, runners, ptyHosts, runtimes, orchestrator, shares, members, readopted, authOptions, audit, generatedAdminPassword: admin.generatedPassword, close };
}
