/**
 * `npm run worker -- --listen 127.0.0.1:0 --token-file FILE --root DIR`: the worker agent as a
 * process (what a provider starts inside a worker). Prints `Tether worker listening on <url>`
 * once listening; ends its terminals and exits on SIGTERM/SIGINT.
 *
 * In a container (the docker provider runs this file bundled): `--listen unix:/run/tether/agent.sock`
 * listens on a Unix socket (created 0600) in a folder the gateway bind-mounts, and
 * `--token-env NAME` reads the secret from that environment variable, which is then removed so
 * terminals do not inherit it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createLogger } from '../log';
import { startAgent, type AgentListen } from './agent';

const USAGE = 'usage: worker --listen HOST:PORT|unix:PATH (--token-file FILE | --token-env NAME) --root DIR';

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

function opt(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function arg(name: string): string {
  return opt(name) || fail(`${USAGE} (missing --${name})`);
}

function listenAddress(listen: string): AgentListen {
  if (listen.startsWith('unix:/')) return { socketPath: listen.slice('unix:'.length) };
  const m = /^(.+):(\d+)$/.exec(listen);
  if (!m) fail(`--listen wants HOST:PORT or unix:/absolute/path, got ${listen}`);
  return { host: m[1]!, port: Number(m[2]) };
}

async function readSecret(): Promise<string> {
  const envName = opt('token-env');
  if (envName) {
    const value = process.env[envName] ?? fail(`--token-env ${envName}: that variable is not set`);
    delete process.env[envName];
    return value.trim();
  }
  return (await readFile(arg('token-file'), 'utf8')).trim();
}

async function main(): Promise<void> {
  const listen = listenAddress(arg('listen'));
  const secret = await readSecret();
  if (secret.length < 16) fail('the secret must be at least 16 characters');
  const log = createLogger({ level: 'info' }).child({ component: 'worker' });
  const agent = await startAgent({ ...listen, root: path.resolve(arg('root')), secret, log });
  console.log(`Tether worker listening on ${agent.url}`);
  const stop = () => void agent.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: Error) => {
  console.error(`tether worker: ${err.message}`);
  process.exit(1);
});
