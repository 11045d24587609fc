/**
 * Composition root of the gateway process: read the environment, build everything, listen,
 * print where, and shut down cleanly on SIGTERM/SIGINT (clients are told, PTYs are ended).
 */
import { createTether } from './app';
import { ConfigError, isLoopback, loadConfig } from './config';
import { createLogger } from './log';

async function main(): Promise<void> {
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

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      process.stderr.write('second signal: exiting now\n');
      process.exit(1);
    }
    stopping = true;
    log.info('shutting down', { signal });
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
}

main().catch((err: Error) => {
  process.stderr.write(`Tether failed to start: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
