/**
 * Workspace members against the real gateway: the owner adds accounts as viewer or editor; a
 * member reaches the workspace with their own sign-in over tRPC and `/ws` (a viewer read-only, an
 * editor read-write), appears by name in presence, and is cut off at once (4403) when removed or
 * made a viewer; anyone else is answered as for a missing workspace; removing the workspace or
 * the account removes the memberships.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpSession as Browser } from '../testing/http-session';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';
import { trpcCall } from '../testing/trpc-call';
import { readSubscription } from '../testing/trpc-subscription';
import { GatewayClient } from '../testing/ws-client';
import { MEMBER_END_MESSAGES } from './members';

let gw: TestGateway;
let workspaceId: string;
let root: string;
let owner: GatewayClient;
/** The owner's terminal (channel 1). */
let sessionId: string;
/** Accounts: a member (by cookie), another member-to-be, and a stranger (API tokens). */
const acct: Record<'vera' | 'eddie' | 'stranger', { id: string; token: string }> = {} as never;
let veraCookie: string;

const MISSING = 'AAAAAAAAAAAAAAAAAAAAAA';
const asOwner = <T>(p: string, input?: unknown, mutation = true) => trpcCall<T>(gw.url, p, { token: gw.token, input, mutation });
const as = <T>(who: keyof typeof acct, p: string, input?: unknown, mutation = false) => trpcCall<T>(gw.url, p, { token: acct[who].token, input, mutation });

async function account(name: string, extra: Record<string, unknown> = {}) {
  const r = await asOwner<{ id: string }>('users.create', { name, password: `${name}-password-1`, role: 'user', ...extra });
  expect(r.error).toBeUndefined();
  return { id: r.data!.id, token: (await gw.tether.tokens.create(r.data!.id, 'test')).token };
}

beforeAll(async () => {
  gw = await startTestGateway();
  const ws = await gw.tether.workspaces.create(gw.adminId, 'team-ws');
  workspaceId = ws.id;
  root = ws.root;
  acct.vera = await account('vera', { displayName: 'Vera Viewer', email: 'vera@example.org' });
  acct.eddie = await account('eddie');
  acct.stranger = await account('stranger');
  const b = new Browser(gw.url);
  expect(await b.login('vera', 'vera-password-1')).not.toMatch(/error=/);
  veraCookie = b.cookieHeader;
  owner = await GatewayClient.connect(gw.url, { token: gw.token });
  sessionId = (await owner.open(1, { workspace: workspaceId, cols: 100, rows: 30 })).session;
  await owner.until(() => owner.text(1).length > 0, 10_000, 'first prompt');
});
afterAll(async () => {
  await owner?.close().catch(() => {});
  await gw?.dispose();
});

async function waitFor(pred: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function ownerRuns(command: string, marker: string): Promise<void> {
  owner.input(1, `${command}\r`);
  await owner.until(() => owner.text(1).includes(marker), 10_000, marker);
}

describe('the owner manages members', () => {
  it('adds an existing account by email or username, with clear errors otherwise, and audits it', async () => {
    const added = await asOwner<{ userId: string; name: string; role: string }>('members.add', { workspaceId, who: 'VERA@example.org', role: 'viewer' });
    expect(added.data).toMatchObject({ userId: acct.vera.id, name: 'vera', displayName: 'Vera Viewer', role: 'viewer' });
    const refused = async (who: string) => (await asOwner('members.add', { workspaceId, who, role: 'editor' })).error;
    expect(await refused('nobody-here')).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('no account') });
    expect(await refused('admin')).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('your own') });
    expect(await refused('vera')).toMatchObject({ code: 'CONFLICT' });
    const off = await account('offline');
    await gw.tether.users.setDisabled(off.id, true);
    expect(await refused('offline')).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('disabled') });
    expect((await asOwner('members.add', { workspaceId, who: 'eddie', role: 'owner' })).error?.code).toBe('BAD_REQUEST');

    const list = await asOwner<{ name: string; role: string }[]>('members.list', { workspaceId }, false);
    expect(list.data?.map((m) => [m.name, m.role])).toEqual([['vera', 'viewer']]);
    const trail = await gw.tether.audit.list({ action: 'member.added' });
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({ actorId: gw.adminId, actorName: 'admin', target: `workspace:${workspaceId}`, detail: { member: 'vera', memberName: 'Vera Viewer', role: 'viewer' } });
  });

  it('answers everyone else — a member included — exactly as for a workspace that does not exist', async () => {
    for (const who of ['vera', 'stranger'] as const) {
      for (const [p, input] of [
        ['members.list', { workspaceId }],
        ['members.add', { workspaceId, who: 'eddie', role: 'editor' }],
        ['members.setRole', { workspaceId, userId: acct.vera.id, role: 'editor' }],
        ['members.remove', { workspaceId, userId: acct.vera.id }],
      ] as const) {
        const mutation = p !== 'members.list';
        const mine = await as(who, p, input, mutation);
        const missing = await as(who, p, { ...input, workspaceId: MISSING }, mutation);
        expect(mine.error, `${who} ${p}`).toEqual(missing.error);
        expect(mine.error?.code).toBe('NOT_FOUND');
      }
    }
    expect((await asOwner<unknown[]>('members.list', { workspaceId }, false)).data).toHaveLength(1);
  });
});

