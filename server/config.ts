/**
 * Configuration from the environment, validated once at start. Defaults give a zero-config first
 * run: loopback only, SQLite and secrets under ./data, a generated admin password.
 */
import { homedir, hostname } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const portSchema = z.coerce.number().int().min(0).max(65535);

const envSchema = z.object({
  PORT: portSchema.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  // The message never repeats the value: a Postgres URL carries its password.
  DATABASE_URL: z
    .string()
    .trim()
    .refine((v) => v === '' || /^postgres(ql)?:\/\/[^/?#]+/i.test(v) || /^file:.+/i.test(v), 'a postgres://user:password@host:port/database URL, or file:/path/to/tether.db for SQLite')
    .optional(),
  TETHER_ADMIN_USER: z.string().regex(/^[a-zA-Z0-9._-]{1,64}$/, 'letters, digits, ".", "_" or "-"').default('admin'),
  TETHER_ADMIN_PASSWORD: z.string().min(8, 'at least 8 characters').optional(),
  NEXTAUTH_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  NEXTAUTH_URL: z.string().url().optional(),
  TETHER_TRUSTED_ORIGINS: z.string().optional(),
  TETHER_MAX_SESSIONS_PER_USER: z.coerce.number().int().positive().default(50),
  TETHER_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  TETHER_SSH_DIR: z.string().min(1).optional(),
  TETHER_SSH_MAX_CHANNELS: z.coerce.number().int().min(1).max(1000).default(10),
  TETHER_SSH_IDLE_SECONDS: z.coerce.number().int().min(1).default(300),
  TETHER_RUNNER_GRACE_HOURS: z.coerce.number().positive().default(24),
  TETHER_PTY_HOST: z.enum(['on', 'off']).default('on'),
  TETHER_MEMBER_TERMINALS: z.enum(['confined', 'unconfined']).default('confined'),
  TETHER_RUNNER_CACHE_DIR: z
    .string()
    .regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]{1,200}$/, 'a relative path under the login directory, without ..')
    .default('.cache/tether'),
  SSH_AUTH_SOCK: z.string().min(1).optional(),
  TETHER_CLOUD_WARM: z.coerce.number().int().min(0).max(20).default(1),
  TETHER_CLOUD_MAX_PER_USER: z.coerce.number().int().min(1).max(100).default(3),
  TETHER_CLOUD_IDLE_HOURS: z.coerce.number().min(0.01).default(24),
  TETHER_CLOUD_SANDBOX: z.enum(['auto', 'off']).default('auto'),
  TETHER_CLOUD_PROVIDER: z.enum(['process', 'docker']).default('process'),
  DOCKER_HOST: z.string().regex(/^(unix:\/\/\/|tcp:\/\/)/, 'unix:///path or tcp://host:port').optional(),
  TETHER_DOCKER_AGENT: z.enum(['socket', 'port']).optional(),
  TETHER_DOCKER_PUBLISH_IP: z.string().min(1).default('127.0.0.1'),
  TETHER_DOCKER_NETWORK: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a Docker network name').default('bridge'),
  TETHER_DOCKER_NAMESPACE: z.string().regex(/^[a-z0-9][a-z0-9-]{0,23}$/, '1-24 of a-z, 0-9 and -').optional(),
  TETHER_DOCKER_SIZES: z.string().optional(),
  HOME: z.string().optional(),
  TETHER_OIDC_ISSUER: z.string().url().optional(),
  TETHER_OIDC_CLIENT_ID: z.string().min(1).optional(),
  TETHER_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  TETHER_OIDC_NAME: z.string().trim().min(1).max(40).default('Single sign-on'),
  TETHER_GITHUB_CLIENT_ID: z.string().min(1).optional(),
  TETHER_GITHUB_CLIENT_SECRET: z.string().min(1).optional(),
  TETHER_PASSWORD_LOGIN: z.enum(['on', 'off']).default('on'),
  TETHER_SSO_SIGNUP: z.enum(['existing', 'domain', 'open']).default('existing'),
  TETHER_SSO_DOMAINS: z.string().optional(),
  TETHER_CLUSTER: z.enum(['auto', 'on', 'off']).default('auto'),
  TETHER_NODE_NAME: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, ".", "_" or "-"').optional(),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** DATABASE_URL: a postgres:// URL or a `file:` SQLite path; unset: tether.db in DATA_DIR. Holds a password: never log it. */
  database?: string;
  adminUser: string;
  adminPassword: string | undefined;
  nextAuthSecret: string | undefined;
  /** Cookies and redirects use https (set when NEXTAUTH_URL is https, i.e. behind TLS). */
  secure: boolean;
  trustedOrigins: string[];
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  dev: boolean;
  /** Serve the Next.js UI; `--no-ui` runs the gateway alone (API, /ws — benchmarks, headless use). */
  ui: boolean;
  limits: Limits;
  /** Local terminals live in the pty host (they survive a gateway restart); off: in the gateway. */
  ptyHost: boolean;
  /** Members' local workspaces: terminals and commands in a bubblewrap sandbox (default), or as
   * the gateway's own OS user like an admin's ('unconfined': only where members trust each other). */
  memberTerminals?: 'confined' | 'unconfined';
  ssh: SshConfig;
  cloud: CloudConfig;
  sso: SsoConfig;
  cluster?: ClusterConfig;
}

/**
 * Several gateways on one database (README: Running several gateways). `bus`: how they tell each
 * other what to close — Postgres LISTEN/NOTIFY with DATABASE_URL, the SQLite file's events table
 * when TETHER_CLUSTER=on without it, nothing (one gateway alone) otherwise. `node`: the machine
 * whose DATA_DIR holds local workspaces (TETHER_NODE_NAME, default the host name); gateways on
 * one machine sharing DATA_DIR are one node.
 */
export interface ClusterConfig {
  bus: 'memory' | 'sqlite' | 'postgres';
  node: string;
}

/**
 * Sign-in methods besides passwords (server/auth/sso.ts). Who may get an account on a first
 * single sign-on: `existing` (default) only accounts an admin created, matched by verified email;
 * `domain` also creates accounts for verified emails of `domains`; `open` for any verified email.
 */
export interface SsoConfig {
  oidc: { issuer: string; clientId: string; clientSecret: string; name: string } | null;
  github: { clientId: string; clientSecret: string } | null;
  passwordLogin: boolean;
  signup: SignupRule;
  /** Lower-cased email domains for `signup: 'domain'`. */
  domains: string[];
}

export type SignupRule = 'existing' | 'domain' | 'open';

export const NO_SSO: SsoConfig = { oidc: null, github: null, passwordLogin: true, signup: 'existing', domains: [] };

export interface CloudConfig {
  /** Ready workers kept waiting (0: every cloud workspace starts one). */
  warmPoolSize: number;
  maxWorkersPerUser: number;
  /** A worker unused this long is released — with its files. */
  idleReleaseMs: number;
  /** Run worker agents under bubblewrap when it works here. */
  sandbox: 'auto' | 'off';
  /** Where workers run: worker-agent processes here, or containers on a Docker engine. */
  provider: 'process' | 'docker';
  docker: DockerConfig;
}

export interface DockerConfig {
  /** DOCKER_HOST (unset: unix:///var/run/docker.sock). */
  host: string | undefined;
  /** How the gateway reaches agents (unset: socket for a unix:// engine, port for tcp://). */
  agent: 'socket' | 'port' | undefined;
  publishIp: string;
  network: string;
  /** Unset: derived from DATA_DIR. Gateways sharing a database share it. */
  namespace: string | undefined;
  /** Per size, overriding the defaults (small 1 CPU / 2 GiB, medium 2 / 4 GiB, large 4 / 8 GiB). */
  sizes: Partial<Record<'small' | 'medium' | 'large', { cpus: number; memoryBytes: number }>>;
}

/** TETHER_DOCKER_SIZES: `small=0.5:1g,large=8:16g` (CPUs : memory with k/m/g). */
export function parseDockerSizes(value: string | undefined): DockerConfig['sizes'] {
  const sizes: DockerConfig['sizes'] = {};
  for (const part of (value ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(small|medium|large)=(\d+(?:\.\d+)?):(\d+)([kmg])$/i.exec(part);
    if (!m) throw new ConfigError(`invalid configuration:\n  TETHER_DOCKER_SIZES: ${JSON.stringify(part)} is not size=CPUS:MEMORY (like small=1:2g)`);
    const unit = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[4]!.toLowerCase() as 'k' | 'm' | 'g'];
    sizes[m[1]!.toLowerCase() as 'small' | 'medium' | 'large'] = { cpus: Number(m[2]), memoryBytes: Number(m[3]) * unit };
  }
  return sizes;
}

export interface SshConfig {
  /** This server's OpenSSH client directory: config, known_hosts, identity files. */
  dir: string;
  /** ssh-agent socket (admins' `local` auth). */
  agentSocket: string | undefined;
  /** Channels per pooled connection before another is opened (OpenSSH's MaxSessions default). */
  maxChannels: number;
  /** A connection without channels is closed after this long. */
  idleCloseMs: number;
  /** The SSH runner keeps terminals this long with no gateway connected. */
  runnerGraceMs: number;
  /** Where the runner is cached on hosts, relative to the login directory. */
  runnerCacheDir: string;
}

export interface Limits {
  maxSessionsPerUser: number;
  maxChannelsPerConnection: number;
  ringBytes: number;
  highWater: number;
  lowWater: number;
  socketHighWater: number;
  helloTimeoutMs: number;
  maxErrorsPerMinute: number;
  backgroundFlushMs: number;
  loginFailuresPerIp: number;
  loginFailuresPerUser: number;
  loginWindowMs: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxSessionsPerUser: 50,
  maxChannelsPerConnection: 64,
  ringBytes: 2 * 1024 * 1024,
  highWater: 512 * 1024,
  lowWater: 128 * 1024,
  socketHighWater: 4 * 1024 * 1024,
  helloTimeoutMs: 10_000,
  maxErrorsPerMinute: 100,
  backgroundFlushMs: 16,
  loginFailuresPerIp: 20,
  loginFailuresPerUser: 5,
  loginWindowMs: 60_000,
};

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = []): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    database: e.DATABASE_URL || undefined,
    adminUser: e.TETHER_ADMIN_USER,
    adminPassword: e.TETHER_ADMIN_PASSWORD,
    nextAuthSecret: e.NEXTAUTH_SECRET,
    secure: e.NEXTAUTH_URL?.startsWith('https://') ?? false,
    trustedOrigins: (e.TETHER_TRUSTED_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    logLevel: e.TETHER_LOG_LEVEL,
    dev: argv.includes('--dev'),
    ui: !argv.includes('--no-ui'),
    limits: { ...DEFAULT_LIMITS, maxSessionsPerUser: e.TETHER_MAX_SESSIONS_PER_USER },
    ptyHost: e.TETHER_PTY_HOST === 'on',
    memberTerminals: e.TETHER_MEMBER_TERMINALS,
    ssh: {
      dir: e.TETHER_SSH_DIR ?? path.join(e.HOME ?? homedir(), '.ssh'),
      agentSocket: e.SSH_AUTH_SOCK,
      maxChannels: e.TETHER_SSH_MAX_CHANNELS,
      idleCloseMs: e.TETHER_SSH_IDLE_SECONDS * 1000,
      runnerGraceMs: Math.round(e.TETHER_RUNNER_GRACE_HOURS * 3600_000),
      runnerCacheDir: e.TETHER_RUNNER_CACHE_DIR,
    },
    cloud: {
      warmPoolSize: e.TETHER_CLOUD_WARM,
      maxWorkersPerUser: e.TETHER_CLOUD_MAX_PER_USER,
      idleReleaseMs: Math.round(e.TETHER_CLOUD_IDLE_HOURS * 3600_000),
      sandbox: e.TETHER_CLOUD_SANDBOX,
      provider: e.TETHER_CLOUD_PROVIDER,
      docker: {
        host: e.DOCKER_HOST,
        agent: e.TETHER_DOCKER_AGENT,
        publishIp: e.TETHER_DOCKER_PUBLISH_IP,
        network: e.TETHER_DOCKER_NETWORK,
        namespace: e.TETHER_DOCKER_NAMESPACE,
        sizes: parseDockerSizes(e.TETHER_DOCKER_SIZES),
      },
    },
    sso: ssoConfig(e),
    cluster: {
      bus: e.TETHER_CLUSTER === 'off' ? 'memory' : e.DATABASE_URL && /^postgres(ql)?:\/\//i.test(e.DATABASE_URL) ? 'postgres' : e.TETHER_CLUSTER === 'on' ? 'sqlite' : 'memory',
      node: e.TETHER_NODE_NAME ?? hostname(),
    },
  };
}

