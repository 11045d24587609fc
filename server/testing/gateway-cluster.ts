/**
 * Test and bench fixture: N real gateway processes — the shipped bundle with its node flags, as
 * `npm start` runs it (scripts/gateway-build.mjs, like e2e/fixtures.ts) — on one database, behind
 * Debian's nginx (nginx.ts). Each gateway has a fixed loopback port, so one can be killed and
 * started again in its place (a crash, a rolling restart) without touching nginx.
 *
 * One database: the SQLite file of a shared DATA_DIR with TETHER_CLUSTER=on (several gateways on
 * one machine), or Postgres when `databaseUrl` is given (needs the Postgres data layer). The
 * secrets every gateway must share come from that DATA_DIR (nextauth-secret, ssh-key-secret), as
 * README "Running several gateways" describes; gateway 0 starts first and creates them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GATEWAY_ENV, gatewayArgv } from '../../scripts/gateway-build.mjs';
import { findProcesses, terminate } from '../os/processes';
import { startNginx, type LoadBalancer } from './nginx';
import { freePort } from './free-port';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const START_TIMEOUT_MS = 60_000;

export interface ClusterGateway {
  readonly name: string;
  readonly port: number;
  /** http://127.0.0.1:<port>, bypassing the load balancer. */
  readonly url: string;
  readonly pid: number | undefined;
  readonly running: boolean;
  /** SIGKILL (a crash): its terminals' agents and DATA_DIR stay. */
  kill(): Promise<void>;
  /** SIGTERM (a deploy): it closes its sockets and lets go of agent terminals, then exits. */
  stop(): Promise<void>;
  /** Start it again on the same port. */
  start(): Promise<void>;
  output(): string;
}

export interface GatewayCluster {
  /** The load balancer's URL: what browsers use. */
  readonly url: string;
  readonly lb: LoadBalancer;
  readonly gateways: ClusterGateway[];
  readonly dataDir: string;
  readonly adminPassword: string;
  /** One more gateway on the same database, not behind the load balancer, with extra environment
   * (e.g. another TETHER_NODE_NAME: a gateway on another machine); started. */
  addGateway(env: Record<string, string>): Promise<ClusterGateway>;
  close(): Promise<void>;
}

export async function startGatewayCluster(opts: { count?: number; env?: Record<string, string>; databaseUrl?: string } = {}): Promise<GatewayCluster> {
  const count = opts.count ?? 2;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'tether-cluster-'));
  const home = path.join(dataDir, 'home');
  await mkdir(home);
  const adminPassword = randomBytes(12).toString('base64url');
  const env: Record<string, string> = {
    ...GATEWAY_ENV,
    ...(process.env as Record<string, string>),
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    HOME: home,
    TETHER_ADMIN_USER: 'admin',
    TETHER_ADMIN_PASSWORD: adminPassword,
    TETHER_CLUSTER: 'on',
    TETHER_CLOUD_WARM: '0',
    TETHER_LOG_LEVEL: 'info',
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...opts.env,
  };
  const argv = await gatewayArgv(['--no-ui'], env);
  const gateways: ClusterGateway[] = [];
  for (let i = 0; i < count; i++) gateways.push(gatewayProcess(`gw${i}`, await freePort(), argv, env));
  const stopAll = async () => {
    await Promise.all(gateways.map((g) => g.kill().catch(() => {})));
    // Cloud workers and the pty host outlive gateways by design; a test's end with it.
    await terminate(findProcesses((a) => a.some((x) => x.includes(dataDir))), 2000);
    await rm(dataDir, { recursive: true, force: true });
  };
  let lb: LoadBalancer | undefined;
  try {
    await gateways[0]!.start();
    await Promise.all(gateways.slice(1).map((g) => g.start()));
    lb = await startNginx(gateways.map((g) => `127.0.0.1:${g.port}`));
  } catch (err) {
    await stopAll();
    throw err;
  }
  return {
    url: lb.url,
    lb,
    gateways,
    dataDir,
    adminPassword,
    async addGateway(extra) {
      const g = gatewayProcess(`gw${gateways.length}`, await freePort(), argv, { ...env, ...extra });
      gateways.push(g);
      await g.start();
      return g;
    },
    async close() {
      await lb.stop();
      await stopAll();
    },
  };
}

function gatewayProcess(name: string, port: number, argv: string[], env: Record<string, string>): ClusterGateway {
  let child: ChildProcess | null = null;
  let log = '';
  const running = () => !!child && child.exitCode === null && child.signalCode === null;
  const ended = async (signal: NodeJS.Signals) => {
    if (!child || !running()) return;
    const c = child;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    get running() {
      return running();
    },
    kill: () => ended('SIGKILL'),
    stop: () => ended('SIGTERM'),
    output: () => log,
    async start() {
      if (running()) return;
      const c = spawn(process.execPath, argv, { cwd: ROOT, env: { ...env, NODE_ENV: 'production', PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      c.stderr!.on('data', (d: Buffer) => (log += d.toString()));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name} did not start in ${START_TIMEOUT_MS} ms\n${log}`)), START_TIMEOUT_MS);
        let out = '';
        c.stdout!.on('data', (d: Buffer) => {
          log += d.toString();
          out += d.toString();
          if (/listening on http:\/\//.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        });
        c.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited early (code ${code}, signal ${signal})\n${log}`));
        });
      });
    },
  };
}