describe('a viewer', () => {
  let vera: GatewayClient;

  it('sees the workspace on their home with owner and role, and opens it with their own identity', async () => {
    const mine = await trpcCall<{ workspace: { id: string; name: string }; ownerName: string; role: string }[]>(gw.url, 'members.sharedWithMe', { cookie: veraCookie });
    expect(mine.data).toEqual([expect.objectContaining({ workspace: expect.objectContaining({ id: workspaceId, name: 'team-ws' }), ownerName: 'admin', role: 'viewer' })]);
    const ws = await trpcCall<{ id: string; root: string; membership: unknown }>(gw.url, 'workspaces.get', { cookie: veraCookie, input: { id: workspaceId } });
    expect(ws.data).toMatchObject({ id: workspaceId, root: '', membership: { role: 'viewer', owner: 'admin' } });
    // The owner's own list does not grow, and the member's own list stays theirs.
    expect((await trpcCall<unknown[]>(gw.url, 'workspaces.list', { cookie: veraCookie })).data).toEqual([]);
    const terms = await trpcCall<{ id: string }[]>(gw.url, 'terminals.list', { cookie: veraCookie, input: { workspaceId } });
    expect(terms.data?.map((t) => t.id)).toEqual([sessionId]);
  });

  it('reads files but cannot write, create, rename or delete them', async () => {
    await ownerRuns('echo from-owner > notes.txt && echo WROTE_OK', 'WROTE_OK');
    const read = await trpcCall<{ content: string }>(gw.url, 'fs.read', { cookie: veraCookie, input: { workspaceId, path: 'notes.txt' } });
    expect(read.data?.content).toBe('from-owner\n');
    const refused = await trpcCall(gw.url, 'fs.write', { cookie: veraCookie, mutation: true, input: { workspaceId, path: 'notes.txt', content: 'viewer', expectedVersion: null, force: true } });
    expect(refused.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('viewer') });
    for (const [p, input] of [
      ['fs.create', { workspaceId, path: 'v.txt' }],
      ['fs.mkdir', { workspaceId, path: 'vdir' }],
      ['fs.rename', { workspaceId, from: 'notes.txt', to: 'moved.txt' }],
      ['fs.delete', { workspaceId, path: 'notes.txt' }],
    ] as const) {
      expect((await trpcCall(gw.url, p, { cookie: veraCookie, mutation: true, input })).error?.code, p).toBe('FORBIDDEN');
    }
    expect(await readFile(path.join(root, 'notes.txt'), 'utf8')).toBe('from-owner\n');
    expect(existsSync(path.join(root, 'v.txt')) || existsSync(path.join(root, 'vdir')) || existsSync(path.join(root, 'moved.txt'))).toBe(false);
  });

  it('watches the owner’s terminal over /ws; input, resize, kill and new terminals are refused, and the PTY never sees them', async () => {
    vera = await GatewayClient.connect(gw.url, { cookie: veraCookie });
    expect(vera.helloAck.user.name).toBe('vera');
    await vera.open(1, { session: sessionId, cols: 40, rows: 10 });
    await ownerRuns('echo OWNER_$((6*7))', 'OWNER_42');
    await vera.until(() => vera.text(1).includes('OWNER_42'), 10_000, 'owner output at the viewer');
    const marker = path.join(root, 'viewer-was-here');
    vera.input(1, `touch ${marker}\r`);
    vera.resize(1, 50, 20);
    vera.kill(1);
    await vera.until(() => vera.channel(1).errors.length >= 3, 5000, 'three errors');
    expect(vera.channel(1).errors.map((e) => e.code)).toEqual(['forbidden', 'forbidden', 'forbidden']);
    await vera.open(2, { workspace: workspaceId, cols: 80, rows: 24 }).catch(() => {});
    expect(vera.channel(2).errors.at(-1)).toMatchObject({ code: 'forbidden', message: expect.stringContaining('viewer') });
    await ownerRuns('echo SIZE_$(stty size | tr " " x)', 'SIZE_30x100');
    expect(existsSync(marker)).toBe(false);
  });

  it('appears by name in the owner’s presence, as a viewer', async () => {
    const seen = await readSubscription<{ participants: { name: string; role: string; scope: string; you: boolean }[] }>(gw.url, 'shares.presence', {
      token: gw.token,
      input: { sessionId },
      until: (e) => e.participants.some((p) => p.role === 'member'),
    });
    expect(seen.at(-1)!.participants).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'Vera Viewer', role: 'member', scope: 'view', you: false }), expect.objectContaining({ role: 'owner', you: true })]),
    );
    const mine = await readSubscription<{ participants: { name: string; you: boolean; guestId?: string }[] }>(gw.url, 'shares.presence', {
      cookie: veraCookie,
      input: { sessionId },
      until: () => true,
    });
    expect(mine[0]!.participants.find((p) => p.you)?.name).toBe('Vera Viewer');
  });

  it('never reaches what only the owner may do', async () => {
    for (const [p, input, mutation] of [
      ['workspaces.remove', { id: workspaceId }, true],
      ['shares.create', { workspaceId, scope: 'drive' }, true],
      ['migration.plan', { workspaceId, target: { kind: 'local' } }, false],
      ['runtimes.workspace', { id: workspaceId }, false],
    ] as const) {
      const mine = await trpcCall(gw.url, p, { cookie: veraCookie, input, mutation });
      const missing = await trpcCall(gw.url, p, { cookie: veraCookie, input: JSON.parse(JSON.stringify(input).replaceAll(workspaceId, MISSING)), mutation });
      expect(mine.error?.code, p).toBe(missing.error?.code);
      expect(mine.error, p).toBeDefined();
    }
    expect(await gw.tether.workspaces.get(gw.adminId, workspaceId)).not.toBeNull();
  });

  it('made an editor on the same socket, types into the owner’s terminal and writes files', async () => {
    expect((await asOwner('members.setRole', { workspaceId, userId: acct.vera.id, role: 'editor' })).error).toBeUndefined();
    vera.input(1, 'echo EDITOR_$((7*6))\r');
    await owner.until(() => owner.text(1).includes('EDITOR_42'), 10_000, 'editor input at the owner');
    const w = await trpcCall(gw.url, 'fs.write', { cookie: veraCookie, mutation: true, input: { workspaceId, path: 'by-vera.txt', content: 'hi', expectedVersion: null } });
    expect(w.error).toBeUndefined();
    expect(await readFile(path.join(root, 'by-vera.txt'), 'utf8')).toBe('hi');
    const opened = await vera.open(3, { workspace: workspaceId, cols: 80, rows: 24 });
    // The terminal is the owner's: listed in the workspace, counted against the owner.
    expect(gw.tether.sessions.getForUser(opened.session, gw.adminId)?.info.workspaceId).toBe(workspaceId);
    const changed = await gw.tether.audit.list({ action: 'member.changed' });
    expect(changed[0]).toMatchObject({ target: `workspace:${workspaceId}`, detail: { member: 'vera', role: 'editor', from: 'viewer' } });
  });

  it('made a viewer again, has the socket closed at once with 4403 and why', async () => {
    expect((await asOwner('members.setRole', { workspaceId, userId: acct.vera.id, role: 'viewer' })).error).toBeUndefined();
    await vera.until(() => vera.closeInfo !== null, 5000, 'close on downgrade');
    expect(vera.closeInfo).toEqual({ code: 4403, reason: MEMBER_END_MESSAGES.viewer });
    expect(owner.closeInfo).toBeNull();
  });

  it('removed, has the socket closed with 4403 and gets NOT_FOUND from then on, as for a missing workspace', async () => {
    vera = await GatewayClient.connect(gw.url, { cookie: veraCookie });
    await vera.open(1, { session: sessionId, cols: 40, rows: 10 });
    // Her open streams (file watch, presence) end too.
    const events = { 'fs.watch': 0, 'shares.presence': 0 };
    const streams = (['fs.watch', 'shares.presence'] as const).map((p) =>
      readSubscription(gw.url, p, {
        cookie: veraCookie,
        input: p === 'fs.watch' ? { workspaceId } : { sessionId },
        onEvent: () => void events[p]++,
        until: () => false,
      }).then(
        () => 'ended',
        (err: Error) => err.message,
      ),
    );
    // Both streams are live: presence sends its list at once, the watch a change the owner makes.
    await waitFor(() => events['shares.presence'] > 0, 'presence stream');
    // The watcher starts a moment after the stream; touch until it reports.
    for (let n = 0; events['fs.watch'] === 0; n++) {
      if (n === 50) throw new Error('the watch stream reported nothing');
      await writeFile(path.join(root, `watched-${n}`), '');
      await waitFor(() => events['fs.watch'] > 0, 'watch stream', 300).catch(() => {});
    }
    expect((await asOwner('members.remove', { workspaceId, userId: acct.vera.id })).error).toBeUndefined();
    await vera.until(() => vera.closeInfo !== null, 5000, 'close on removal');
    expect(vera.closeInfo).toEqual({ code: 4403, reason: MEMBER_END_MESSAGES.removed });
    const timeout = new Promise((r) => setTimeout(() => r('still open'), 5000));
    expect(await Promise.all(streams.map((s) => Promise.race([s, timeout])))).toEqual(['ended', 'ended']);
    const got = await trpcCall(gw.url, 'workspaces.get', { cookie: veraCookie, input: { id: workspaceId } });
    const missing = await trpcCall(gw.url, 'workspaces.get', { cookie: veraCookie, input: { id: MISSING } });
    expect(got.error).toEqual(missing.error);
    expect(got.error?.code).toBe('NOT_FOUND');
    expect((await trpcCall<unknown[]>(gw.url, 'members.sharedWithMe', { cookie: veraCookie })).data).toEqual([]);
    const again = await GatewayClient.connect(gw.url, { cookie: veraCookie });
    await again.open(1, { session: sessionId, cols: 40, rows: 10 }).catch(() => {});
    await again.open(2, { session: MISSING, cols: 40, rows: 10 }).catch(() => {});
    expect(again.channel(1).errors.at(-1)).toEqual(again.channel(2).errors.at(-1));
    await again.close();
    const removed = await gw.tether.audit.list({ action: 'member.removed' });
    expect(removed[0]).toMatchObject({ actorName: 'admin', target: `workspace:${workspaceId}`, detail: { member: 'vera', role: 'viewer' } });
  });
});

