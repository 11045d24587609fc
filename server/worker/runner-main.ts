/**
 * The runner: the worker agent as one file (bundled by server/runtimes/agent/runner-artifact.ts),
 * deployed to SSH hosts and run locally as the pty host.
 *
 *   runner serve  --dir DIR [--grace-ms N] [--idle-ms N]   the daemon (daemon.ts), foreground
 *   runner bridge --dir DIR [--grace-ms N] [--idle-ms N]   stdin/stdout ↔ the daemon's socket,
 *                                                          starting the daemon (detached) first
 *                                                          if none answers; what the gateway
 *                                                          runs on an SSH exec channel
 *   runner version                                         {"version", "node"} as JSON
 *
 * The bridge sends the AUTH record itself (it can read the 0600 secret; the gateway never needs
 * it), then copies bytes both ways untouched. When the SSH connection drops, the bridge ends
 * and the daemon, in its own session (setsid), keeps the terminals for the grace period.
 */
import net from 'node:net';
import path from 'node:path';
import { encodeRecord } from '../../lib/protocol';
import { createLogger } from '../log';
import { EXIT_ALREADY_RUNNING, SOCKET_NAME, ensureSecret, socketAnswers, spawnDaemon } from '../runtimes/agent/daemon-dir';
import { AlreadyRunningError, startDaemon } from './daemon';
import { useKoffiFrom } from '../os/libc';

declare const __TETHER_RUNNER_VERSION__: string | undefined;
export const RUNNER_VERSION = typeof __TETHER_RUNNER_VERSION__ === 'string' ? __TETHER_RUNNER_VERSION__ : 'dev';

function opt(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

function numberOpt(args: string[], name: string): number | undefined {
  const v = opt(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) fail(`--${name} wants a positive number, got ${v}`);
  return n;
}

function fail(message: string, code = 2): never {
  process.stderr.write(`tether runner: ${message}\n`);
  process.exit(code);
}

async function serve(dir: string, args: string[]): Promise<void> {
  const log = createLogger({ level: 'info', write: (line) => process.stdout.write(line + '\n') }).child({ component: 'runner', pid: process.pid });
  process.on('SIGHUP', () => {}); // a terminal or SSH session going away is not our end
  try {
    // Set by the gateway that starts it as its pty host (runtimes/local/pty-host.ts); not for the terminals.
    const ringFiles = process.env.TETHER_RING_FILES === '1';
    delete process.env.TETHER_RING_FILES;
    if (process.env.TETHER_KOFFI) useKoffiFrom(process.env.TETHER_KOFFI);
    delete process.env.TETHER_KOFFI;
    const daemon = await startDaemon({ dir, version: RUNNER_VERSION, log, graceMs: numberOpt(args, 'grace-ms'), idleExitMs: numberOpt(args, 'idle-ms'), ringFiles });
    const stop = () => void daemon.close('signalled');
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    await daemon.ended;
    process.exit(0);
  } catch (err) {
    if (err instanceof AlreadyRunningError) fail(err.message, EXIT_ALREADY_RUNNING);
    throw err;
  }
}

async function bridge(dir: string, args: string[]): Promise<void> {
  const secret = ensureSecret(dir);
  const socketPath = path.join(dir, SOCKET_NAME);
  if (!(await socketAnswers(socketPath))) await spawnDaemon({ script: process.argv[1]!, dir, graceMs: numberOpt(args, 'grace-ms'), idleExitMs: numberOpt(args, 'idle-ms') });
  const sock = net.connect(socketPath);
  sock.setNoDelay(true);
  sock.once('error', (err) => fail(`cannot reach the runner daemon: ${err.message}`, 1));
  sock.once('connect', () => {
    sock.write(encodeRecord(Buffer.from(secret)));
    // Announce ourselves to the gateway before relaying: it can tell a running runner from a
    // shell that failed before starting one.
    process.stdout.write(encodeRecord(Buffer.from(`TETHER-RUNNER ${RUNNER_VERSION} ${process.versions.node}`)));
    process.stdin.pipe(sock);
    sock.pipe(process.stdout);
  });
  // Either side ending ends the bridge; the daemon keeps the terminals.
  process.stdin.once('end', () => sock.end());
  process.stdin.once('error', () => sock.destroy());
  process.stdout.once('error', () => sock.destroy());
  sock.once('close', () => process.exit(0));
  process.on('SIGHUP', () => sock.destroy());
  process.on('SIGPIPE', () => sock.destroy());
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 18) fail(`node ${process.versions.node} is too old: the runner needs 18 or later`, 92);
  if (command === 'version') {
    process.stdout.write(JSON.stringify({ version: RUNNER_VERSION, node: process.versions.node }) + '\n');
  } else if (command === 'serve' || command === 'bridge') {
    const dir = opt(rest, 'dir');
    if (!dir || !path.isAbsolute(dir)) fail('--dir wants an absolute directory');
    await (command === 'serve' ? serve(dir, rest) : bridge(dir, rest));
  } else {
    fail('usage: runner serve|bridge --dir DIR [--grace-ms N] [--idle-ms N] | runner version');
  }
}

main().catch((err: unknown) => fail((err as Error)?.stack ?? String(err), 1));
