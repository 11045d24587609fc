/** Start a real gateway on port 0 with a temp DATA_DIR, for tests and benchmarks. */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTether, type Tether, type TetherOptions } from '../app';
import { LocalRuntime } from '../runtimes/local/local-runtime';
import { DEFAULT_LIMITS, NO_SSO, type CloudConfig, type Config, type Limits, type SshConfig, type SsoConfig } from '../config';
import { silentLogger, type Logger } from '../log';

export interface TestGateway {
  tether: Tether;
  url: string;
  dataDir: string;
  /** An API token of the admin user. */
  token: string;
  adminId: string;
  password: string;
  /** Stop; `restartable` keeps DATA_DIR and cloud workers for a gateway started with `reuse`. */
  dispose(opts?: { restartable?: boolean }): Promise<void>;
}

export async function startTestGateway(
  overrides: {
    limits?: Partial<Limits>;
    ssh?: Partial<SshConfig>;
    cloud?: Partial<CloudConfig>;
    /** Single sign-on providers and rules (default: none, password login on). */
    sso?: Partial<SsoConfig>;
    ui?: boolean;
    log?: Logger;
    runtimeFor?: TetherOptions['runtimeFor'];
    /** Local terminals in the pty host (default, as `npm start` ships) or in the gateway (false). */
    ptyHost?: boolean;
    /** Start on the DATA_DIR of a gateway disposed with `restartable` (a gateway restart). */
    reuse?: Pick<TestGateway, 'dataDir' | 'password'>;
    /** DATABASE_URL (a postgres:// URL); default: SQLite in DATA_DIR, as shipped. */
    database?: string;
  } = {},
): Promise<TestGateway> {
  const dataDir = overrides.reuse?.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'tether-test-')));
  const password = overrides.reuse?.password ?? 'test-password-' + Math.random().toString(36).slice(2);
  const config: Config = {
    port: 0,
    host: '127.0.0.1',
    dataDir,
    database: overrides.database,
    adminUser: 'admin',
    adminPassword: password,
    nextAuthSecret: undefined,
    secure: false,
    trustedOrigins: [],
    logLevel: 'warn',
    dev: false,
    ui: overrides.ui ?? false,
    limits: { ...DEFAULT_LIMITS, ...overrides.limits },
    ptyHost: overrides.ptyHost ?? true,
    // Never this machine's own ~/.ssh or agent. SSH runners keep a closed test gateway's
    // terminals only briefly.
    ssh: { dir: path.join(dataDir, 'home', '.ssh'), agentSocket: undefined, maxChannels: 10, idleCloseMs: 60_000, runnerGraceMs: 15_000, runnerCacheDir: '.cache/tether-test', ...overrides.ssh },
    // No warm workers unless a test asks: most tests never start one.
    cloud: {
      warmPoolSize: 0,
      maxWorkersPerUser: 3,
      idleReleaseMs: 3600_000,
      sandbox: 'auto',
      provider: 'process',
      docker: { host: undefined, agent: undefined, publishIp: '127.0.0.1', network: 'bridge', namespace: undefined, sizes: {} },
      ...overrides.cloud,
    },
    sso: { ...NO_SSO, ...overrides.sso },
  };
  // Terminals get their own HOME so tests do not depend on (or wait for) this machine's dotfiles.
  const home = path.join(dataDir, 'home');
  await mkdir(home, { recursive: true });
  const runtimeFor = overrides.runtimeFor ?? (overrides.ptyHost ? undefined : (ws) => new LocalRuntime(ws.root, { env: { HOME: home } }));
  // SSH runners of tests: their own cache dir on the host, and daemons that end soon after.
  const tether = await createTether({
    config,
    log: overrides.log ?? silentLogger,
    runtimeFor,
    terminalEnv: { HOME: home },
    runner: { cacheDir: '.cache/tether-test', idleExitMs: 5000 },
  });
  const admin = (await tether.users.verify('admin', password))!;
  const { token } = await tether.tokens.create(admin.id, 'test');
  return {
    tether,
    url: tether.url,
    dataDir,
    token,
    adminId: admin.id,
    password,
    async dispose(opts = {}) {
      if (opts.restartable) return tether.close();
      await tether.orchestrator.destroyAll();
      await tether.close();
      await tether.ptyHosts?.terminate();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