describe('someone who is not a member', () => {
  it('gets over tRPC and /ws exactly what a missing workspace or terminal gets', async () => {
    for (const [p, input] of [
      ['workspaces.get', (id: string) => ({ id })],
      ['fs.list', (id: string) => ({ workspaceId: id, dir: '' })],
      ['terminals.list', (id: string) => ({ workspaceId: id })],
    ] as const) {
      const mine = await as('stranger', p, input(workspaceId));
      const missing = await as('stranger', p, input(MISSING));
      expect(mine.error, p).toEqual(missing.error);
      expect(mine.error?.code, p).toBe('NOT_FOUND');
    }
    expect((await as('stranger', 'terminals.snapshot', { sessionId })).error).toEqual((await as('stranger', 'terminals.snapshot', { sessionId: MISSING })).error);
    const s = await GatewayClient.connect(gw.url, { token: acct.stranger.token });
    for (const [ch, req] of [
      [1, { session: sessionId }],
      [2, { session: MISSING }],
      [3, { workspace: workspaceId }],
      [4, { workspace: MISSING }],
    ] as const) await s.open(ch, { ...req, cols: 80, rows: 24 }).catch(() => {});
    expect(s.channel(1).errors.at(-1)).toEqual(s.channel(2).errors.at(-1));
    expect(s.channel(3).errors.at(-1)).toEqual(s.channel(4).errors.at(-1));
    expect(s.channel(1).errors.at(-1)?.code).toBe('not_found');
    await s.close();
  });
});

