/**
 * Moving workspaces through the gateway: plan, start, progress over SSE, the switch (runtime,
 * terminals reopened) and a target killed mid-transfer, which must leave the workspace usable
 * where it was.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationEvent } from '../../migration/migration-service';
import { startTestGateway, type TestGateway } from '../../testing/test-gateway';
import { trpcCall } from '../../testing/trpc-call';
import { readSubscription } from '../../testing/trpc-subscription';
import { GatewayClient } from '../../testing/ws-client';

let gw: TestGateway;
const call = <T = unknown>(p: string, input: unknown, mutation = false) => trpcCall<T>(gw.url, p, { token: gw.token, input, mutation });
const ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };

const FINAL = ['done', 'failed', 'cancelled'];
const progress = (id: string, onEvent?: (e: MigrationEvent) => void | Promise<void>) =>
  readSubscription<MigrationEvent>(gw.url, 'migration.progress', { token: gw.token, input: { id }, until: (e) => FINAL.includes(e.step), onEvent });

async function gitWorkspace(name: string, extraBytes = 0) {
  const ws = await gw.tether.workspaces.create(gw.adminId, name);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: ws.root });
  await writeFile(path.join(ws.root, 'a.txt'), 'committed\n');
  if (extraBytes) await writeFile(path.join(ws.root, 'big.bin'), randomBytes(extraBytes));
  execFileSync('git', ['add', '.'], { cwd: ws.root, env: ENV });
  execFileSync('git', ['commit', '-qm', 'first'], { cwd: ws.root, env: ENV });
  await writeFile(path.join(ws.root, 'a.txt'), 'changed, not committed\n');
  await writeFile(path.join(ws.root, 'new file.txt'), 'untracked\n');
  return ws;
}

beforeAll(async () => {
  gw = await startTestGateway({ cloud: { warmPoolSize: 0, maxWorkersPerUser: 5 } });
}, 60_000);
afterAll(() => gw?.dispose());

describe('migration', () => {
  it('plans, moves a local workspace to a cloud worker, verifies, and reopens its terminals there', async () => {
    const ws = await gitWorkspace('mover');
    const c = await GatewayClient.connect(gw.url, { token: gw.token });
    await c.open(1, { workspace: ws.id, cols: 100, rows: 30 });
    const plan = await call<{ branch: string; changedFiles: number; untrackedFiles: number; terminals: number; to: { kind: string } }>('migration.plan', {
      workspaceId: ws.id,
      target: { kind: 'cloud' },
    });
    expect(plan.data).toMatchObject({ branch: 'main', changedFiles: 1, untrackedFiles: 1, terminals: 1, to: { kind: 'cloud' } });
    const started = await call<{ id: string }>('migration.start', { workspaceId: ws.id, target: { kind: 'cloud' } }, true);
    expect(started.error).toBeUndefined();
    const events = await progress(started.data!.id);
    const last = events.at(-1)!;
    expect(last.step).toBe('done');
    expect(last.result).toMatchObject({ verified: { branch: 'main', files: 'identical' }, terminalsReopened: 1 });
    expect([...new Set(events.map((e) => e.step))]).toEqual(['capture', 'pack', 'transfer', 'restore', 'verify', 'switch', 'done']);
    // The old terminal was told; the workspace now lives on the worker.
    await c.until(() => c.channel(1).exit !== undefined, 10_000, 'old terminal exit');
    const moved = await call<{ kind: string; workerId: string }>('workspaces.get', { id: ws.id });
    expect(moved.data?.kind).toBe('cloud');
    expect((await call<{ content: string }>('fs.read', { workspaceId: ws.id, path: 'new file.txt' })).data?.content).toBe('untracked\n');
    const list = await call<{ id: string; exited: unknown }[]>('terminals.list', { workspaceId: ws.id });
    expect(list.data!.filter((t) => !t.exited)).toHaveLength(1);
    await c.open(2, { session: list.data!.find((t) => !t.exited)!.id, cols: 100, rows: 30 });
    c.input(2, 'git -c color.status=never status --short; echo "on-$((3*3))"\r');
    await c.until(() => c.text(2).includes('on-9'), 15_000, 'a shell on the worker');
    expect(c.text(2)).toContain(' M a.txt');
    // The source folder is left as it was.
    expect(await readFile(path.join(ws.root, 'a.txt'), 'utf8')).toBe('changed, not committed\n');
    await c.close();
  });

  it('leaves the workspace usable where it was when the target dies mid-transfer', async () => {
    const ws = await gitWorkspace('survivor', 30 * 1024 * 1024);
    const started = await call<{ id: string }>('migration.start', { workspaceId: ws.id, target: { kind: 'cloud' } }, true);
    let killed = false;
    const events = await progress(started.data!.id, async (e) => {
      if (killed || e.step !== 'transfer') return;
      killed = true;
      const placed = await gw.tether.workspaces.list(gw.adminId);
      const target = (await gw.tether.orchestrator.list()).find((w) => w.state === 'assigned' && !placed.some((x) => x.workerId === w.id));
      const { pid } = JSON.parse(readFileSync(path.join(gw.dataDir, 'workers', target!.id, 'state.json'), 'utf8')) as { pid: number };
      process.kill(pid, 'SIGKILL');
    });
    expect(killed).toBe(true);
    expect(events.at(-1)).toMatchObject({ step: 'failed' });
    expect(events.at(-1)!.message).toMatch(/stays where it was/);
    const after = await call<{ kind: string }>('workspaces.get', { id: ws.id });
    expect(after.data?.kind).toBe('local');
    expect((await call<{ content: string }>('fs.read', { workspaceId: ws.id, path: 'a.txt' })).data?.content).toBe('changed, not committed\n');
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: ws.root }).toString()).toBe(' M a.txt\n?? "new file.txt"\n');
    // No scratch left behind, and the dead target's worker is not kept.
    expect(execFileSync('ls', ['-a', path.join(ws.root, '.git')]).toString()).not.toContain('tether-migration');
  });

  it('does not switch (and loses nothing) when files change while the workspace is being moved', async () => {
    const ws = await gitWorkspace('busy', 8 * 1024 * 1024);
    const started = await call<{ id: string }>('migration.start', { workspaceId: ws.id, target: { kind: 'cloud' } }, true);
    let wrote = false;
    const events = await progress(started.data!.id, (e) => {
      if (wrote || e.step !== 'transfer') return;
      wrote = true;
      execFileSync('sh', ['-c', 'echo "written during the move" > late.txt'], { cwd: ws.root });
    });
    expect(wrote).toBe(true);
    expect(events.at(-1)).toMatchObject({ step: 'failed' });
    expect(events.at(-1)!.message).toMatch(/changed in the workspace while it was being moved/);
    expect((await call<{ kind: string }>('workspaces.get', { id: ws.id })).data?.kind).toBe('local');
    expect(await readFile(path.join(ws.root, 'late.txt'), 'utf8')).toBe('written during the move\n');
    expect((await gw.tether.orchestrator.list()).filter((w) => w.state === 'assigned')).toHaveLength((await gw.tether.workspaces.list(gw.adminId)).filter((w) => w.kind === 'cloud').length);
  });

  it('refuses what cannot move, with reasons', async () => {
    const plain = await gw.tether.workspaces.create(gw.adminId, 'plain');
    expect((await call('migration.plan', { workspaceId: plain.id, target: { kind: 'cloud' } })).error?.message).toMatch(/not a git repository/);
    expect((await call('migration.plan', { workspaceId: plain.id, target: { kind: 'local' } })).error?.message).toMatch(/already runs/);
    expect((await call('migration.start', { workspaceId: 'nope', target: { kind: 'cloud' } }, true)).error?.code).toBe('NOT_FOUND');
  });
});
