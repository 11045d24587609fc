/**
 * Composition root of the gateway process: read the environment, build everything, listen,
 * print where, and shut down cleanly on SIGTERM/SIGINT (clients are told, PTYs are ended).
 */
import { createTether } from './app';
import { ConfigError, isLoopback, loadConfig } from './config';
import { createLogger } from './log';

/** Signals this close together are one request to stop (see `stop` below). */
const SAME_REQUEST_MS = 1000;

async function main(): Promise<void> {
  // Set by scripts/start.mjs; not passed on to the processes the gateway starts.
  const wrapperPid = Number(process.env.TETHER_WRAPPER_PID) || 0;
  delete process.env.TETHER_WRAPPER_PID;
  let config;
  try {
    config = loadConfig(process.env, process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  // next-auth builds redirect URLs from the Host header only when told to trust it; the gateway is
  // the edge (it drops client X-Forwarded-Host), so trusting Host is safe unless NEXTAUTH_URL is set.
  if (!process.env.NEXTAUTH_URL) process.env.AUTH_TRUST_HOST = '1';
  const log = createLogger({ level: config.logLevel });
  if (!isLoopback(config.host) && !config.secure) {
    process.stderr.write(
      `\n  WARNING: listening on ${config.host} without TLS. Passwords and terminal traffic cross the network in clear.\n` +
        `  Put Tether behind a TLS proxy and set NEXTAUTH_URL=https://…, or bind HOST=127.0.0.1.\n\n`,
    );
  }
  const tether = await createTether({ config, log });
  process.stdout.write(`Tether listening on ${tether.url}\n`);
  if (tether.generatedAdminPassword) {
    process.stdout.write(
      `First run: created admin user "${config.adminUser}" with password ${tether.generatedAdminPassword}\n` +
        `(shown once; set TETHER_ADMIN_PASSWORD on first run to choose it)\n`,
    );
  }

  // One Ctrl-C can arrive twice: from the terminal (to the whole foreground process group) and
  // passed on by `npm start`'s wrapper. A signal within a second of the first is that same
  // request; a later one means "exit now" (the escape from a shutdown that hangs).
  let stoppingSince: number | null = null;
  const stop = (reason: string) => {
    if (stoppingSince !== null) {
      if (performance.now() - stoppingSince < SAME_REQUEST_MS) return;
      process.stderr.write('second signal: exiting now\n');
      process.exit(1);
    }
    stoppingSince = performance.now();
    log.info('shutting down', { signal: reason });
    tether.close().then(
      () => process.exit(0),
      (err: Error) => {
        log.error('shutdown failed', { error: err.message });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Started by `npm start` (scripts/start.mjs): stop when that wrapper is gone, even if it was
  // killed outright, so no gateway is left running without it (it would be re-parented).
  if (wrapperPid) {
    const watch = setInterval(() => {
      if (process.ppid === wrapperPid) return;
      clearInterval(watch);
      if (stoppingSince === null) stop('wrapper exited');
    }, 250);
    watch.unref();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`Tether failed to start: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
