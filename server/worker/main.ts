/**
 * `npm run worker -- --listen 127.0.0.1:0 --token-file FILE --root DIR`: the worker agent as a
 * process (what a provider starts inside a worker). Prints `Tether worker listening on <url>`
 * once listening; ends its terminals and exits on SIGTERM/SIGINT.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createLogger } from '../log';
import { startAgent } from './agent';

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (!v) {
    console.error(`usage: worker --listen HOST:PORT --token-file FILE --root DIR (missing --${name})`);
    process.exit(2);
  }
  return v;
}

const listen = arg('listen');
const m = /^(.+):(\d+)$/.exec(listen);
if (!m) {
  console.error(`--listen wants HOST:PORT, got ${listen}`);
  process.exit(2);
}
const secret = (await readFile(arg('token-file'), 'utf8')).trim();
if (secret.length < 16) {
  console.error('the token file must hold a secret of at least 16 characters');
  process.exit(2);
}
const log = createLogger({ level: 'info' }).child({ component: 'worker' });
const agent = await startAgent({ root: path.resolve(arg('root')), secret, host: m[1]!, port: Number(m[2]), log });
console.log(`Tether worker listening on ${agent.url}`);
const stop = () => void agent.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
