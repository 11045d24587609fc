/**
 * `workspaces.overview` against the real gateway and real shells: only the caller's workspaces,
 * where each runs, how many terminals run and wait for input, and when each was last active
 * (terminal output, a terminal ending, a file saved).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trpcCall } from '../testing/trpc-call';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

interface OverviewRow {
  id: string;
  name: string;
  kind: 'local' | 'ssh' | 'cloud';
  host: { id: string; name: string } | null;
  pool: unknown;
  worker?: unknown;
  terminalsRunning: number;
  agentsWaiting: number;
  lastActivityAt: number | null;
}

let gw: TestGateway;
let otherToken: string;

beforeAll(async () => {
  gw = await startTestGateway();
  const other = await gw.tether.users.create('other', 'other-password-1', 'user');
  otherToken = (await gw.tether.tokens.create(other.id, 'test')).token;
  await gw.tether.workspaces.create(other.id, 'theirs');
});
afterAll(async () => {
  await gw?.dispose();
});

async function overview(token = gw.token): Promise<OverviewRow[]> {
  const r = await trpcCall<OverviewRow[]>(gw.url, 'workspaces.overview', { token });
  expect(r.error).toBeUndefined();
  return r.data!;
}

async function rowOf(id: string): Promise<OverviewRow> {
  const row = (await overview()).find((w) => w.id === id);
  expect(row).toBeDefined();
  return row!;
}

async function start(workspaceId: string, command: string): Promise<string> {
  const r = await trpcCall<{ sessionId: string }>(gw.url, 'agents.start', { token: gw.token, mutation: true, input: { workspaceId, command } });
  expect(r.error).toBeUndefined();
  return r.data!.sessionId;
}

describe('workspaces.overview', () => {
  it('lists only the caller’s workspaces, with where they run and no activity yet', async () => {
    const mine = await gw.tether.workspaces.create(gw.adminId, 'quiet');
    const rows = await overview();
    expect(rows.map((w) => w.name)).toEqual(['quiet']);
    expect(rows[0]).toMatchObject({ id: mine.id, kind: 'local', host: null, pool: null, terminalsRunning: 0, agentsWaiting: 0, lastActivityAt: null });
    expect(rows[0]).not.toHaveProperty('worker');
    expect((await overview(otherToken)).map((w) => w.name)).toEqual(['theirs']);
    // Signed out: refused.
    expect((await trpcCall(gw.url, 'workspaces.overview')).error?.code).toBe('UNAUTHORIZED');
  });

  it('counts running terminals and the ones waiting for input; an exited one is no longer running', async () => {
    const ws = await gw.tether.workspaces.create(gw.adminId, 'busy');
    const before = Date.now();
    await start(ws.id, `bash -c 'echo working; sleep 600'`);
    await start(ws.id, `bash -c 'printf "Apply these changes? (y/n) "; read x; sleep 600'`);
    await start(ws.id, `bash -c 'sleep 1; echo bye; exit 0'`); // ends by itself
    await expect.poll(async () => (await rowOf(ws.id)).terminalsRunning, { timeout: 15_000 }).toBe(3);
    // The question is "waiting" once the program has been quiet for a few seconds (status.ts).
    await expect.poll(async () => (await rowOf(ws.id)).agentsWaiting, { timeout: 20_000, interval: 250 }).toBe(1);
    await expect.poll(async () => (await rowOf(ws.id)).terminalsRunning, { timeout: 15_000 }).toBe(2);
    const row = await rowOf(ws.id);
    expect(row.lastActivityAt).not.toBeNull();
    expect(row.lastActivityAt!).toBeGreaterThanOrEqual(before);
    expect(row.lastActivityAt!).toBeLessThanOrEqual(Date.now());
    // Another workspace's terminals are not counted here, and the other user sees none of it.
    expect((await rowOf((await overview()).find((w) => w.name === 'quiet')!.id)).terminalsRunning).toBe(0);
    expect((await overview(otherToken)).every((w) => w.terminalsRunning === 0)).toBe(true);
  });

  it('moves the last activity forward when a file is saved, and forgets a removed workspace', async () => {
    const ws = await gw.tether.workspaces.create(gw.adminId, 'edited');
    expect((await rowOf(ws.id)).lastActivityAt).toBeNull();
    const before = Date.now();
    const saved = await trpcCall(gw.url, 'fs.write', { token: gw.token, mutation: true, input: { workspaceId: ws.id, path: 'notes.txt', content: 'hi\n', expectedVersion: null } });
    expect(saved.error).toBeUndefined();
    const at = (await rowOf(ws.id)).lastActivityAt;
    expect(at).not.toBeNull();
    expect(at!).toBeGreaterThanOrEqual(before);
    // A refused save (stale version) is no activity.
    const refused = await trpcCall(gw.url, 'fs.write', { token: gw.token, mutation: true, input: { workspaceId: ws.id, path: 'notes.txt', content: 'x\n', expectedVersion: 'stale' } });
    expect(refused.error).toBeDefined();
    expect((await rowOf(ws.id)).lastActivityAt).toBe(at);

    const removed = await trpcCall(gw.url, 'workspaces.remove', { token: gw.token, mutation: true, input: { id: ws.id } });
    expect(removed.error).toBeUndefined();
    expect((await overview()).some((w) => w.id === ws.id)).toBe(false);
  });
});