describe('memberships end with what they join', () => {
  const rows = async () => (await gw.tether.members.list(workspaceId)).length;

  it('deleting the member’s account removes the membership', async () => {
    const gone = await account('leaver');
    expect((await asOwner('members.add', { workspaceId, who: 'leaver', role: 'editor' })).error).toBeUndefined();
    const before = await rows();
    expect((await asOwner('users.remove', { id: gone.id })).error).toBeUndefined();
    expect(await rows()).toBe(before - 1);
    expect((await gw.tether.members.list(workspaceId)).some((m) => m.name === 'leaver')).toBe(false);
  });

  it('deleting the workspace removes its memberships and closes its members’ sockets', async () => {
    const ws = await gw.tether.workspaces.create(gw.adminId, 'short-lived');
    expect((await asOwner('members.add', { workspaceId: ws.id, who: 'eddie', role: 'editor' })).error).toBeUndefined();
    const eddie = await GatewayClient.connect(gw.url, { token: acct.eddie.token });
    await eddie.open(1, { workspace: ws.id, cols: 80, rows: 24 });
    expect((await asOwner('workspaces.remove', { id: ws.id })).error).toBeUndefined();
    await eddie.until(() => eddie.closeInfo !== null, 5000, 'close on workspace removal');
    expect(eddie.closeInfo).toEqual({ code: 4403, reason: MEMBER_END_MESSAGES.deleted });
    expect(await gw.tether.members.list(ws.id)).toEqual([]);
    expect((await as<unknown[]>('eddie', 'members.sharedWithMe')).data).toEqual([]);
  });
});

