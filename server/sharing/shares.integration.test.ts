/**
 * Share links end to end against the real gateway: joining by `/s/<token>`, the guest cookie,
 * per-frame scope enforcement on `/shared/<id>/ws`, tRPC scope, presence, revocation / expiry /
 * kick closing live sockets (timed), the audit, and answers that do not reveal what exists.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log';
import { trpcCall } from '../testing/trpc-call';
import { readSubscription } from '../testing/trpc-subscription';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';
import { GatewayClient, upgradeStatus } from '../testing/ws-client';

let gw: TestGateway;
let workspaceId: string;
let root: string;
let owner: GatewayClient;
/** The owner's shared terminal (channel 1) and another one (channel 2). */
let sessionId: string;
let otherSessionId: string;
const logLines: string[] = [];

beforeAll(async () => {
  gw = await startTestGateway({ log: createLogger({ level: 'debug', write: (l) => logLines.push(l) }) });
  const ws = await gw.tether.workspaces.create(gw.adminId, 'shared');
  workspaceId = ws.id;
  root = ws.root;
  owner = await GatewayClient.connect(gw.url, { token: gw.token });
  sessionId = (await owner.open(1, { workspace: workspaceId, cols: 100, rows: 30 })).session;
  otherSessionId = (await owner.open(2, { workspace: workspaceId, cols: 80, rows: 24 })).session;
  await owner.until(() => owner.text(1).length > 0, 10_000, 'first prompt');
});
afterAll(async () => {
  await owner?.close().catch(() => {});
  await gw?.dispose();
});

type Created = { id: string; path: string; scope: string; expiresAt: number | null };

async function createShare(input: Record<string, unknown>): Promise<Created> {
  const r = await trpcCall<Created>(gw.url, 'shares.create', { token: gw.token, mutation: true, input: { workspaceId, ...input } });
  expect(r.error).toBeUndefined();
  return r.data!;
}

/** Open the link like a browser that does not follow redirects; returns the guest cookie. */
async function join(linkPath: string): Promise<{ status: number; location: string | null; setCookie: string | null; cookie: string; body: string }> {
  const res = await fetch(gw.url + linkPath, { redirect: 'manual' });
  const setCookie = res.headers.get('set-cookie');
  return { status: res.status, location: res.headers.get('location'), setCookie, cookie: setCookie?.split(';')[0] ?? '', body: await res.text() };
}

const guestWs = (shareId: string, cookie: string) => GatewayClient.connect(gw.url, { cookie, path: `/shared/${shareId}/ws` });
const guestCall = <T>(shareId: string, cookie: string, p: string, input?: unknown, mutation = false) =>
  trpcCall<T>(gw.url, p, { cookie, prefix: `/shared/${shareId}`, input, mutation });

async function ownerRuns(channel: number, command: string, marker: string): Promise<void> {
  owner.input(channel, `${command}\r`);
  await owner.until(() => owner.text(channel).includes(marker), 10_000, marker);
}

