/**
 * Cloud workspaces through the real gateway: a worker from the warm pool (real agent processes
 * started by the process provider), a repository cloned into it, terminals and files through the
 * same APIs as local, per-user limits, the admin pool view, and a worker killed under a terminal.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../testing/test-gateway';
import { trpcCall } from '../../testing/trpc-call';
import { GatewayClient } from '../../testing/ws-client';
import { until as pollUntil } from '../../testing/until';

let gw: TestGateway;
let repo: string;
let userToken: string;
const call = <T = unknown>(p: string, input: unknown, mutation = false, token = gw.token) => trpcCall<T>(gw.url, p, { token, input, mutation });

const until = (check: () => boolean | Promise<boolean>, what: string, ms = 30_000) => pollUntil(check, what, ms);

interface Ws {
  id: string;
  kind: string;
  workerId: string;
}

beforeAll(async () => {
  gw = await startTestGateway({ cloud: { warmPoolSize: 1, maxWorkersPerUser: 2 } });
  const user = await gw.tether.users.create('carol', 'carol-password-1', 'user');
  userToken = (await gw.tether.tokens.create(user.id, 'carol')).token;
  repo = await mkdtemp(path.join(os.tmpdir(), 'tether-cloud-repo-'));
  const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  await writeFile(path.join(repo, 'README.md'), '# hello from git\n');
  execFileSync('git', ['add', '.'], { cwd: repo, env });
  execFileSync('git', ['commit', '-qm', 'first'], { cwd: repo, env });
}, 60_000);
afterAll(async () => {
  await gw?.dispose();
  await rm(repo, { recursive: true, force: true });
});

describe('cloud workspaces', () => {
  it('comes from the warm pool with a repository cloned in, and serves files and terminals', async () => {
    await until(async () => (await gw.tether.orchestrator.poolStatus()).warm === 1, 'a warm worker');
    const t0 = performance.now();
    const created = await call<Ws>('workspaces.create', { name: 'cloudy', cloud: { clone: repo } }, true);
    expect(created.error).toBeUndefined();
    expect(created.data).toMatchObject({ kind: 'cloud' });
    expect(performance.now() - t0).toBeLessThan(10_000);
    const ws = created.data!;
    const read = await call<{ content: string }>('fs.read', { workspaceId: ws.id, path: 'README.md' });
    expect(read.data?.content).toBe('# hello from git\n');
    expect((await call('fs.read', { workspaceId: ws.id, path: '../../tether.db' })).error?.code).toBe('BAD_REQUEST');

    const c = await GatewayClient.connect(gw.url, { token: gw.token });
    await c.open(1, { workspace: ws.id, cols: 80, rows: 24, command: 'git log --format=%s; echo "cloud-$((6*7))"' });
    await c.until(() => c.channel(1).exit !== undefined, 20_000, 'exit');
    expect(c.text(1)).toContain('first');
    expect(c.text(1)).toContain('cloud-42');
    await c.close();

    const health = await call<{ kind: string; ok: boolean; worker: { state: string } }>('runtimes.workspace', { id: ws.id });
    expect(health.data).toMatchObject({ kind: 'cloud', ok: true, worker: { state: 'assigned' } });
    // The pool refills behind the taken worker.
    await until(async () => (await gw.tether.orchestrator.poolStatus()).warm === 1, 'the pool to refill');
  });

  it('shows the pool to admins only, never a worker secret', async () => {
    const pool = await call<{ provider: string; warm: number; workers: { id: string; userName: string | null }[] }>('cloud.pool', undefined);
    expect(pool.data).toMatchObject({ provider: 'process' });
    expect(pool.data!.workers.some((w) => w.userName === 'admin')).toBe(true);
    expect(JSON.stringify(pool.data)).not.toMatch(/secret|ws:\/\//);
    expect((await call('cloud.pool', undefined, false, userToken)).error?.code).toBe('FORBIDDEN');
  });

  it('enforces the per-user worker limit and refuses a bad clone source, keeping nothing', async () => {
    expect((await call('workspaces.create', { name: 'c1', cloud: {} }, true, userToken)).error).toBeUndefined();
    const bad = await call('workspaces.create', { name: 'c2', cloud: { clone: repo } }, true, userToken);
    expect(bad.error).toMatchObject({ code: 'FORBIDDEN' });
    expect(bad.error!.message).toMatch(/only an admin/);
    expect((await call<Ws[]>('workspaces.list', undefined, false, userToken)).data!.map((w) => w.kind)).toEqual(['cloud']);
    expect((await call('workspaces.create', { name: 'c2', cloud: {} }, true, userToken)).error).toBeUndefined();
    const third = await call('workspaces.create', { name: 'c3', cloud: {} }, true, userToken);
    expect(third.error?.code).toBe('TOO_MANY_REQUESTS');
  });

  it('removing a cloud workspace ends its terminals and releases its worker, freeing a slot', async () => {
    const list = (await call<Ws[]>('workspaces.list', undefined, false, userToken)).data!;
    expect(list).toHaveLength(2); // at the limit
    const [first] = list;
    const c = await GatewayClient.connect(gw.url, { token: userToken });
    await c.open(1, { workspace: first!.id, cols: 80, rows: 24 });
    c.input(1, 'echo "up-$((1+1))"\r');
    await c.until(() => c.text(1).includes('up-2'), 15_000, 'shell');
    const removed = await call<{ terminalsEnded: number; filesDeleted: boolean }>('workspaces.remove', { id: first!.id }, true, userToken);
    expect(removed.data).toEqual({ terminalsEnded: 1, filesDeleted: true });
    expect(c.channel(1).exit).toBeDefined(); // told before the reply
    expect((await gw.tether.orchestrator.get(first!.workerId))?.state).toBe('gone');
    expect((await call('workspaces.create', { name: 'c4', cloud: {} }, true, userToken)).error).toBeUndefined();
    expect((await call('workspaces.remove', { id: first!.id }, true, userToken)).error?.code).toBe('NOT_FOUND');
    await c.close();
  });

  it('reports the terminals of a killed worker as lost, without hanging', async () => {
    const ws = (await call<Ws>('workspaces.create', { name: 'doomed', cloud: {} }, true)).data!;
    const c = await GatewayClient.connect(gw.url, { token: gw.token });
    await c.open(1, { workspace: ws.id, cols: 80, rows: 24 });
    c.input(1, 'echo "alive-$((2+3))"\r');
    await c.until(() => c.text(1).includes('alive-5'), 15_000, 'echo');
    const state = JSON.parse(await readFile(path.join(gw.dataDir, 'workers', ws.workerId, 'state.json'), 'utf8')) as { pid: number };
    process.kill(state.pid, 'SIGKILL');
    const t0 = Date.now();
    await c.until(() => c.channel(1).exit !== undefined, 40_000, 'exit after the worker died');
    expect(Date.now() - t0).toBeLessThan(35_000);
    expect(c.channel(1).events).toContainEqual(expect.objectContaining({ type: 'status', status: 'lost' }));
    await until(async () => (await gw.tether.orchestrator.get(ws.workerId))?.state === 'gone', 'the worker reported gone', 20_000);
    await c.close();
  });

  it('re-attaches terminals that kept running on a worker across a gateway restart', async () => {
    const first = await startTestGateway({ cloud: { warmPoolSize: 0 } });
    let second: TestGateway | undefined;
    try {
      const ws = (await trpcCall<Ws>(first.url, 'workspaces.create', { token: first.token, mutation: true, input: { name: 'lasting', cloud: {} } })).data!;
      const a = await GatewayClient.connect(first.url, { token: first.token });
      const { session } = await a.open(1, { workspace: ws.id, cols: 80, rows: 24 });
      // ~6 MB of history (more than the gateway's ring) for the restarted gateway to pull back.
      a.input(1, 'export MARK=kept; seq 1 800000; echo "before-$((40+2))"\r');
      await a.until(() => a.text(1).includes('before-42'), 30_000, 'output before the restart');
      await a.until(() => /[$#] $/.test(a.text(1)), 10_000, 'the prompt');
      const received = a.channel(1).received;
      await a.close();
      await first.dispose({ restartable: true });

      second = await startTestGateway({ cloud: { warmPoolSize: 0 }, reuse: first });
      // A browser reconnecting at once, before the re-adoption is done: exact, no replay.
      const b = await GatewayClient.connect(second.url, { token: second.token });
      expect(await b.open(1, { session, cols: 80, rows: 24, resumeFrom: received })).toMatchObject({ offset: received, snapshot: false });
      expect(await second.tether.readopted).toBe(1);
      const listed = await trpcCall<{ id: string }[]>(second.url, 'terminals.list', { token: second.token, input: { workspaceId: ws.id } });
      expect(listed.data?.map((t) => t.id)).toEqual([session]);
      b.input(1, 'echo "still-$MARK"\r'); // the same shell: its variables survived
      await b.until(() => b.text(1).includes('still-kept'), 15_000, 'the same shell answering');
      expect(b.text(1)).not.toContain('before-42');
      expect([b.channel(1).gaps, b.channel(1).duplicateBytes]).toEqual([0, 0]);
      // A later viewer without an offset gets the history the gateway pulled back.
      const c = await GatewayClient.connect(second.url, { token: second.token });
      await c.open(1, { session, cols: 80, rows: 24 });
      await c.until(() => c.text(1).includes('still-kept'), 15_000, 'the history');
      await Promise.all([b.close(), c.close()]);
    } finally {
      await (second ?? first).dispose();
    }
  });
});