describe('an owner whose account is disabled', () => {
  it('closes their workspaces to members at once, until enabled again', async () => {
    const ws = (await as<{ id: string }>('eddie', 'workspaces.create', { name: 'eddies-ws' }, true)).data!;
    expect((await as('eddie', 'members.add', { workspaceId: ws.id, who: 'stranger', role: 'editor' }, true)).error).toBeUndefined();
    const s = await GatewayClient.connect(gw.url, { token: acct.stranger.token });
    await s.open(1, { workspace: ws.id, cols: 80, rows: 24 });
    expect((await asOwner('users.setDisabled', { id: acct.eddie.id, disabled: true })).error).toBeUndefined();
    await s.until(() => s.closeInfo !== null, 5000, 'close on owner disabled');
    expect(s.closeInfo).toEqual({ code: 4403, reason: MEMBER_END_MESSAGES.owner_disabled });
    expect((await as<unknown[]>('stranger', 'members.sharedWithMe')).data).toEqual([]);
    expect((await as('stranger', 'workspaces.get', { id: ws.id })).error?.code).toBe('NOT_FOUND');
    expect((await asOwner('users.setDisabled', { id: acct.eddie.id, disabled: false })).error).toBeUndefined();
    const back = await as<{ workspace: { id: string }; ownerName: string; role: string }[]>('stranger', 'members.sharedWithMe');
    expect(back.data).toEqual([expect.objectContaining({ workspace: expect.objectContaining({ id: ws.id }), ownerName: 'eddie', role: 'editor' })]);
  });
});
