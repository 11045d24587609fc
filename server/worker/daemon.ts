/**
 * The agent as a long-lived daemon on a Unix socket: the SSH runner on a user's server and the
 * local pty host. Terminals live here, not in whatever connects: a gateway (directly, or through
 * the runner's `bridge` on an SSH exec channel) comes and goes, and re-attaches by offset.
 *
 * Its state directory (socket, secret, info file) is described in runtimes/agent/daemon-dir.ts,
 * which is also how others start and reach it.
 *
 * Lifetime: with no link for `graceMs` (default 24 h) the daemon ends its terminals and exits;
 * with no link and no terminal for `idleExitMs` it exits. A second daemon on the same directory
 * finds the first one answering and exits (code 3).
 */
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../log';
import { secretMatcher } from '../secrets';
import { FramedStream } from '../runtimes/agent/framed-stream';
import { DEFAULT_GRACE_MS, DEFAULT_IDLE_EXIT_MS, ensureSecret, INFO_NAME, readDaemonInfo, socketAnswers, SOCKET_NAME, type DaemonInfo } from '../runtimes/agent/daemon-dir';
import { AgentCore } from './agent';

/** A link must authenticate this soon after connecting. */
const AUTH_TIMEOUT_MS = 5000;
const CHECK_INTERVAL_MS = 1000;

export interface DaemonOptions {
  dir: string;
  version: string;
  log: Logger;
  graceMs?: number;
  idleExitMs?: number;
  env?: Record<string, string>;
  /** Keep terminals' output in files the gateway may read (AgentCoreOptions.ringFiles). */
  ringFiles?: boolean;
}

export interface Daemon {
  core: AgentCore;
  socketPath: string;
  close(reason: string): Promise<void>;
  /** Resolves when the daemon has ended (idle, grace over, or closed). */
  ended: Promise<string>;
}

export class AlreadyRunningError extends Error {}

export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
  const idleExitMs = opts.idleExitMs ?? DEFAULT_IDLE_EXIT_MS;
  const secret = ensureSecret(opts.dir);
  const matches = secretMatcher(secret);
  const socketPath = path.join(opts.dir, SOCKET_NAME);
  const core = new AgentCore({ log: opts.log, env: opts.env, ringFiles: opts.ringFiles });

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

