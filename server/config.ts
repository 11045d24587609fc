/**
 * Configuration from the environment, validated once at start. Defaults give a zero-config first
 * run: loopback only, SQLite and secrets under ./data, a generated admin password.
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const portSchema = z.coerce.number().int().min(0).max(65535);

const envSchema = z.object({
  PORT: portSchema.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
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
  TETHER_RUNNER_CACHE_DIR: z
    .string()
    .regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]{1,200}$/, 'a relative path under the login directory, without ..')
    .default('.cache/tether'),
  SSH_AUTH_SOCK: z.string().min(1).optional(),
  TETHER_CLOUD_WARM: z.coerce.number().int().min(0).max(20).default(1),
  TETHER_CLOUD_MAX_PER_USER: z.coerce.number().int().min(1).max(100).default(3),
  TETHER_CLOUD_IDLE_HOURS: z.coerce.number().min(0.01).default(24),
  TETHER_CLOUD_SANDBOX: z.enum(['auto', 'off']).default('auto'),
  HOME: z.string().optional(),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
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
  ssh: SshConfig;
  cloud: CloudConfig;
}

export interface CloudConfig {
  /** Ready workers kept waiting (0: every cloud workspace starts one). */
  warmPoolSize: number;
  maxWorkersPerUser: number;
  /** A worker unused this long is released — with its files. */
  idleReleaseMs: number;
  /** Run worker agents under bubblewrap when it works here. */
  sandbox: 'auto' | 'off';
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
    },
  };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
