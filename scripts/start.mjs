#!/usr/bin/env node
// `npm start`: build the UI when no production build exists yet, then run the gateway.
// `--build-only` stops after the build check (used by the e2e test script).
// Stopping: one Ctrl-C or one SIGTERM (to npm or to this wrapper) is one clean shutdown of the
// gateway, and the exit status is the gateway's (0 after a clean shutdown). package.json runs this
// with `exec`, so npm's child is this process: a `sh -c` left in between (dash does not exec the
// command) dies of the signal npm passes on, and npm then reports 130/143 whatever the gateway did.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GATEWAY_ENV, gatewayArgv } from './gateway-build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const dev = args.includes('--dev');
// `--no-ui` serves no UI, so it needs no production build.
const noUi = args.includes('--no-ui');

/** Newest modification time under the paths the UI build is made from. */
function newestSourceMtime() {
  let newest = 0;
  const visit = (p) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) if (name !== 'node_modules' && !name.startsWith('.')) visit(path.join(p, name));
    } else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ['app', 'components', 'lib', 'next.config.mjs', 'tsconfig.json', 'package-lock.json']) visit(path.join(root, p));
  return newest;
}

function buildState() {
  const stamp = path.join(root, '.next', 'BUILD_ID');
  if (!existsSync(stamp)) return 'No production build found: building the UI once (next build)…';
  if (newestSourceMtime() > statSync(stamp).mtimeMs) return 'UI sources changed since the last build: rebuilding (next build)…';
  return null;
}

const reason = dev || noUi ? null : buildState();
if (reason) {
  process.stderr.write(reason + '\n');
  const nextBin = path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next');
  const r = spawnSync(process.execPath, [nextBin, 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    process.stderr.write('The UI build failed; see the output above.\n');
    process.exit(r.status ?? 1);
  }
}
if (args.includes('--build-only')) process.exit(0);

// Production runs the bundled gateway (scripts/gateway-build.mjs); `--dev` runs the sources via tsx.
const argv = dev ? ['--import', 'tsx', path.join(root, 'server', 'main.ts'), ...args] : await gatewayArgv(args);
const child = spawn(process.execPath, argv, {
  cwd: root,
  stdio: 'inherit',
  // The gateway ends itself when this wrapper is gone, even if it was killed outright (SIGKILL).
  env: { ...(dev ? {} : GATEWAY_ENV), ...process.env, NODE_ENV: dev ? 'development' : 'production', TETHER_WRAPPER_PID: String(process.pid) },
});
const running = () => child.exitCode === null && child.signalCode === null;

// One stop request can arrive here twice (npm passes on the SIGINT that Ctrl-C already sent to
// the whole process group), so a signal within a second of the last one forwarded is that same
// request; one sent later is passed on (the gateway takes a second request as "exit now").
const SAME_REQUEST_MS = 1000;
let forwardedAt = -Infinity;
const forward = (sig) => {
  if (performance.now() - forwardedAt < SAME_REQUEST_MS) return;
  forwardedAt = performance.now();
  if (running()) child.kill(sig);
};
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => forward(sig));

// Being re-parented means whoever started this is gone: `sh -c` (which npm may run this under)
// dies of the SIGTERM npm passes on without passing it further, and npm itself may be killed.
const parent = process.ppid;
const watch = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(watch);
  if (forwardedAt === -Infinity) forward('SIGTERM');
}, 250);
watch.unref();

// Never leave the gateway behind, whatever ends this process.
process.on('exit', () => {
  if (running()) child.kill('SIGTERM');
});
child.on('exit', (code, signal) => process.exit(code ?? 128 + (os.constants.signals[signal] ?? 0)));
