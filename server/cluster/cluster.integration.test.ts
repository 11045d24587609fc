/**
 * Two real gateway processes (the shipped bundle) on one database, behind Debian's nginx, as
 * README "Running several gateways" sets them up:
 * - what gateway A revokes — a sign-in session, a sign-out, a disabled account, a share link —
 *   closes the sockets gateway B holds for it within a second (the cluster bus);
 * - a terminal on a cloud worker used through nginx keeps every byte, exactly once, when the
 *   gateway carrying the browser dies (the browser's own reconnecting client resumes through
 *   nginx on the other gateway), and through a rolling restart of both gateways.
 */
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../../lib/protocol';
import type { GatewayChannel } from '../../lib/client/gateway-channel';
import type { GatewaySocket } from '../../lib/client/gateway-socket';
import { browserSocket } from '../testing/browser-socket';
import { startGatewayCluster, type ClusterGateway, type GatewayCluster } from '../testing/gateway-cluster';
import { HttpSession } from '../testing/http-session';
import { trpcCall } from '../testing/trpc-call';
import { readSubscription } from '../testing/trpc-subscription';
import { GatewayClient } from '../testing/ws-client';

let cluster: GatewayCluster;
let A: ClusterGateway;
let B: ClusterGateway;
/** An admin API token (valid on every gateway: one database). */
let token: string;

async function call<T>(base: string, path: string, input: unknown, mutation = true): Promise<T> {
  const r = await trpcCall<T>(base, path, { token, input, mutation });
  if (r.error || r.data === undefined) throw new Error(`${path}: ${r.error?.message ?? r.status}`);
  return r.data;
}

beforeAll(async () => {
  cluster = await startGatewayCluster({ count: 2 });
  [A, B] = cluster.gateways as [ClusterGateway, ClusterGateway];
  const admin = new HttpSession(A.url);
  expect(await admin.login('admin', cluster.adminPassword)).not.toContain('error=');
  token = (await admin.mutation<{ token: string }>('tokens.create', { name: 'cluster test' })).token;
}, 120_000);
afterAll(async () => {
  await cluster?.close();
});

/** A member account, signed in through `via` (a cookie every gateway accepts). */
async function signedIn(name: string, via: ClusterGateway): Promise<{ id: string; http: HttpSession }> {
  const password = `pw-${name}-123456`;
  const user = await call<{ id: string }>(A.url, 'users.create', { name, password, role: 'user' });
  const http = new HttpSession(via.url);
  expect(await http.login(name, password)).not.toContain('error=');
  return { id: user.id, http };
}

/** Resolves with the close and how long after `since` it came. */
async function closedWithin(sock: GatewayClient, since: number): Promise<{ code: number; reason: string; ms: number }> {
  await sock.until(() => sock.closeInfo !== null, 5000, 'the socket on the other gateway to close');
  return { ...sock.closeInfo!, ms: performance.now() - since };
}

describe('revocation on one gateway closes sockets on the other', () => {
  it('a sign-in session revoked on A closes its socket on B in < 1 s', async () => {
    const bob = await signedIn('bob', A);
    const onB = await GatewayClient.connect(B.url, { cookie: bob.http.cookieHeader });
    const t0 = performance.now();
    expect(await call<{ revoked: number }>(A.url, 'users.revokeSessions', { id: bob.id })).toEqual({ revoked: 1 });
    const closed = await closedWithin(onB, t0);
    expect(closed).toMatchObject({ code: CloseCode.UNAUTHENTICATED, reason: 'session revoked' });
    expect(closed.ms).toBeLessThan(1000);
  });

  it('signing out on A closes the same session on B in < 1 s, and leaves other sessions open', async () => {
    const carol = await signedIn('carol', A);
    const other = new HttpSession(B.url);
    expect(await other.login('carol', 'pw-carol-123456')).not.toContain('error=');
    const onB = await GatewayClient.connect(B.url, { cookie: carol.http.cookieHeader });
    const otherOnB = await GatewayClient.connect(B.url, { cookie: other.cookieHeader });
    const { csrfToken } = (await (await carol.http.fetch('/api/auth/csrf')).json()) as { csrfToken: string };
    const t0 = performance.now();
    const out = await carol.http.fetch('/api/auth/signout', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrfToken, json: 'true' }).toString(),
    });
    expect(out.status).toBe(200);
    const closed = await closedWithin(onB, t0);
    expect(closed).toMatchObject({ code: CloseCode.UNAUTHENTICATED, reason: 'signed out' });
    expect(closed.ms).toBeLessThan(1000);
    expect(otherOnB.closeInfo).toBeNull();
    await otherOnB.close();
  });

  it('disabling an account on A closes every socket it has on B in < 1 s', async () => {
    const dave = await signedIn('dave', B);
    const socks = await Promise.all([GatewayClient.connect(B.url, { cookie: dave.http.cookieHeader }), GatewayClient.connect(B.url, { cookie: dave.http.cookieHeader })]);
    const t0 = performance.now();
    await call(A.url, 'users.setDisabled', { id: dave.id, disabled: true });
    for (const s of socks) {
      const closed = await closedWithin(s, t0);
      expect(closed.code).toBe(CloseCode.UNAUTHENTICATED);
      expect(closed.ms).toBeLessThan(1000);
    }
  });

  it("revoking a share link on A closes its guest's socket on B in < 1 s", async () => {
    const ws = await call<{ id: string }>(A.url, 'workspaces.create', { name: 'shared-across' });
    const share = await call<{ id: string; path: string }>(A.url, 'shares.create', { workspaceId: ws.id, scope: 'view' });
    const joined = await fetch(A.url + share.path, { redirect: 'manual' });
    const cookie = joined.headers.get('set-cookie')?.split(';')[0] ?? '';
    expect(cookie).not.toBe('');
    const guestOnB = await GatewayClient.connect(B.url, { cookie, path: `/shared/${share.id}/ws` });
    const t0 = performance.now();
    await call(A.url, 'shares.revoke', { id: share.id });
    const closed = await closedWithin(guestOnB, t0);
    expect(closed.code).toBe(CloseCode.FORBIDDEN);
    expect(closed.reason).toMatch(/revoked/);
    expect(closed.ms).toBeLessThan(1000);
  });
});

