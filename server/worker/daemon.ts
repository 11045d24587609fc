/**
 * The agent as a long-lived daemon on a Unix socket: the SSH runner on a user's server and the
 * local pty host. Terminals live here, not in whatever connects: a gateway (directly, or through
 * the runner's `bridge` on an SSH exec channel) comes and goes, and re-attaches by offset.
 *
 * State directory (mode 0700, created here):
 *   agent.sock  the socket (0600); every link starts with an AUTH record holding the secret
 *   secret      32 random bytes, base64url (0600); whoever starts the daemon may create it first
 *   agent.json  {pid, version, startedAt} of the daemon that owns the socket
 *
 * Lifetime: with no link for `graceMs` (default 24 h) the daemon ends its terminals and exits;
 * with no link and no terminal for `idleExitMs` it exits. A second daemon on the same directory
 * finds the first one answering and exits (code 3).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../log';
import { secretMatcher } from '../secrets';
import { FramedStream } from '../runtimes/agent/framed-stream';
import { AgentCore } from './agent';

export const SOCKET_NAME = 'agent.sock';
export const SECRET_NAME = 'secret';
export const INFO_NAME = 'agent.json';
/** A link must authenticate this soon after connecting. */
const AUTH_TIMEOUT_MS = 5000;
const CHECK_INTERVAL_MS = 1000;
export const DEFAULT_GRACE_MS = 24 * 3600_000;
export const DEFAULT_IDLE_EXIT_MS = 10 * 60_000;
/** Exit code of a daemon that found another one serving its directory. */
export const EXIT_ALREADY_RUNNING = 3;
const DAEMON_START_TIMEOUT_MS = 10_000;

export interface DaemonInfo {
  pid: number;
  version: string;
  startedAt: number;
}

export interface DaemonOptions {
  dir: string;
  version: string;
  log: Logger;
  graceMs?: number;
  idleExitMs?: number;
  env?: Record<string, string>;
}

export interface Daemon {
  core: AgentCore;
  socketPath: string;
  close(reason: string): Promise<void>;
  /** Resolves when the daemon has ended (idle, grace over, or closed). */
  ended: Promise<string>;
}

/** The directory's secret, created (0600) if it does not exist yet. */
export function ensureSecret(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const file = path.join(dir, SECRET_NAME);
  try {
    writeFileSync(file, randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return readFileSync(file, 'utf8').trim();
}

export function readDaemonInfo(dir: string): DaemonInfo | null {
  try {
    const info = JSON.parse(readFileSync(path.join(dir, INFO_NAME), 'utf8')) as DaemonInfo;
    return typeof info.pid === 'number' ? info : null;
  } catch {
    return null;
  }
}

/** Whether something accepts connections on the socket. */
export function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export class AlreadyRunningError extends Error {}

export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
  const idleExitMs = opts.idleExitMs ?? DEFAULT_IDLE_EXIT_MS;
  const secret = ensureSecret(opts.dir);
  const matches = secretMatcher(secret);
  const socketPath = path.join(opts.dir, SOCKET_NAME);
  const core = new AgentCore({ log: opts.log, env: opts.env });

  const server = net.createServer((sock) => {
    sock.setNoDelay(true);
    const timer = setTimeout(() => sock.destroy(), AUTH_TIMEOUT_MS);
    const link = new FramedStream(sock, (record) => {
      clearTimeout(timer);
      const ok = matches(record);
      if (!ok) opts.log.warn('agent link refused: bad secret');
      else core.attach(link);
      return ok;
    });
    link.on('error', (err) => opts.log.debug('agent link error', { error: err.message }));
  });

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const umask = process.umask(0o177); // the socket is created 0600
      server.listen(socketPath, () => {
        process.umask(umask);
        server.removeListener('error', reject);
        resolve();
      });
    });
  try {
    await listen();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    if (await socketAnswers(socketPath)) throw new AlreadyRunningError(`an agent already serves ${opts.dir}`);
    rmSync(socketPath, { force: true }); // left by a daemon that died
    await listen();
  }
  chmodSync(socketPath, 0o600);
  const info: DaemonInfo = { pid: process.pid, version: opts.version, startedAt: Date.now() };
  writeFileSync(path.join(opts.dir, INFO_NAME), JSON.stringify(info), { mode: 0o600 });
  opts.log.info('agent daemon listening', { dir: opts.dir, version: opts.version, graceMs, idleExitMs });

  let unlinkedSince: number | null = Date.now();
  let idleSince: number | null = Date.now();
  let finish!: (reason: string) => void;
  const ended = new Promise<string>((r) => (finish = r));
  let closing: Promise<void> | null = null;

  const close = (reason: string) =>
    (closing ??= (async () => {
      clearInterval(check);
      opts.log.info('agent daemon ending', { reason });
      server.close();
      // Only remove what is still ours (a newer daemon may have taken the directory over).
      if (readDaemonInfo(opts.dir)?.pid === process.pid) {
        rmSync(socketPath, { force: true });
        rmSync(path.join(opts.dir, INFO_NAME), { force: true });
      }
      await core.close();
      finish(reason);
    })());

  core.onLinksChanged(() => {
    unlinkedSince = core.linkCount ? null : Date.now();
  });
  const check = setInterval(() => {
    const now = Date.now();
    // Not idle while a terminal that ended still has output or an exit for a gateway to collect.
    const idle = core.linkCount === 0 && core.kept === 0;
    idleSince = idle ? (idleSince ?? now) : null;
    if (idleSince !== null && now - idleSince >= idleExitMs) void close('idle: no link and no terminal');
    else if (unlinkedSince !== null && core.running > 0 && now - unlinkedSince >= graceMs) void close(`no gateway for ${Math.round(graceMs / 1000)} s: terminals ended`);
  }, Math.min(CHECK_INTERVAL_MS, Math.max(50, Math.floor(Math.min(graceMs, idleExitMs) / 4))));

  return { core, socketPath, close, ended };
}

