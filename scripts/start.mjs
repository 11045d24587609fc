#!/usr/bin/env node
// `npm start`: build the UI when no production build exists yet, then run the gateway.
// `--build-only` stops after the build check (used by the e2e test script).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const dev = args.includes('--dev');

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

const reason = dev ? null : buildState();
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

const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'server', 'main.ts'), ...args], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: dev ? 'development' : 'production' },
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