describe('presence across gateways', () => {
  it('shows the owner on A a guest who watches the same terminal through B, and when they leave', async () => {
    const ws = await call<{ id: string }>(A.url, 'workspaces.create', { name: 'watched' });
    const owner = await GatewayClient.connect(A.url, { token });
    const { session } = await owner.open(1, { workspace: ws.id, cols: 80, rows: 24 });
    const share = await call<{ id: string; path: string }>(A.url, 'shares.create', { workspaceId: ws.id, scope: 'view' });
    const cookie = (await fetch(A.url + share.path, { redirect: 'manual' })).headers.get('set-cookie')?.split(';')[0] ?? '';
    // The guest reaches the terminal through B, which attaches it from the machine's pty host.
    const guest = await GatewayClient.connect(B.url, { cookie, path: `/shared/${share.id}/ws` });
    await guest.open(1, { session, cols: 80, rows: 24 });
    type Seen = { participants: { name: string; role: string; you: boolean }[] };
    const ac = new AbortController();
    const seen: Seen[] = [];
    const done = readSubscription<Seen>(A.url, 'shares.presence', {
      token,
      input: { sessionId: session },
      signal: ac.signal,
      until: (e) => {
        seen.push(e);
        // First both are there; then the guest leaves (B says so) and only the owner is left.
        return seen.some((s) => s.participants.length === 2) && e.participants.length === 1;
      },
    });
    try {
      await until(() => seen.some((s) => s.participants.length === 2), 'the guest on B in A’s presence', 10_000);
      const both = seen.find((s) => s.participants.length === 2)!.participants;
      expect(both.map((p) => [p.role, p.you])).toEqual([
        ['owner', true],
        ['guest', false],
      ]);
      expect(both[1]!.name).toMatch(/^Guest \d+$/);
      await guest.close();
      await done;
    } finally {
      ac.abort();
      await guest.close();
      await owner.close();
    }
  });
});

