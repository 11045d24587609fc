/**
 * DockerProvider on the real Docker engine with the real worker agent in its containers: the
 * engine as the provider's record (labels; re-adoption by a new provider), destroy, the worker's
 * confinement (non-root, CPU/memory/pids limits seen by the kernel and enforced, its own network
 * namespace, nothing published), its home on a volume that survives a restart, the published-port
 * mode, and terminals and files through the agent in the container.
 *
 * Every connection stays on this machine: the engine's socket, the agents' Unix sockets in
 * bind-mounted folders, or (port mode) 127.0.0.1 — never a container's bridge address.
 */
import { readlinkSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../log';
import { CloudRuntime } from '../runtimes/cloud/cloud-runtime';
import type { PtyProcess } from '../runtimes/runtime';
import { LABEL } from './docker/container-spec';
import { removeOlderImages } from './docker/worker-image';
import { healthz, until } from './testing/cloud-fixture';
import { createDockerFixture, type DockerFixture } from './testing/docker-fixture';

const MiB = 1024 * 1024;
const dec = new TextDecoder();

let fx: DockerFixture;

beforeAll(async () => {
  fx = await createDockerFixture();
});
afterAll(async () => {
  await fx?.dispose();
});

function collect(p: PtyProcess): { text(): string; exit: Promise<{ code: number | null }> } {
  let text = '';
  p.onData((d) => (text += dec.decode(d)));
  return { text: () => text, exit: new Promise((resolve) => p.onExit(resolve)) };
}

/** The kernel's view of the container's limits, from inside it (cgroup v1 or v2). */
const CGROUP_LIMITS = `
  if [ -e /sys/fs/cgroup/cpu.max ]; then
    echo "cpu $(cat /sys/fs/cgroup/cpu.max)"; echo "mem $(cat /sys/fs/cgroup/memory.max)"; echo "pids $(cat /sys/fs/cgroup/pids.max)"
  else
    echo "cpu $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"
    echo "mem $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"; echo "pids $(cat /sys/fs/cgroup/pids/pids.max)"
  fi`;

describe('DockerProvider', () => {
  it('starts a container whose agent answers on a Unix socket, finds it again from the engine (a new provider), and destroy removes it all', async () => {
    const provider = fx.provider();
    const w = await provider.create({ id: 'life', size: 'small' });
    expect(w.state).toBe('running');
    const socketPath = path.join(fx.dataDir, 'dw', 'life', 'agent.sock');
    expect(w.endpoint.url).toBe(`ws+unix://${socketPath}:/`);
    expect((await stat(socketPath)).isSocket()).toBe(true);
    expect(Buffer.from(w.endpoint.secret, 'base64url')).toHaveLength(32);
    expect(await healthz(w.endpoint.url)).toBe('ok');

    const c = await fx.inspect('life');
    expect(c.Config.Labels).toMatchObject({ [LABEL.provider]: 'docker', [LABEL.namespace]: fx.namespace, [LABEL.worker]: 'life', [LABEL.size]: 'small' });

    const restarted = fx.provider();
    expect(await restarted.list()).toEqual([{ id: 'life', state: 'running', endpoint: w.endpoint }]);
    expect(await restarted.endpoint('life')).toEqual(w.endpoint);
    // Another namespace on the same engine sees none of it.
    const other = fx.provider({ namespace: `${fx.namespace}-other` });
    expect(await other.list()).toEqual([]);
    expect(await other.endpoint('life')).toBeNull();

    await restarted.destroy('life');
    expect(await healthz(w.endpoint.url)).toBeNull();
    expect(await fx.engine.jsonOrNull({ path: `/containers/${provider.containerName('life')}/json` })).toBeNull();
    expect(await fx.engine.jsonOrNull({ path: `/volumes/tether-${fx.namespace}-life-home` })).toBeNull();
    await expect(stat(path.dirname(socketPath))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await provider.list()).toEqual([]);
    await provider.destroy('life');
  });

  it('runs the worker confined: non-root, no capabilities, read-only root, its size as CPU/memory/pids limits the kernel applies, its own network namespace, no published port', async () => {
    const provider = fx.provider({ sizes: { medium: { cpus: 1.5, memoryBytes: 768 * MiB, pids: 300 } } });
    await provider.create({ id: 'confined', size: 'medium' });
    const c = await fx.inspect('confined');
    expect(c.Config.User).toBe('1000:1000');
    expect(c.HostConfig).toMatchObject({ NanoCpus: 1.5e9, Memory: 768 * MiB, MemorySwap: 768 * MiB, PidsLimit: 300, CapDrop: ['ALL'], ReadonlyRootfs: true, NetworkMode: 'bridge' });
    expect(c.HostConfig.SecurityOpt).toContain('no-new-privileges');
    expect(c.HostConfig.PortBindings ?? {}).toEqual({});
    expect(Object.values(c.NetworkSettings.Ports ?? {}).flat()).toEqual([]);

    const who = await fx.exec('confined', ['sh', '-c', 'id -u; id -un; grep CapEff /proc/self/status; touch /usr/x 2>/dev/null || echo read-only; readlink /proc/self/ns/net']);
    const [uid, user, caps, readOnly, netns] = who.stdout.trim().split('\n');
    expect(uid).toBe('1000');
    expect(user).toBe('tether');
    expect(caps).toMatch(/CapEff:\s+0+$/);
    expect(readOnly).toBe('read-only');
    expect(netns).toMatch(/^net:\[\d+\]$/);
    expect(netns).not.toBe(readlinkSync('/proc/self/ns/net'));

    const limits = await fx.exec('confined', ['sh', '-c', CGROUP_LIMITS]);
    const cpu = /^cpu (\d+) (\d+)$/m.exec(limits.stdout);
    expect(cpu && Number(cpu[1]) / Number(cpu[2])).toBe(1.5);
    expect(limits.stdout).toMatch(new RegExp(`^mem ${768 * MiB}$`, 'm'));
    expect(limits.stdout).toMatch(/^pids 300$/m);
    await provider.destroy('confined');
  });

  it('enforces the limits: a busy loop is throttled to the CPU share, a process allocating past the memory limit is killed (one within it is not), and the agent lives on', async () => {
    const provider = fx.provider({ sizes: { small: { cpus: 0.25, memoryBytes: 256 * MiB, pids: 256 } } });
    const w = await provider.create({ id: 'oom', size: 'small' });
    const hog = (mb: number) => `const a = []; for (let i = 0; i < ${mb / 8}; i++) a.push(Buffer.alloc(8 << 20, 1)); console.log('allocated ${mb} MiB')`;
    const within = await fx.exec('oom', ['node', '-e', hog(64)]);
    expect(within).toMatchObject({ exitCode: 0, stdout: 'allocated 64 MiB\n' });
    const beyond = await fx.exec('oom', ['node', '-e', hog(1024)]);
    expect(beyond.exitCode).toBe(137); // SIGKILL from the kernel's OOM killer
    expect(beyond.stdout).toBe('');
    expect(await healthz(w.endpoint.url)).toBe('ok');

    // The kernel throttles the container once it has used its 0.25 CPU of a period.
    const throttled = `f=/sys/fs/cgroup/cpu.stat; [ -e $f ] || f=/sys/fs/cgroup/cpu/cpu.stat; timeout 1 sh -c 'while :; do :; done'; grep '^nr_throttled' $f`;
    const cpu = await fx.exec('oom', ['sh', '-c', throttled]);
    expect(Number(/^nr_throttled (\d+)$/m.exec(cpu.stdout)?.[1])).toBeGreaterThan(0);
    await provider.destroy('oom');
  });

  it('keeps the home and workspace on a named volume: after a container restart the files are there and the agent answers again', async () => {
    const provider = fx.provider();
    const w = await provider.create({ id: 'vol', size: 'small' });
    const c = await fx.inspect('vol');
    expect(c.Mounts).toContainEqual(expect.objectContaining({ Type: 'volume', Name: `tether-${fx.namespace}-vol-home`, Destination: '/home/tether' }));
    expect((await fx.exec('vol', ['sh', '-c', 'echo kept > /home/tether/workspace/notes.txt && echo hist > /home/tether/.history'])).exitCode).toBe(0);

    await fx.restart('vol');
    await until(async () => (await healthz(w.endpoint.url)) === 'ok', 'the agent to answer after the restart', 30_000);
    expect(await provider.endpoint('vol')).toEqual(w.endpoint);
    expect((await fx.exec('vol', ['cat', '/home/tether/workspace/notes.txt', '/home/tether/.history'])).stdout).toBe('kept\nhist\n');
    // A fresh worker starts from an empty volume, not this one's.
    await provider.create({ id: 'vol2', size: 'small' });
    expect((await fx.exec('vol2', ['ls', '-A', '/home/tether/workspace'])).stdout).toBe('');
    await Promise.all([provider.destroy('vol'), provider.destroy('vol2')]);
  });

  it('in port mode publishes only the agent port, on 127.0.0.1, at a port the engine picks', async () => {
    const provider = fx.provider({ listen: 'port' });
    const w = await provider.create({ id: 'port', size: 'small' });
    expect(w.endpoint.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/);
    expect(await healthz(w.endpoint.url)).toBe('ok');
    const c = await fx.inspect('port');
    expect(c.HostConfig.PortBindings).toEqual({ '7681/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    expect(c.NetworkSettings.Ports).toEqual({ '7681/tcp': [{ HostIp: '127.0.0.1', HostPort: new URL(w.endpoint.url).port }] });
    expect(c.Mounts.filter((m) => m.Type === 'bind')).toEqual([]);
    // A new provider finds the worker whatever its own mode.
    expect(await fx.provider({ listen: 'socket' }).endpoint('port')).toEqual(w.endpoint);
    await provider.destroy('port');
    expect(await healthz(w.endpoint.url)).toBeNull();
  });

  it('serves a terminal and files through the real agent in the container', async () => {
    const provider = fx.provider();
    const w = await provider.create({ id: 'rt', size: 'small' });
    const rt = new CloudRuntime({ endpoint: () => provider.endpoint('rt'), id: 'cloud:rt', log: silentLogger });
    try {
      await rt.fs.writeFile('hello.txt', new TextEncoder().encode('from the gateway\n'));
      const p = await rt.openPty({ cols: 100, rows: 30 });
      const out = collect(p);
      p.write(new TextEncoder().encode('cat hello.txt; id -un; pwd; git --version; printenv TETHER_WORKER_SECRET || echo no-secret-here; echo from-the-terminal > made.txt; exit 3\r'));
      expect((await out.exit).code).toBe(3);
      expect(out.text()).toContain('from the gateway');
      expect(out.text()).toMatch(/\btether\r?\n/);
      expect(out.text()).toContain('/home/tether/workspace');
      expect(out.text()).toMatch(/git version \d/);
      // The agent removed its secret from the environment terminals inherit.
      expect(out.text()).toMatch(/^no-secret-here\r?$/m);
      expect(out.text()).not.toContain(w.endpoint.secret);
      expect(dec.decode(await rt.fs.readFile('made.txt', 1024))).toBe('from-the-terminal\n');
      expect((await rt.fs.readdir('')).map((e) => e.name).sort()).toEqual(['hello.txt', 'made.txt']);
      // On the volume, as the worker's user.
      expect((await fx.exec('rt', ['stat', '-c', '%U %s', '/home/tether/workspace/hello.txt'])).stdout).toBe('tether 17\n');
    } finally {
      await rt.dispose();
    }
    expect(await healthz(w.endpoint.url)).toBe('ok');
    await provider.destroy('rt');
  });

  it('tags the image with the hash of its root filesystem (the layer digest the engine computed), and makes it once', async () => {
    const provider = fx.provider();
    const image = await provider.image();
    expect(image.tag).toMatch(/^tether-worker:[0-9a-f]{16}$/);
    const inspected = await fx.engine.json<{ RootFS: { Layers: string[] } }>({ path: `/images/${image.tag}/json` });
    expect(inspected.RootFS.Layers).toHaveLength(1);
    expect(inspected.RootFS.Layers[0]).toMatch(new RegExp(`^sha256:${image.tag.split(':')[1]}`));
    expect(await fx.provider().image()).toBe(image);

    // An earlier image no container uses is removed once a new one is made; the current one stays.
    await fx.engine.text({ method: 'POST', path: `/images/${image.tag}/tag`, query: { repo: 'tether-worker', tag: 'earlier-agent' } });
    await removeOlderImages(fx.engine, image.tag);
    expect(await fx.engine.jsonOrNull({ path: '/images/tether-worker:earlier-agent/json' })).toBeNull();
    expect(await fx.engine.jsonOrNull({ path: `/images/${image.tag}/json` })).not.toBeNull();
  });

  it('fails a start with a clear error and leaves nothing behind', async () => {
    const provider = fx.provider({ network: 'no-such-network-for-tether' });
    await expect(provider.create({ id: 'bad', size: 'small' })).rejects.toThrow(/no-such-network-for-tether/);
    expect(await provider.list()).toEqual([]);
    expect(await fx.engine.jsonOrNull({ path: `/volumes/tether-${fx.namespace}-bad-home` })).toBeNull();
    await expect(provider.create({ id: '../x', size: 'small' })).rejects.toThrow(/invalid worker id/);

    // An id in use is refused, and the worker that has it is untouched.
    const good = fx.provider();
    const w = await good.create({ id: 'taken', size: 'small' });
    await expect(good.create({ id: 'taken', size: 'small' })).rejects.toThrow(/already exists/);
    const twice = await Promise.allSettled([good.create({ id: 'twice', size: 'small' }), good.create({ id: 'twice', size: 'small' })]);
    expect(twice.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await good.list()).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'twice', state: 'running' })]));
    await good.destroy('twice');
    await expect(fx.provider({ listen: 'port' }).create({ id: 'taken', size: 'small' })).rejects.toThrow(/already exists/);
    expect(await healthz(w.endpoint.url)).toBe('ok');
    await good.destroy('taken');
  });

  it('runs without any network (TETHER_DOCKER_NETWORK=none): only loopback inside, the agent still reached over its socket', async () => {
    const provider = fx.provider({ network: 'none' });
    const w = await provider.create({ id: 'offline', size: 'small' });
    expect(await healthz(w.endpoint.url)).toBe('ok');
    expect((await fx.exec('offline', ['ls', '/sys/class/net'])).stdout.trim()).toBe('lo');
    await expect(fx.provider({ network: 'none', listen: 'port' }).create({ id: 'offline2', size: 'small' })).rejects.toThrow(/cannot be published without a network/);
    await provider.destroy('offline');
  });
});
