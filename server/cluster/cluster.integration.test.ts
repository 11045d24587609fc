/**
 * Two real gateway processes (the shipped bundle) on one SQLite file, behind Debian's nginx, as
 * README "Running several gateways" sets them up:
 * - revocations, presence and agent status across gateways (cross-gateway-cases.ts; the same
 *   cases run over Postgres LISTEN/NOTIFY in cluster-postgres.integration.test.ts);
 * - local workspaces pinned to their node, with a clear answer from a gateway on another node;
 * - a terminal on a cloud worker used through nginx keeps every byte, exactly once, when the
 *   gateway carrying the browser dies (the browser's own reconnecting client resumes through
 *   nginx on the other gateway), and through a rolling restart of both gateways.
 */
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayChannel } from '../../lib/client/gateway-channel';
import type { GatewaySocket } from '../../lib/client/gateway-socket';
import { browserSocket } from '../testing/browser-socket';
import type { ClusterGateway, GatewayCluster } from '../testing/gateway-cluster';
import { trpcCall } from '../testing/trpc-call';
import { GatewayClient } from '../testing/ws-client';
import { call as callIn, clusterUnderTest, crossGatewayCases, until, type ClusterUnderTest } from './cross-gateway-cases';

let c: ClusterUnderTest;
let cluster: GatewayCluster;
let A: ClusterGateway;
let B: ClusterGateway;
let token: string;

const call = <T>(base: string, path: string, input: unknown, mutation = true) => callIn<T>(c, base, path, input, mutation);

beforeAll(async () => {
  c = await clusterUnderTest();
  ({ cluster, A, B, token } = c);
}, 120_000);
afterAll(async () => {
  await cluster?.close();
});

crossGatewayCases(() => c);

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

