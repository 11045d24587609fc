/**
 * Stopping `npm start` (scripts/start.mjs → the bundled server/main.ts), run for real through npm
 * in its own process group with the shipped configuration: one Ctrl-C (SIGINT to the whole group), one
 * SIGTERM to npm alone, or one signal to the wrapper alone is exactly one clean shutdown — exit
 * status 0, no "second signal" — and the gateway process is gone afterwards, while the local pty
 * host (a detached daemon) intentionally stays. A wrapper killed outright takes the gateway along.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { GATEWAY_BUNDLE } from '../scripts/gateway-build.mjs';
import { commandLine, findProcesses, terminate, withDescendants } from './os/processes';
import { HttpSession } from './testing/http-session';
import { GatewayClient } from './testing/ws-client';

const root = path.resolve(import.meta.dirname, '..');
const password = 'start-test-' + Math.random().toString(36).slice(2);

interface Started {
  npm: ChildProcess;
  dataDir: string;
  home: string;
  url: string;
  wrapper: number;
  gateway: number;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: Started[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) {
    try {
      process.kill(-s.npm.pid!, 'SIGKILL');
    } catch {
      // the group is gone
    }
    // The pty host and cloud workers outlive the gateway by design; the test ends them.
    await terminate(findProcesses((argv) => argv.some((a) => a.includes(s.dataDir))), 2000).catch(() => {});
    await rm(s.dataDir, { recursive: true, force: true });
    await rm(s.home, { recursive: true, force: true });
  }
});

/** The live processes started under `pid`. */
function descendants(pid: number): number[] {
  return withDescendants([pid]).filter((p) => p !== pid);
}

async function gone(pid: number, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; ; await sleep(50)) {
    if (commandLine(pid) === null) return true;
    if (Date.now() > end) return false;
  }
}

async function npmStart(): Promise<Started> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tether-npm-start-'));
  const home = await mkdtemp(path.join(os.tmpdir(), 'tether-npm-start-home-'));
  // The shipped configuration: nothing of this test runner's own environment.
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (/^(VITEST|npm_|NODE_ENV$|TETHER_)/.test(k)) delete env[k];
  Object.assign(env, { PORT: '0', DATA_DIR: dataDir, HOME: home, TETHER_ADMIN_PASSWORD: password });
  // Its own process group, as a terminal gives `npm start`: a Ctrl-C is SIGINT to the group.
  const npm = spawn('npm', ['start', '--', '--no-ui'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  npm.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  npm.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    npm.once('exit', (code, signal) => {
      // Let the last output through the pipes (a daemon holding them open must not block this).
      const done = () => resolve({ code, signal });
      npm.once('close', done);
      setTimeout(done, 1000);
    }),
  );
  const s: Started = { npm, dataDir, home, url: '', wrapper: 0, gateway: 0, output: () => out, exited };
  started.push(s);
  const url = await Promise.race([
    (async () => {
      for (;;) {
        const m = /Tether listening on (http:\/\/\S+)/.exec(out);
        if (m) return m[1]!;
        await sleep(50);
      }
    })(),
    exited.then((e) => Promise.reject(new Error(`npm start exited (${JSON.stringify(e)}) before listening:\n${out}`))),
  ]);
  const tree = descendants(npm.pid!);
  const wrapper = tree.find((p) => commandLine(p)?.some((a) => a.endsWith(path.join('scripts', 'start.mjs'))));
  const gateway = tree.find((p) => commandLine(p)?.includes(GATEWAY_BUNDLE));
  if (!wrapper || !gateway) throw new Error(`wrapper ${wrapper} / gateway ${gateway} not found under npm ${npm.pid}`);
  return Object.assign(s, { url, wrapper, gateway });
}

/** Open a terminal, so the pty host (on by default) is running when the gateway stops. */
async function openTerminal(url: string): Promise<GatewayClient> {
  const http = new HttpSession(url);
  const signIn = await http.login('admin', password);
  if (signIn.includes('error=')) throw new Error(`sign-in failed: ${signIn}`);
  const { token } = await http.mutation<{ token: string }>('tokens.create', { name: 'start-test' });
  const ws = await http.mutation<{ id: string }>('workspaces.create', { name: 'start-test' });
  const client = await GatewayClient.connect(url, { token });
  await client.open(1, { workspace: ws.id, cols: 80, rows: 24 });
  client.input(1, 'echo up-$((1+2))\r');
  await client.until(() => client.text(1).includes('up-3'), 20_000, 'shell');
  return client;
}

async function ptyHostPids(dataDir: string): Promise<number[]> {
  const base = path.join(dataDir, 'pty-host');
  const pids: number[] = [];
  for (const d of readdirSync(base)) {
    const info = await readFile(path.join(base, d, 'agent.json'), 'utf8').catch(() => null);
    if (info) pids.push((JSON.parse(info) as { pid: number }).pid);
  }
  return pids;
}

/** Exactly one clean shutdown: status 0, one "shutting down", no "second signal", no gateway left. */
async function expectCleanStop(s: Started): Promise<void> {
  const exit = await s.exited;
  const out = s.output();
  expect(out).not.toContain('second signal');
  expect(out.match(/"msg":"shutting down"/g)?.length ?? 0, out).toBe(1);
  expect(exit, out).toEqual({ code: 0, signal: null });
  // npm ends only after the wrapper, and the wrapper only after the gateway.
  expect(commandLine(s.gateway), 'gateway still running').toBeNull();
  expect(commandLine(s.wrapper), 'wrapper still running').toBeNull();
}

describe('stopping npm start', { timeout: 120_000 }, () => {
  it('one Ctrl-C (SIGINT to the process group): one clean shutdown, status 0, gateway gone, pty host kept', async () => {
    const s = await npmStart();
    const client = await openTerminal(s.url);
    const [host] = await ptyHostPids(s.dataDir);
    expect(host).toBeGreaterThan(0);
    process.kill(-s.npm.pid!, 'SIGINT');
    await expectCleanStop(s);
    await client.until(() => client.closeInfo !== null, 10_000, 'socket closed by the shutdown');
    // The terminals' daemon outlives the gateway by design (the next start picks them up).
    expect(commandLine(host!)).not.toBeNull();
  });

  it('one SIGTERM to the npm process alone: one clean shutdown, status 0, gateway gone', async () => {
    const s = await npmStart();
    process.kill(s.npm.pid!, 'SIGTERM');
    await expectCleanStop(s);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s to the wrapper alone: one clean shutdown, status 0, gateway gone', async (sig) => {
    const s = await npmStart();
    process.kill(s.wrapper, sig);
    await expectCleanStop(s);
  });

  it('a wrapper killed outright (SIGKILL) takes the gateway along', async () => {
    const s = await npmStart();
    process.kill(s.wrapper, 'SIGKILL');
    expect(await gone(s.gateway, 10_000), 'gateway still running 10 s after its wrapper was killed').toBe(true);
    expect(s.output()).not.toContain('second signal');
  });
});
