/**
 * /metrics, /healthz, /readyz, request ids and the access log against the real gateway.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log';
import { trpcCall } from '../testing/trpc-call';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';
import { GatewayClient, upgradeStatus } from '../testing/ws-client';

let gw: TestGateway;
const lines: string[] = [];

beforeAll(async () => {
  gw = await startTestGateway({ log: createLogger({ level: 'info', write: (l) => lines.push(l) }) });
});
afterAll(async () => {
  await gw?.dispose();
});

const metric = (text: string, name: string) => {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
};

describe('/metrics', () => {
  it('is for admins only', async () => {
    expect((await fetch(`${gw.url}/metrics`)).status).toBe(401);
    const user = await gw.tether.users.create('reader', 'reader-password-1', 'user');
    const { token } = await gw.tether.tokens.create(user.id, 'reader');
    expect((await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(403);
  });

  it('counts terminals, their bytes and echo latency, and tRPC calls and errors', async () => {
    const ws = await gw.tether.workspaces.create(gw.adminId, 'metrics');
    const c = await GatewayClient.connect(gw.url, { token: gw.token });
    await c.open(1, { workspace: ws.id, cols: 80, rows: 24 });
    c.input(1, 'echo metric-$((40+2))\r');
    await c.until(() => c.text(1).includes('metric-42'), 10_000, 'echo');
    await trpcCall(gw.url, 'workspaces.get', { token: gw.token, input: { id: 'missing' } });
    const res = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${gw.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(metric(text, 'tether_terminal_sessions_active')).toBe(1);
    expect(metric(text, 'tether_websocket_connections')).toBe(1);
    expect(metric(text, 'tether_terminal_bytes_received_total')).toBeGreaterThanOrEqual('echo metric-$((40+2))\r'.length);
    expect(metric(text, 'tether_terminal_bytes_sent_total')).toBeGreaterThan(0);
    expect(metric(text, 'tether_terminal_latency_seconds_count')).toBeGreaterThan(0);
    expect(text).toMatch(/^tether_trpc_errors_total\{path="workspaces\.get",code="NOT_FOUND"\} 1$/m);
    expect(text).toMatch(/^tether_trpc_call_duration_seconds_count\{path="workspaces\.get",type="query"\} 1$/m);
    expect(text).toMatch(/^tether_ssh_pool_connections_active 0$/m);
    expect(text).toMatch(/^tether_cloud_worker_warm_pool_size 0$/m);
    expect(text).toMatch(/^tether_process_resident_memory_bytes \d+/m);
    await c.close();
  });

  it('counts refused upgrades by reason', async () => {
    expect(await upgradeStatus(gw.url, {})).toBe(401);
    const text = await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${gw.token}` } })).text();
    expect(text).toMatch(/^tether_websocket_upgrades_refused_total\{reason="unauthenticated"\} [1-9]/m);
  });
});

describe('probes and request ids', () => {
  it('answers /healthz and /readyz without credentials', async () => {
    expect(await (await fetch(`${gw.url}/healthz`)).text()).toBe('ok');
    const ready = await fetch(`${gw.url}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([200, 'ready\n']);
  });

  it('gives every request an id, logs it with the request, and keeps a sane one from a proxy', async () => {
    const res = await fetch(`${gw.url}/api/trpc/me`, { headers: { authorization: `Bearer ${gw.token}`, 'x-request-id': 'proxy-req-12345' } });
    expect(res.headers.get('x-request-id')).toBe('proxy-req-12345');
    const fresh = await fetch(`${gw.url}/api/trpc/me`, { headers: { authorization: `Bearer ${gw.token}`, 'x-request-id': 'bad id with spaces' } });
    const id = fresh.headers.get('x-request-id')!;
    expect(id).toMatch(/^[A-Za-z0-9_-]{12}$/);
    await expect
      .poll(() => lines.map((l) => JSON.parse(l)).find((r) => r.msg === 'request' && r.req === id))
      .toMatchObject({ method: 'GET', path: '/api/trpc/me', status: 200 });
  });

  it('never logs tokens, cookies or passwords', async () => {
    await fetch(`${gw.url}/api/auth/callback/credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'next-auth.session-token=SESSIONSECRET' },
      body: `username=admin&password=${encodeURIComponent('wrong-PASSWORD-secret')}`,
      redirect: 'manual',
    });
    await fetch(`${gw.url}/s/tsh_${'Z'.repeat(43)}`, { redirect: 'manual' });
    await fetch(`${gw.url}/api/trpc/me`, { headers: { authorization: `Bearer ${gw.token}` } });
    const all = lines.join('\n');
    expect(all).toContain('"msg":"request"');
    for (const secret of [gw.token.slice(4), 'Z'.repeat(43), 'SESSIONSECRET', 'wrong-PASSWORD-secret', gw.password]) expect(all).not.toContain(secret);
  });
});