describe('agent status across gateways', () => {
  it('lists a terminal opened through A on B too, with the same status and the same last lines', async () => {
    const ws = await call<{ id: string }>(A.url, 'workspaces.create', { name: 'agent-status' });
    const started = await call<{ sessionId: string }>(A.url, 'agents.start', { workspaceId: ws.id, command: 'echo status-line-42; sleep 30', name: 'builder' });
    type Row = { sessionId: string; status: string; lines: string[] };
    const rowOn = async (g: ClusterGateway) => (await call<Row[]>(g.url, 'agents.list', undefined, false)).find((r) => r.sessionId === started.sessionId);
    let onA: Row | undefined;
    let onB: Row | undefined;
    const end = Date.now() + 20_000;
    while (Date.now() < end) {
      [onA, onB] = [await rowOn(A), await rowOn(B)];
      if (onA?.lines.join('\n').includes('status-line-42') && onB?.lines.join('\n').includes('status-line-42') && onA.status === onB.status) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(onB).toBeDefined();
    expect(onB!.status).toBe(onA!.status);
    expect(onB!.lines.join('\n')).toContain('status-line-42');
  });
});

describe('local workspaces with gateways on several machines', () => {
  it('are pinned to the node holding their folder; a gateway on another node says where they live', async () => {
    const ws = await call<{ id: string }>(A.url, 'workspaces.create', { name: 'pinned-here' });
    // Served on A's node first: pinned to it (the host name, as TETHER_NODE_NAME is unset).
    expect((await trpcCall(A.url, 'fs.list', { token, input: { workspaceId: ws.id, dir: '' } })).error).toBeUndefined();
    const far = await cluster.addGateway({ TETHER_NODE_NAME: 'far-node' });
    const listed = await trpcCall(far.url, 'fs.list', { token, input: { workspaceId: ws.id, dir: '' } });
    expect(listed.error?.code).toBe('SERVICE_UNAVAILABLE');
    expect(listed.error?.message).toContain(`lives on node ${hostname()}`);
    // Its terminals too: the OPEN is refused with the same words, nothing starts.
    const sock = await GatewayClient.connect(far.url, { token });
    await sock.open(1, { workspace: ws.id, cols: 80, rows: 24 }).catch(() => {});
    await sock.until(() => sock.channel(1).errors.length > 0, 10_000, 'the refusal');
    expect(sock.channel(1).errors[0]!.message).toContain(`lives on node ${hostname()}`);
    await sock.close();
    await far.stop();
    // The workspace is still served where it lives.
    expect((await trpcCall(B.url, 'fs.list', { token, input: { workspaceId: ws.id, dir: '' } })).error).toBeUndefined();
  });
});

/** Which gateway holds the one /ws connection of the test (its metrics count it). */
async function carrier(): Promise<ClusterGateway> {
  for (;;) {
    for (const g of [A, B]) {
      if (!g.running) continue;
      const res = await fetch(`${g.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      const m = /^tether_websocket_connections (\d+)/m.exec(await res.text());
      if (Number(m?.[1] ?? 0) > 0) return g;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Everything a browser's terminal would be given to show (fresh output only, acked as parsed). */
function record(ch: GatewayChannel, opts: { hold?: () => boolean } = {}) {
  const chunks: Buffer[] = [];
  const held: (() => void)[] = [];
  let exited = false;
  ch.on('output', (data, processed) => {
    chunks.push(Buffer.from(data));
    if (opts.hold?.()) held.push(processed);
    else processed();
  });
  ch.on('exit', () => (exited = true));
  return {
    get bytes() {
      return chunks.reduce((n, c) => n + c.byteLength, 0);
    },
    get exited() {
      return exited;
    },
    release: () => held.splice(0).forEach((p) => p()),
    text: () => Buffer.concat(chunks).toString('latin1'),
  };
}

async function until(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Lines of `prefix<n>` for n = 1..count, each exactly once and in order. */
function expectSequence(text: string, prefix: string, count: number): void {
  const lines = text.replace(/\r/g, '').split('\n').filter((l) => l.startsWith(prefix));
  expect(lines.length).toBe(count);
  const bad = lines.findIndex((l, i) => l !== `${prefix}${i + 1}`);
  expect(bad).toBe(-1);
}

describe('terminals on a cloud worker through nginx', () => {
  let workspace: string;
  let browser: GatewaySocket;

  beforeAll(async () => {
    workspace = (await call<{ id: string }>(cluster.url, 'workspaces.create', { name: 'cloudy', cloud: { size: 'small' } })).id;
  }, 120_000);
  afterAll(() => browser?.dispose());

  it('resumes every byte exactly once on the other gateway when the one carrying the browser is killed', async () => {
    browser = browserSocket(cluster.url, { token });
    const N = 300_000;
    // The browser stops acknowledging: the worker pauses its program at the high-water mark, so
    // the kill lands mid-output, with bytes held on the worker that only the resume can deliver.
    let holding = true;
    const ch = browser.openTerminal({ workspace, cols: 80, rows: 24, command: `seq -f 'n%.0f' 1 ${N}` });
    const seen = record(ch, { hold: () => holding });
    await until(() => seen.bytes > 200_000, 'first output');
    const victim = await carrier();
    const survivor = victim === A ? B : A;
    const t0 = performance.now();
    let reopenedAt = 0;
    ch.on('opened', () => (reopenedAt ||= performance.now()));
    await victim.kill();
    holding = false;
    seen.release();
    await until(() => seen.exited, 'the terminal to finish through the survivor');
    expect(reopenedAt).toBeGreaterThan(t0);
    expect(await carrier()).toBe(survivor);
    expectSequence(seen.text(), 'n', N);
    console.log(`failover: browser re-attached ${Math.round(reopenedAt - t0)} ms after the kill`);
    await victim.start();
  }, 120_000);

  it('a rolling restart of both gateways, one at a time, loses no byte of a running terminal', async () => {
    const N = 150;
    const ch = browser.openTerminal({ workspace, cols: 80, rows: 24, command: `for i in $(seq 1 ${N}); do echo "tick$i"; sleep 0.1; done` });
    const seen = record(ch);
    await until(() => seen.text().includes('tick5'), 'first ticks');
    for (const g of [A, B]) {
      await g.stop(); // a deploy: SIGTERM, sockets closed with 1001, terminals let go on the worker
      await g.start();
      await until(() => browser.status === 'open', `the browser back after ${g.name} restarted`, 30_000);
    }
    await until(() => seen.exited, 'the ticking to end', 120_000);
    expectSequence(seen.text(), 'tick', N);
  }, 180_000);
});