/** Single sign-on settings: each provider all-or-nothing, and never no way to sign in at all. */
function ssoConfig(e: z.infer<typeof envSchema>): SsoConfig {
  const problems: string[] = [];
  const oidcVars = [e.TETHER_OIDC_ISSUER, e.TETHER_OIDC_CLIENT_ID, e.TETHER_OIDC_CLIENT_SECRET];
  if (oidcVars.some(Boolean) && !oidcVars.every(Boolean)) problems.push('TETHER_OIDC_ISSUER, TETHER_OIDC_CLIENT_ID and TETHER_OIDC_CLIENT_SECRET go together: set all three or none');
  if (!!e.TETHER_GITHUB_CLIENT_ID !== !!e.TETHER_GITHUB_CLIENT_SECRET) problems.push('TETHER_GITHUB_CLIENT_ID and TETHER_GITHUB_CLIENT_SECRET go together: set both or neither');
  const oidc = oidcVars.every(Boolean) ? { issuer: e.TETHER_OIDC_ISSUER!.replace(/\/$/, ''), clientId: e.TETHER_OIDC_CLIENT_ID!, clientSecret: e.TETHER_OIDC_CLIENT_SECRET!, name: e.TETHER_OIDC_NAME } : null;
  const github = e.TETHER_GITHUB_CLIENT_ID && e.TETHER_GITHUB_CLIENT_SECRET ? { clientId: e.TETHER_GITHUB_CLIENT_ID, clientSecret: e.TETHER_GITHUB_CLIENT_SECRET } : null;
  const domains = (e.TETHER_SSO_DOMAINS ?? '').split(',').map((d) => d.trim().toLowerCase().replace(/^@/, '')).filter(Boolean);
  const badDomain = domains.find((d) => !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(d));
  if (badDomain) problems.push(`TETHER_SSO_DOMAINS: ${badDomain} is not a domain name (list them like a.com,b.org)`);
  if (e.TETHER_SSO_SIGNUP === 'domain' && domains.length === 0) problems.push('TETHER_SSO_SIGNUP=domain needs TETHER_SSO_DOMAINS (e.g. a.com,b.org)');
  const passwordLogin = e.TETHER_PASSWORD_LOGIN === 'on';
  if (!passwordLogin && !oidc && !github && problems.length === 0)
    problems.push('TETHER_PASSWORD_LOGIN=off needs a single sign-on provider (TETHER_OIDC_* or TETHER_GITHUB_*): nobody could sign in');
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return { oidc, github, passwordLogin, signup: e.TETHER_SSO_SIGNUP, domains };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