/** Connect to a daemon's socket and authenticate; the returned link is ready for HELLO. */
export function connectDaemon(dir: string, secret?: string): Promise<FramedStream> {
  const key = secret ?? readFileSync(path.join(dir, SECRET_NAME), 'utf8').trim();
  return new Promise((resolve, reject) => {
    const sock = net.connect(path.join(dir, SOCKET_NAME));
    sock.once('error', reject);
    sock.once('connect', () => {
      sock.removeListener('error', reject);
      sock.setNoDelay(true);
      const link = new FramedStream(sock);
      link.send(Buffer.from(key));
      resolve(link);
    });
  });
}

/**
 * Start `<script> serve --dir DIR` detached (its own session, output appended to DIR/agent.log)
 * and wait until its socket answers. A daemon that finds another already serving DIR exits 3,
 * which is as good: the socket answers.
 */
export async function spawnDaemon(o: { script: string; dir: string; graceMs?: number; idleExitMs?: number; execArgv?: string[]; env?: NodeJS.ProcessEnv }): Promise<void> {
  ensureSecret(o.dir);
  const log = openSync(path.join(o.dir, 'agent.log'), 'a', 0o600);
  const pass = [...(o.graceMs ? ['--grace-ms', String(o.graceMs)] : []), ...(o.idleExitMs ? ['--idle-ms', String(o.idleExitMs)] : [])];
  const child = spawn(process.execPath, [...(o.execArgv ?? []), o.script, 'serve', '--dir', o.dir, ...pass], { detached: true, stdio: ['ignore', log, log], env: o.env });
  closeSync(log);
  child.unref();
  const socketPath = path.join(o.dir, SOCKET_NAME);
  const deadline = Date.now() + DAEMON_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await socketAnswers(socketPath)) return;
    if (child.exitCode !== null && child.exitCode !== EXIT_ALREADY_RUNNING) throw new Error(`the agent daemon exited with code ${child.exitCode} (see ${o.dir}/agent.log)`);
    await new Promise((r) => setTimeout(r, 15));
  }
  throw new Error(`the agent daemon did not start within ${DAEMON_START_TIMEOUT_MS / 1000} s (see ${o.dir}/agent.log)`);
}
