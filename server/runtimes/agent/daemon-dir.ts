/**
 * A daemon directory's contract as seen from outside: where the socket, secret and info file
 * live, how to start a daemon there (detached) and how to connect to it. The pty host and the
 * runner's bridge use this; the daemon itself (server/worker/daemon.ts) serves it.
 *
 * State directory (mode 0700):
 *   agent.sock  the socket (0600); every link starts with an AUTH record holding the secret
 *   secret      32 random bytes, base64url (0600); whoever starts the daemon may create it first
 *   agent.json  {pid, version, startedAt} of the daemon that owns the socket
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { FramedStream } from './framed-stream';

export const SOCKET_NAME = 'agent.sock';
export const SECRET_NAME = 'secret';
export const INFO_NAME = 'agent.json';
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
/**
 * Node flags for every agent process (pty host, SSH runner, cloud worker). A small young
 * generation: an agent allocates a read buffer per PTY read that dies at once, and V8's default
 * lets the young generation grow until the old generation's headroom looks smaller than it, which
 * starts a full (incremental) mark-compact every ~100 ms of a flood — 14 per 100 MB, on top of
 * the concurrent marking threads. With 1 MiB semi-spaces the same flood takes one, and the pty
 * host's CPU per 100 MB falls by a fifth (README, Benchmarks).
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

export async function spawnDaemon(o: { script: string; dir: string; graceMs?: number; idleExitMs?: number; execArgv?: string[]; env?: NodeJS.ProcessEnv }): Promise<void> {
  ensureSecret(o.dir);
  const log = openSync(path.join(o.dir, 'agent.log'), 'a', 0o600);
  const pass = [...(o.graceMs ? ['--grace-ms', String(o.graceMs)] : []), ...(o.idleExitMs ? ['--idle-ms', String(o.idleExitMs)] : [])];
  const child = spawn(process.execPath, [...AGENT_NODE_FLAGS, ...(o.execArgv ?? []), o.script, 'serve', '--dir', o.dir, ...pass], { detached: true, stdio: ['ignore', log, log], env: o.env });
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
