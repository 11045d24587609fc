/**
 * Cloud workspaces through the real gateway with TETHER_CLOUD_PROVIDER=docker: a worker container
 * from the warm pool serves files and terminals through the same APIs as local; terminals keep
 * running in the container across a gateway restart, and the restarted gateway re-adopts the
 * container from its labels and re-attaches them exactly. The gateway reaches each agent over the
 * Unix socket in the worker's bind-mounted folder (never a container's address).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../cloud/testing/cloud-fixture';
import type { CloudConfig } from '../../config';
import { startTestGateway, type TestGateway } from '../../testing/test-gateway';
import { trpcCall } from '../../testing/trpc-call';
import { GatewayClient } from '../../testing/ws-client';

const DOCKER: Partial<CloudConfig> = {
  provider: 'docker',
  docker: { host: process.env.DOCKER_HOST, agent: undefined, publishIp: '127.0.0.1', network: 'bridge', namespace: undefined, sizes: { small: { cpus: 1, memoryBytes: 512 * 1024 * 1024 } } },
};

let gw: TestGateway;
const call = <T = unknown>(p: string, input: unknown, mutation = false, token = gw.token) => trpcCall<T>(gw.url, p, { token, input, mutation });

interface Ws {
  id: string;
  kind: string;
  workerId: string;
}

beforeAll(async () => {
  gw = await startTestGateway({ cloud: { ...DOCKER, warmPoolSize: 1, maxWorkersPerUser: 2 } });
}, 120_000);
afterAll(async () => {
  await gw?.dispose();
});

describe('cloud workspaces in docker containers', () => {
  it('come from the warm pool as containers and serve files and terminals', async () => {
    await until(async () => (await gw.tether.orchestrator.poolStatus()).warm === 1, 'a warm worker container', 60_000);
    const created = await call<Ws>('workspaces.create', { name: 'boxed', cloud: {} }, true);
    expect(created.error).toBeUndefined();
    const ws = created.data!;
    expect(ws.kind).toBe('cloud');

    expect((await call('fs.write', { workspaceId: ws.id, path: 'hello.txt', content: 'from the browser\n', expectedVersion: null }, true)).error).toBeUndefined();
    const c = await GatewayClient.connect(gw.url, { token: gw.token });
    await c.open(1, { workspace: ws.id, cols: 80, rows: 24, command: 'cat hello.txt; id -un; echo "boxed-$((6*7))" > made.txt; cat made.txt' });
    await c.until(() => c.channel(1).exit !== undefined, 20_000, 'exit');
    expect(c.text(1)).toContain('from the browser');
    expect(c.text(1)).toMatch(/\btether\r?\n/);
    expect(c.text(1)).toContain('boxed-42');
    await c.close();
    expect((await call<{ content: string }>('fs.read', { workspaceId: ws.id, path: 'made.txt' })).data?.content).toBe('boxed-42\n');
    expect((await call('fs.read', { workspaceId: ws.id, path: '../../../etc/passwd' })).error?.code).toBe('BAD_REQUEST');

    const pool = await call<{ provider: string; sandbox: string }>('cloud.pool', undefined);
    expect(pool.data).toMatchObject({ provider: 'docker', sandbox: expect.stringMatching(/^docker container/) });
    expect(JSON.stringify(pool.data)).not.toMatch(/secret|ws\+unix|ws:\/\//);
    await until(async () => (await gw.tether.orchestrator.poolStatus()).warm === 1, 'the pool to refill', 60_000);
  });

  it('re-attaches terminals that kept running in a container across a gateway restart', async () => {
    const first = await startTestGateway({ cloud: { ...DOCKER, warmPoolSize: 0 } });
    let second: TestGateway | undefined;
    try {
      const ws = (await trpcCall<Ws>(first.url, 'workspaces.create', { token: first.token, mutation: true, input: { name: 'lasting', cloud: {} } })).data!;
      const a = await GatewayClient.connect(first.url, { token: first.token });
      const { session } = await a.open(1, { workspace: ws.id, cols: 80, rows: 24 });
      a.input(1, 'export MARK=kept; seq 1 200000; echo "before-$((40+2))"\r');
      await a.until(() => a.text(1).includes('before-42'), 30_000, 'output before the restart');
      await a.until(() => /[$#] $/.test(a.text(1)), 10_000, 'the prompt');
      const received = a.channel(1).received;
      await a.close();
      await first.dispose({ restartable: true });

      second = await startTestGateway({ cloud: { ...DOCKER, warmPoolSize: 0 }, reuse: first });
      const b = await GatewayClient.connect(second.url, { token: second.token });
      expect(await b.open(1, { session, cols: 80, rows: 24, resumeFrom: received })).toMatchObject({ offset: received, snapshot: false });
      expect(await second.tether.readopted).toBe(1);
      b.input(1, 'echo "still-$MARK"\r'); // the same shell in the same container
      await b.until(() => b.text(1).includes('still-kept'), 15_000, 'the same shell answering');
      expect(b.text(1)).not.toContain('before-42');
      expect([b.channel(1).gaps, b.channel(1).duplicateBytes]).toEqual([0, 0]);
      await b.close();
    } finally {
      await (second ?? first).dispose();
    }
  });
});