describe('a view link to one terminal', () => {
  let share: Created;
  let cookie: string;
  let guest: GatewayClient;

  it('is created with a 256-bit token that is stored only as a hash', async () => {
    share = await createShare({ sessionId, scope: 'view', label: 'pairing' });
    expect(share.path).toMatch(/^\/s\/tsh_[A-Za-z0-9_-]{43}$/);
    const token = share.path.slice(3);
    const db = Buffer.concat(
      await Promise.all(['tether.db', 'tether.db-wal'].map((f) => readFile(path.join(gw.dataDir, f)).catch(() => Buffer.alloc(0)))),
    );
    expect(db.includes(Buffer.from(token))).toBe(false);
    expect(db.includes(Buffer.from(token.slice(4)))).toBe(false);
  });

  it('is exchanged for an HttpOnly, SameSite=Strict cookie scoped to the share, and a URL without the token', async () => {
    const r = await join(share.path);
    expect(r.status).toBe(303);
    expect(r.location).toBe(`/shared/${share.id}`);
    expect(r.setCookie).toMatch(/^tether_share=[^;]+; Max-Age=\d+; Path=\/shared\/[A-Za-z0-9_-]{22}; HttpOnly; SameSite=Strict$/);
    expect(r.setCookie).toContain(`Path=/shared/${share.id};`);
    expect(r.setCookie).not.toContain(share.path.slice(3));
    cookie = r.cookie;
  });

  it('lets the guest watch the owner live, under the name Guest N', async () => {
    guest = await guestWs(share.id, cookie);
    expect(guest.helloAck.user.name).toBe('Guest 1');
    const opened = await guest.open(1, { session: sessionId, cols: 40, rows: 10 });
    // A guest never resizes the owner's terminal: the owner's size is reported.
    expect([opened.cols, opened.rows]).toEqual([100, 30]);
    await ownerRuns(1, 'echo OWNER_$((6*7))', 'OWNER_42');
    await guest.until(() => guest.text(1).includes('OWNER_42'), 5000, 'owner output at the guest');
  });

  it('refuses the guest’s INPUT, RESIZE and KILL per frame, and the PTY never sees them', async () => {
    const marker = path.join(root, 'view-guest-was-here');
    guest.input(1, `touch ${marker}\r`);
    guest.resize(1, 50, 20);
    guest.kill(1);
    await guest.until(() => guest.channel(1).errors.length >= 3, 5000, 'three errors');
    expect(guest.channel(1).errors.map((e) => e.code)).toEqual(['forbidden', 'forbidden', 'forbidden']);
    // Out of band: the owner's shell is alive, its size unchanged, and nothing was typed into it.
    await ownerRuns(1, 'echo SIZE_$(stty size | tr " " x)', 'SIZE_30x100');
    expect(existsSync(marker)).toBe(false);
    expect(owner.text(1)).not.toContain('view-guest-was-here');
  });

  it('answers a session outside the share exactly like one that does not exist', async () => {
    const err = async (channel: number, session: string) => {
      await guest.open(channel, { session, cols: 80, rows: 24 }).catch(() => {});
      return guest.channel(channel).errors.at(-1);
    };
    const other = await err(2, otherSessionId);
    const missing = await err(3, 'AAAAAAAAAAAAAAAAAAAAAA');
    expect(other).toEqual(missing);
    expect(other?.code).toBe('not_found');
    await guest.open(4, { workspace: workspaceId, cols: 80, rows: 24 }).catch(() => {});
    expect(guest.channel(4).errors.at(-1)?.code).toBe('forbidden');
  });

  it('gives the guest only what the share covers over tRPC', async () => {
    const me = await guestCall<{ kind: string; scope: string; guest: { name: string }; sessionId: string }>(share.id, cookie, 'shares.whoami');
    expect(me.data).toMatchObject({ kind: 'terminal', scope: 'view', guest: { name: 'Guest 1' }, sessionId, label: 'pairing', owner: 'admin' });
    expect((await guestCall(share.id, cookie, 'workspaces.list')).error?.code).toBe('FORBIDDEN');
    expect((await guestCall(share.id, cookie, 'tokens.list')).error?.code).toBe('FORBIDDEN');
    expect((await guestCall(share.id, cookie, 'fs.list', { workspaceId, dir: '' })).error?.code).toBe('NOT_FOUND');
    expect((await guestCall(share.id, cookie, 'fs.write', { workspaceId, path: 'x', content: 'x', expectedVersion: null }, true)).error?.code).toBe('FORBIDDEN');
    const list = await guestCall<{ id: string }[]>(share.id, cookie, 'terminals.list', { workspaceId });
    expect(list.data?.map((s) => s.id)).toEqual([sessionId]);
    // Without the cookie, or with one of another share, the share path knows nobody.
    expect((await guestCall('AAAAAAAAAAAAAAAAAAAAAA', cookie, 'shares.whoami')).error).toEqual((await guestCall(share.id, '', 'shares.whoami')).error);
  });

  it('shows the owner who is attached and who is typing', async () => {
    const seen: { participants: { name: string; role: string; typing: boolean; you: boolean; guestId?: string }[] }[] = [];
    const ac = new AbortController();
    const done = readSubscription<(typeof seen)[number]>(gw.url, 'shares.presence', {
      token: gw.token,
      input: { sessionId },
      signal: ac.signal,
      onEvent: () => {},
      until: (e) => {
        seen.push(e);
        return e.participants.some((p) => p.role === 'owner' && p.typing);
      },
    });
    await new Promise((r) => setTimeout(r, 100));
    owner.input(1, ' ');
    await done;
    ac.abort();
    const first = seen[0]!.participants;
    expect(first.map((p) => [p.name, p.role, p.you])).toEqual([
      ['admin', 'owner', true],
      ['Guest 1', 'guest', false],
    ]);
    expect(first[1]!.guestId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // Guests see names only.
    const asGuest = await readSubscription<(typeof seen)[number]>(gw.url, 'shares.presence', {
      cookie,
      prefix: `/shared/${share.id}`,
      input: { sessionId },
      until: () => true,
    });
    expect(asGuest[0]!.participants.find((p) => p.you)?.name).toBe('Guest 1');
    expect(asGuest[0]!.participants.every((p) => p.guestId === undefined)).toBe(true);
  });

  it('closes the guest’s socket with 4403 within a second of revocation, and refuses the link afterwards', async () => {
    const t0 = performance.now();
    const r = await trpcCall(gw.url, 'shares.revoke', { token: gw.token, mutation: true, input: { id: share.id } });
    expect(r.error).toBeUndefined();
    await guest.until(() => guest.closeInfo !== null, 1000, 'close after revoke');
    const latency = performance.now() - t0;
    expect(guest.closeInfo).toEqual({ code: 4403, reason: 'This link was revoked by its owner.' });
    expect(latency).toBeLessThan(1000);
    console.log(`revocation → guest socket closed: ${latency.toFixed(1)} ms (including the revoke HTTP round trip)`);
    const again = await join(share.path);
    expect(again.status).toBe(410);
    expect(again.body).toContain('This link was revoked');
    expect(again.setCookie).toBeNull();
    expect(await upgradeStatus(gw.url, { cookie, path: `/shared/${share.id}/ws` })).toBe(403);
    expect((await guestCall(share.id, cookie, 'shares.whoami')).error).toEqual({ code: 'FORBIDDEN', message: 'This link was revoked by its owner.' });
    // The owner's terminal is untouched.
    await ownerRuns(1, 'echo STILL_$((2+3))', 'STILL_5');
  });
});

describe('a drive link to the whole workspace', () => {
  let share: Created;
  let cookie: string;

  it('lets the guest type, open terminals and edit files — but the owner’s size wins', async () => {
    share = await createShare({ scope: 'drive', expiresIn: '1h' });
    cookie = (await join(share.path)).cookie;
    const guest = await guestWs(share.id, cookie);
    expect(guest.helloAck.user.name).toBe('Guest 2');
    await guest.open(1, { session: otherSessionId, cols: 80, rows: 24 });
    const marker = path.join(root, 'drive-guest-was-here');
    guest.input(1, `touch ${marker}\r`);
    await expect.poll(() => existsSync(marker), { timeout: 5000 }).toBe(true);
    // The owner is attached: the guest's resize is not applied, the guest is told the real size.
    guest.resize(1, 60, 15);
    await guest.until(() => guest.channel(1).events.some((e) => e.type === 'status' && e.cols === 80), 5000, 'size in force');
    await ownerRuns(2, 'echo SIZE_$(stty size | tr " " x)', 'SIZE_24x80');
    const own = await guest.open(2, { workspace: workspaceId, cols: 80, rows: 24 });
    expect(own.session).toMatch(/^[A-Za-z0-9_-]+$/);
    const w = await guestCall(share.id, cookie, 'fs.write', { workspaceId, path: 'from-guest.txt', content: 'hello', expectedVersion: null }, true);
    expect(w.error).toBeUndefined();
    expect(await readFile(path.join(root, 'from-guest.txt'), 'utf8')).toBe('hello');
    // Still nothing beyond the workspace.
    expect((await guestCall(share.id, cookie, 'workspaces.list')).error?.code).toBe('FORBIDDEN');
    expect((await guestCall(share.id, cookie, 'shares.create', { workspaceId, scope: 'drive' }, true)).error?.code).toBe('FORBIDDEN');
    guest.kill(2);
    await guest.close();
  });

  it('lets the owner kick one guest: their socket closes and their cookie stops working', async () => {
    const second = (await join(share.path)).cookie;
    const a = await guestWs(share.id, cookie);
    const b = await guestWs(share.id, second);
    expect(b.helloAck.user.name).toBe('Guest 3');
    const kicked = b.helloAck.user.id;
    const r = await trpcCall(gw.url, 'shares.kick', { token: gw.token, mutation: true, input: { shareId: share.id, guestId: kicked } });
    expect(r.error).toBeUndefined();
    await b.until(() => b.closeInfo !== null, 1000, 'kicked close');
    expect(b.closeInfo?.code).toBe(4403);
    expect(a.closeInfo).toBeNull();
    expect(await upgradeStatus(gw.url, { cookie: second, path: `/shared/${share.id}/ws` })).toBe(403);
    await a.close();
  });

  it('is revoked, with its guests closed, when the workspace is removed', async () => {
    const extra = await gw.tether.workspaces.create(gw.adminId, 'doomed');
    const s = await createShare({ workspaceId: extra.id, scope: 'view' });
    const c = (await join(s.path)).cookie;
    const g = await guestWs(s.id, c);
    const r = await trpcCall(gw.url, 'workspaces.remove', { token: gw.token, mutation: true, input: { id: extra.id } });
    expect(r.error).toBeUndefined();
    await g.until(() => g.closeInfo !== null, 1000, 'close on removal');
    expect(g.closeInfo?.code).toBe(4403);
    expect((await join(s.path)).status).toBe(410);
  });
});

describe('a view link to a workspace', () => {
  it('reads files but changes nothing', async () => {
    const share = await createShare({ scope: 'view' });
    const cookie = (await join(share.path)).cookie;
    const read = await guestCall<{ content: string }>(share.id, cookie, 'fs.read', { workspaceId, path: 'from-guest.txt' });
    expect(read.data?.content).toBe('hello');
    for (const [p, input] of [
      ['fs.write', { workspaceId, path: 'from-guest.txt', content: 'x', expectedVersion: null }],
      ['fs.delete', { workspaceId, path: 'from-guest.txt' }],
      ['fs.mkdir', { workspaceId, path: 'd' }],
    ] as const) {
      expect((await guestCall(share.id, cookie, p, input, true)).error).toEqual({ code: 'FORBIDDEN', message: 'This share link is view-only' });
    }
    expect(await readFile(path.join(root, 'from-guest.txt'), 'utf8')).toBe('hello');
  });
});

describe('expiry', () => {
  it('closes live guests when the link expires and refuses it afterwards with a clear page', async () => {
    const { share, token } = await gw.tether.shares.create(gw.adminId, { workspaceId, sessionId, scope: 'view', label: 'short', expiresInMs: 800 }, null);
    const cookie = (await join(`/s/${token}`)).cookie;
    const guest = await guestWs(share.id, cookie);
    await guest.open(1, { session: sessionId, cols: 80, rows: 24 });
    await guest.until(() => guest.closeInfo !== null, 3000, 'close on expiry');
    const late = Date.now() - share.expiresAt!;
    expect(guest.closeInfo).toEqual({ code: 4403, reason: 'This link has expired.' });
    expect(late).toBeLessThan(1000);
    const again = await join(`/s/${token}`);
    expect(again.status).toBe(410);
    expect(again.body).toContain('This link has expired.');
    expect(await upgradeStatus(gw.url, { cookie, path: `/shared/${share.id}/ws` })).toBe(403);
  });
});

describe('guessing', () => {
  it('gets the same answer for a well-formed unknown token as for garbage', async () => {
    const unknown = await join(`/s/tsh_${'A'.repeat(43)}`);
    const garbage = await join('/s/nope');
    expect(unknown.status).toBe(404);
    expect([garbage.status, garbage.body]).toEqual([unknown.status, unknown.body]);
    expect(unknown.setCookie).toBeNull();
  });
  it('gets the same answer for a forged cookie as for none, on a real share and a made-up one', async () => {
    const share = await createShare({ scope: 'view' });
    const forged = `tether_share=${'A'.repeat(22)}.${'B'.repeat(43)}`;
    const statuses = await Promise.all([
      upgradeStatus(gw.url, { cookie: forged, path: `/shared/${share.id}/ws` }),
      upgradeStatus(gw.url, { path: `/shared/${share.id}/ws` }),
      upgradeStatus(gw.url, { cookie: forged, path: `/shared/${'C'.repeat(22)}/ws` }),
    ]);
    expect(statuses).toEqual([403, 403, 403]);
    const answers = await Promise.all([
      guestCall(share.id, forged, 'shares.whoami'),
      guestCall(share.id, '', 'shares.whoami'),
      guestCall('C'.repeat(22), forged, 'shares.whoami'),
    ]);
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
  });
  it('refuses a cross-origin guest upgrade', async () => {
    const share = await createShare({ scope: 'view' });
    const { cookie } = await join(share.path);
    expect(await upgradeStatus(gw.url, { cookie, path: `/shared/${share.id}/ws`, origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(gw.url, { cookie, path: `/shared/${share.id}/ws` })).toBe(101);
  });
});

describe('audit and logs', () => {
  it('records created, joined (with IP), kicked, revoked and expired for the owner', async () => {
    const r = await trpcCall<{ kind: string; ip: string | null; guest: string | null; label: string }[]>(gw.url, 'shares.audit', { token: gw.token });
    const kinds = new Set(r.data!.map((e) => e.kind));
    expect([...kinds].sort()).toEqual(['created', 'expired', 'joined', 'kicked', 'revoked']);
    const joined = r.data!.find((e) => e.kind === 'joined' && e.label === 'pairing');
    expect(joined).toMatchObject({ guest: 'Guest 1', ip: expect.stringMatching(/127\.0\.0\.1/) });
    const list = await trpcCall<{ label: string; state: string }[]>(gw.url, 'shares.list', { token: gw.token });
    expect(list.data!.find((s) => s.label === 'pairing')?.state).toBe('revoked');
    expect(list.data!.find((s) => s.label === 'short')?.state).toBe('expired');
  });
  it('never writes a share token or guest cookie to the log', async () => {
    const all = logLines.join('\n');
    expect(all).toContain('share joined');
    expect(all).not.toMatch(/tsh_[A-Za-z0-9_-]{20}/);
    expect(all).not.toMatch(/tether_share=/);
  });
});
