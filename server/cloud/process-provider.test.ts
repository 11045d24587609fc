/**
 * ProcessProvider with the real worker agent: the on-disk record a restarted gateway finds,
 * destroy, a clean environment, and the bubblewrap sandbox (own directory only, no DATA_DIR,
 * working PTYs). The sandbox tests are skipped, with the reason printed, where bwrap cannot run.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findProcesses } from '../os/processes';
import { probeSandbox, sandboxArgv, type SandboxLayout } from './process-provider';
import { createCloudFixture, healthz, REPO_ROOT, until, type CloudFixture } from './testing/cloud-fixture';

const bwrapProblem = await probeSandbox();
const bwrapWorks = bwrapProblem === null;
if (!bwrapWorks) console.warn(`skipping the bubblewrap sandbox tests: ${bwrapProblem}`);

let fx: CloudFixture;

beforeAll(async () => {
  fx = await createCloudFixture();
});
afterAll(async () => {
  await fx?.dispose();
});

/** Every process of a worker: both bwrap processes (when sandboxed) and the agent name its token file. */
function workerProcesses(id: string): number[] {
  const token = path.join(fx.baseDir, id, 'token');
  return findProcesses((argv) => argv.includes(token));
}

describe('ProcessProvider', () => {
  it('starts an agent in <baseDir>/<id> and finds it again from disk (after a gateway restart too)', async () => {
    const provider = fx.provider();
    const w = await provider.create({ id: 'disk', size: 'small' });
    expect(w.state).toBe('running');
    expect(w.endpoint.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/);
    expect(await healthz(w.endpoint.url)).toBe('ok');

    const dir = path.join(fx.baseDir, 'disk');
    expect((await stat(path.join(dir, 'token'))).mode & 0o777).toBe(0o600);
    expect((await readFile(path.join(dir, 'token'), 'utf8')).trim()).toBe(w.endpoint.secret);
    expect(Buffer.from(w.endpoint.secret, 'base64url')).toHaveLength(32);
    expect((await stat(path.join(dir, 'workspace'))).isDirectory()).toBe(true);
    expect((await stat(path.join(dir, 'home'))).isDirectory()).toBe(true);
    const state = JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8'));
    expect(state).toEqual({ pid: expect.any(Number), url: w.endpoint.url, startedAt: expect.any(Number) });

    const restarted = fx.provider();
    expect(await restarted.list()).toContainEqual({ id: 'disk', state: 'running', endpoint: w.endpoint });
    expect(await restarted.endpoint('disk')).toEqual(w.endpoint);
    await restarted.destroy('disk');
  });

  it('destroy ends every process of the worker and deletes its directory; it is idempotent', async () => {
    const provider = fx.provider();
    const [a, b] = await Promise.all([provider.create({ id: 'da', size: 'small' }), provider.create({ id: 'db', size: 'small' })]);
    expect(workerProcesses('da').length).toBeGreaterThan(0);
    await provider.destroy('da');
    expect(workerProcesses('da')).toEqual([]);
    expect(existsSync(path.join(fx.baseDir, 'da'))).toBe(false);
    expect(await healthz(a.endpoint.url)).toBeNull();
    await provider.destroy('da');
    // The other worker is untouched.
    expect(await healthz(b.endpoint.url)).toBe('ok');
    await provider.destroy('db');
  });

  it('reports a worker whose agent was killed as gone, with no endpoint', async () => {
    const provider = fx.provider();
    await provider.create({ id: 'killed', size: 'small' });
    process.kill(await fx.agentPid('killed'), 'SIGKILL');
    await until(() => workerProcesses('killed').length === 0, 'the worker processes to end');
    expect(await provider.list()).toContainEqual({ id: 'killed', state: 'gone', endpoint: null });
    expect(await provider.endpoint('killed')).toBeNull();
    await provider.destroy('killed');
  });

  it.each(['auto', 'off'] as const)('gives the agent a clean environment, without the gateway secrets (sandbox %s)', async (sandbox) => {
    const id = `env-${sandbox}`;
    const planted = { NEXTAUTH_SECRET: 'gateway-secret-xyz', TETHER_FOO: 'tether-foo', NODE_OPTIONS: '--no-warnings' };
    const before = Object.keys(planted).map((name) => [name, process.env[name]] as const);
    Object.assign(process.env, planted);
    try {
      await fx.provider({ sandbox }).create({ id, size: 'small' });
    } finally {
      for (const [name, value] of before) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    const pids = workerProcesses(id);
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      expect(environ).not.toContain('gateway-secret-xyz');
      expect(environ).not.toContain('tether-foo');
      const vars = new Map(environ.split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
      // bwrap --chdir sets PWD (to the repository: tsx's working directory).
      if (vars.has('PWD')) expect(vars.get('PWD')).toBe(REPO_ROOT);
      vars.delete('PWD');
      expect([...vars.keys()].sort()).toEqual(['HOME', 'LANG', 'PATH', 'TERM']);
      expect(vars.get('HOME')).toBe(path.join(fx.baseDir, id, 'home'));
      expect(vars.get('PATH')).toBe('/usr/local/bin:/usr/bin:/bin');
    }
    await fx.provider().destroy(id);
  });
});

describe('bubblewrap sandbox', () => {
  const run = promisify(execFile);

  /** Exit code of `sh -c script` in the sandbox of `layout`. */
  async function inSandbox(layout: SandboxLayout, script: string): Promise<number> {
    const [bwrap, ...args] = sandboxArgv(layout, ['/bin/sh', '-c', script]);
    try {
      await run(bwrap!, args);
      return 0;
    } catch (err) {
      return (err as { code: number }).code;
    }
  }

  it.skipIf(!bwrapWorks)('confines a worker to its own directory: no other worker, no DATA_DIR, read-only code', async () => {
    // DATA_DIR inside the repository, as with the default ./data: it must be hidden, not just left out.
    const repo = path.join(fx.dataDir, 'repo');
    const dataDir = path.join(repo, 'data');
    const baseDir = path.join(dataDir, 'workers');
    for (const id of ['mine', 'other']) {
      await mkdir(path.join(baseDir, id), { recursive: true });
      await writeFile(path.join(baseDir, id, 'file'), `${id}\n`);
    }
    await writeFile(path.join(dataDir, 'tether.db'), 'database');
    await writeFile(path.join(repo, 'code.ts'), 'code');
    const layout = { repoRoot: repo, baseDir, workerDir: path.join(baseDir, 'mine') };
    const own = path.join(baseDir, 'mine', 'file');

    expect(await inSandbox(layout, `cat ${own} && echo more >> ${own}`)).toBe(0);
    expect(await inSandbox(layout, `cat ${path.join(baseDir, 'other', 'file')}`)).not.toBe(0);
    expect(await inSandbox(layout, `ls ${path.join(baseDir, 'other')}`)).not.toBe(0);
    expect(await inSandbox(layout, `cat ${path.join(dataDir, 'tether.db')}`)).not.toBe(0);
    expect(await inSandbox(layout, `cat ${path.join(repo, 'code.ts')}`)).toBe(0);
    expect(await inSandbox(layout, `echo x >> ${path.join(repo, 'code.ts')}`)).not.toBe(0);
    expect(await inSandbox(layout, `touch /usr/x || touch /etc/x`)).not.toBe(0);
    // A private /tmp (the fixture's own DATA_DIR is in the host's), and no way to undo the
    // mounts (capabilities are dropped even for root).
    expect(await inSandbox(layout, `test ! -e ${path.join(fx.dataDir, 'tether.db')} && touch /tmp/x`)).toBe(0);
    expect(await inSandbox(layout, `umount ${dataDir}`)).not.toBe(0);
  });

  it.skipIf(!bwrapWorks)('runs the agents under it: a worker sees its own directory only', async () => {
    const provider = fx.provider();
    expect(await provider.sandbox()).toBe('bubblewrap');
    expect(await fx.provider({ sandbox: 'off' }).sandbox()).toBe('none (turned off)');
    await Promise.all(['sa', 'sb'].map((id) => provider.create({ id, size: 'small' })));
    // /proc/<pid>/root shows the file system as that process sees it, mounts included.
    const root = `/proc/${await fx.agentPid('sa')}/root`;
    expect(existsSync(root + path.join(fx.baseDir, 'sa', 'token'))).toBe(true);
    expect(existsSync(root + path.join(fx.baseDir, 'sb'))).toBe(false);
    expect(existsSync(root + path.join(fx.dataDir, 'tether.db'))).toBe(false);
    expect(existsSync(root + path.join(REPO_ROOT, 'server', 'worker', 'main.ts'))).toBe(true);
    await Promise.all(['sa', 'sb'].map((id) => provider.destroy(id)));
  });

  it.skipIf(!bwrapWorks)('lets node-pty open terminals inside (a private devpts from --dev /dev)', async () => {
    const workerDir = path.join(fx.baseDir, 'pty');
    await mkdir(workerDir, { recursive: true });
    const script = `
      const pty = require(${JSON.stringify(path.join(REPO_ROOT, 'node_modules', 'node-pty'))});
      const p = pty.spawn('/bin/bash', ['-c', 'tty; echo pty-works'], { cols: 80, rows: 24, env: { PATH: '/usr/bin:/bin' } });
      p.onData((d) => process.stdout.write(d));
      p.onExit((e) => setTimeout(() => process.exit(e.exitCode), 50));`;
    const [bwrap, ...args] = sandboxArgv({ repoRoot: REPO_ROOT, baseDir: fx.baseDir, workerDir }, [process.execPath, '-e', script]);
    const child = spawn(bwrap!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(out).toMatch(/\/dev\/pts\/\d+\r?\npty-works/);
    expect(code).toBe(0);
  });
});
