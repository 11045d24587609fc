/**
 * What must hold across two gateways on one database whatever carries the cluster bus (SQLite's
 * events table or Postgres LISTEN/NOTIFY): revocations on A close B's sockets within a second,
 * presence and agent status are the same on both. Run by cluster.integration.test.ts (SQLite) and
 * cluster-postgres.integration.test.ts (Postgres).
 */
import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../lib/protocol';
import { startGatewayCluster, type ClusterGateway, type GatewayCluster } from '../testing/gateway-cluster';
import { HttpSession } from '../testing/http-session';
import { trpcCall } from '../testing/trpc-call';
import { readSubscription } from '../testing/trpc-subscription';
import { GatewayClient } from '../testing/ws-client';
import { until as pollUntil } from '../testing/until';

export interface ClusterUnderTest {
  cluster: GatewayCluster;
  A: ClusterGateway;
  B: ClusterGateway;
  /** An admin API token (valid on every gateway: one database). */
  token: string;
}

/** Two gateways behind nginx, signed in as the admin through A. */
export async function clusterUnderTest(opts: { databaseUrl?: string } = {}): Promise<ClusterUnderTest> {
  const cluster = await startGatewayCluster({ count: 2, ...opts });
  const [A, B] = cluster.gateways as [ClusterGateway, ClusterGateway];
  const admin = new HttpSession(A.url);
  expect(await admin.login('admin', cluster.adminPassword)).not.toContain('error=');
  const token = (await admin.mutation<{ token: string }>('tokens.create', { name: 'cluster test' })).token;
  return { cluster, A, B, token };
}

export async function call<T>(c: ClusterUnderTest, base: string, path: string, input: unknown, mutation = true): Promise<T> {
  const r = await trpcCall<T>(base, path, { token: c.token, input, mutation });
  if (r.error || r.data === undefined) throw new Error(`${path}: ${r.error?.message ?? r.status}`);
  return r.data;
}

export const until = (check: () => boolean | Promise<boolean>, what: string, ms = 60_000) => pollUntil(check, what, ms);

export function crossGatewayCases(get: () => ClusterUnderTest): void {
  const callOn = <T>(base: string, path: string, input: unknown, mutation = true) => call<T>(get(), base, path, input, mutation);
  /** A member account, signed in through `via` (a cookie every gateway accepts). */
  async function signedIn(name: string, via: ClusterGateway): Promise<{ id: string; http: HttpSession }> {
    const password = `pw-${name}-123456`;
    const user = await callOn<{ id: string }>(get().A.url, 'users.create', { name, password, role: 'user' });
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
      const { A, B } = get();
      const bob = await signedIn('bob', A);
      const onB = await GatewayClient.connect(B.url, { cookie: bob.http.cookieHeader });
      const t0 = performance.now();
      expect(await callOn<{ revoked: number }>(A.url, 'users.revokeSessions', { id: bob.id })).toEqual({ revoked: 1 });
      const closed = await closedWithin(onB, t0);
      expect(closed).toMatchObject({ code: CloseCode.UNAUTHENTICATED, reason: 'session revoked' });
      expect(closed.ms).toBeLessThan(1000);
    });

    it('signing out on A closes the same session on B in < 1 s, and leaves other sessions open', async () => {
      const { A, B } = get();
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
      const { A, B } = get();
      const dave = await signedIn('dave', B);
      const socks = await Promise.all([GatewayClient.connect(B.url, { cookie: dave.http.cookieHeader }), GatewayClient.connect(B.url, { cookie: dave.http.cookieHeader })]);
      const t0 = performance.now();
      await callOn(A.url, 'users.setDisabled', { id: dave.id, disabled: true });
      for (const s of socks) {
        const closed = await closedWithin(s, t0);
        expect(closed.code).toBe(CloseCode.UNAUTHENTICATED);
        expect(closed.ms).toBeLessThan(1000);
      }
    });

    it('removing a member on A closes the socket they use on B for that workspace in < 1 s', async () => {
      const { A, B } = get();
      const erin = await signedIn('erin', B);
      const ws = await callOn<{ id: string }>(A.url, 'workspaces.create', { name: 'team-space' });
      await callOn(A.url, 'members.add', { workspaceId: ws.id, who: 'erin', role: 'editor' });
      const onB = await GatewayClient.connect(B.url, { cookie: erin.http.cookieHeader });
      await onB.open(1, { workspace: ws.id, cols: 80, rows: 24 });
      const t0 = performance.now();
      await callOn(A.url, 'members.remove', { workspaceId: ws.id, userId: erin.id });
      const closed = await closedWithin(onB, t0);
      expect(closed.code).toBe(CloseCode.FORBIDDEN);
      expect(closed.ms).toBeLessThan(1000);
    });

    it("revoking a share link on A closes its guest's socket on B in < 1 s", async () => {
      const { A, B } = get();
      const ws = await callOn<{ id: string }>(A.url, 'workspaces.create', { name: 'shared-across' });
      const share = await callOn<{ id: string; path: string }>(A.url, 'shares.create', { workspaceId: ws.id, scope: 'view' });
      const joined = await fetch(A.url + share.path, { redirect: 'manual' });
      const cookie = joined.headers.get('set-cookie')?.split(';')[0] ?? '';
      expect(cookie).not.toBe('');
      const guestOnB = await GatewayClient.connect(B.url, { cookie, path: `/shared/${share.id}/ws` });
      const t0 = performance.now();
      await callOn(A.url, 'shares.revoke', { id: share.id });
      const closed = await closedWithin(guestOnB, t0);
      expect(closed.code).toBe(CloseCode.FORBIDDEN);
      expect(closed.reason).toMatch(/revoked/);
      expect(closed.ms).toBeLessThan(1000);
    });
  });

  describe('presence across gateways', () => {
    it('shows the owner on A a guest who watches the same terminal through B, and when they leave', async () => {
      const { A, B, token } = get();
      const ws = await callOn<{ id: string }>(A.url, 'workspaces.create', { name: 'watched' });
      const owner = await GatewayClient.connect(A.url, { token });
      const { session } = await owner.open(1, { workspace: ws.id, cols: 80, rows: 24 });
      const share = await callOn<{ id: string; path: string }>(A.url, 'shares.create', { workspaceId: ws.id, scope: 'view' });
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
      const { A, B } = get();
      const ws = await callOn<{ id: string }>(A.url, 'workspaces.create', { name: 'agent-status' });
      const started = await callOn<{ sessionId: string }>(A.url, 'agents.start', { workspaceId: ws.id, command: 'echo status-line-42; sleep 30', name: 'builder' });
      type Row = { sessionId: string; status: string; lines: string[] };
      const rowOn = async (g: ClusterGateway) => (await callOn<Row[]>(g.url, 'agents.list', undefined, false)).find((r) => r.sessionId === started.sessionId);
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

}
