/**
 * SSH hosts and SSH workspaces through the real gateway (tRPC + /ws) against a real sshd:
 * adding hosts (typed or by config alias), trust on first use, sealed keys at rest, workspaces on
 * a host, exact-once terminals over SSH, and a dropped connection reported to the viewer.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSshd, type TestSshd } from '../../testing/sshd';
import { startTestGateway, type TestGateway } from '../../testing/test-gateway';
import { trpcCall } from '../../testing/trpc-call';
import { readSubscription } from '../../testing/trpc-subscription';
import { GatewayClient } from '../../testing/ws-client';
import type { HostTestResult } from './hosts';

let gw: TestGateway;
let sshd: TestSshd;
let userToken: string;
const call = <T = unknown>(p: string, input: unknown, mutation = false, token = gw.token) => trpcCall<T>(gw.url, p, { token, input, mutation });

interface HostView {
  id: string;
  name: string;
  address: string;
  jumps: string[];
  auth: string;
}

async function addTrustedHost(name: string): Promise<HostView> {
  const added = await call<HostView>('hosts.add', { spec: `${sshd.user}@127.0.0.1:${sshd.port}`, name, auth: 'key', privateKey: sshd.clientKey.toString() }, true);
  expect(added.error).toBeUndefined();
  const first = await call<HostTestResult>('hosts.test', { id: added.data!.id }, true);
  if (!first.data!.ok && first.data!.kind === 'host_key_unknown') {
    await call('hosts.trustKey', { id: added.data!.id, endpoint: first.data!.endpoint, fingerprint: first.data!.fingerprint }, true);
  }
  return added.data!;
}

beforeAll(async () => {
  sshd = await startSshd();
  gw = await startTestGateway({ ssh: { maxChannels: 10 } });
  const user = await gw.tether.users.create('bob', 'bob-password-123', 'user');
  userToken = (await gw.tether.tokens.create(user.id, 'bob')).token;
});
afterAll(async () => {
  await gw?.dispose();
  await sshd?.close();
});

describe('SSH hosts', () => {
  it('shows an unknown host key for acceptance, then connects once it is trusted', async () => {
    const added = await call<HostView>('hosts.add', { spec: `${sshd.user}@127.0.0.1:${sshd.port}`, name: 'tofu', auth: 'key', privateKey: sshd.clientKey.toString() }, true);
    expect(added.data).toMatchObject({ name: 'tofu', address: `${sshd.user}@127.0.0.1:${sshd.port}`, auth: 'key' });
    const first = await call<HostTestResult>('hosts.test', { id: added.data!.id }, true);
    expect(first.data).toMatchObject({ ok: false, kind: 'host_key_unknown', fingerprint: sshd.hostKeyFingerprint() });
    // A fingerprint other than the one presented is not accepted.
    const wrong = await call('hosts.trustKey', { id: added.data!.id, endpoint: `${sshd.user}@127.0.0.1:${sshd.port}`, fingerprint: 'SHA256:' + 'A'.repeat(43) }, true);
    expect(wrong.error?.code).toBe('CONFLICT');
    const ok = await call('hosts.trustKey', { id: added.data!.id, endpoint: `${sshd.user}@127.0.0.1:${sshd.port}`, fingerprint: sshd.hostKeyFingerprint() }, true);
    expect(ok.error).toBeUndefined();
    const second = await call<HostTestResult>('hosts.test', { id: added.data!.id }, true);
    expect(second.data).toMatchObject({ ok: true });
    if (second.data!.ok) expect(second.data!.rttMs).toBeGreaterThan(0);
    // Trust is per user: another Tether user is asked again.
    const bobHost = await call<HostView>('hosts.add', { spec: `${sshd.user}@127.0.0.1:${sshd.port}`, auth: 'key', privateKey: sshd.clientKey.toString() }, true, userToken);
    const bobTest = await call<HostTestResult>('hosts.test', { id: bobHost.data!.id }, true, userToken);
    expect(bobTest.data).toMatchObject({ ok: false, kind: 'host_key_unknown' });
  });

  it('stores private keys sealed, never in plain text', async () => {
    await addTrustedHost('sealed');
    const db = await readFile(path.join(gw.dataDir, 'tether.db'));
    const wal = await readFile(path.join(gw.dataDir, 'tether.db-wal')).catch(() => Buffer.alloc(0));
    const body = sshd.clientKey.toString().split('\n')[1]!;
    expect(db.includes(body)).toBe(false);
    expect(wal.includes(body)).toBe(false);
  });

  it('refuses bad input clearly', async () => {
    const enc = await call('hosts.add', { spec: `${sshd.user}@127.0.0.1:${sshd.port}`, name: 'enc', auth: 'key', privateKey: sshd.encryptedKey.toString() }, true);
    expect(enc.error).toMatchObject({ code: 'BAD_REQUEST' });
    expect(enc.error!.message).toMatch(/encrypted/);
    const badPass = await call('hosts.add', { spec: `${sshd.user}@127.0.0.1:${sshd.port}`, name: 'enc', auth: 'key', privateKey: sshd.encryptedKey.toString(), passphrase: 'nope' }, true);
    expect(badPass.error?.message).toMatch(/passphrase/);
    expect((await call('hosts.add', { spec: 'x; rm -rf /', auth: 'key', privateKey: 'k' }, true)).error?.code).toBe('BAD_REQUEST');
    expect((await call('hosts.add', { spec: 'h.example', auth: 'key', privateKey: 'not a key' }, true)).error?.code).toBe('BAD_REQUEST');
    // This server's own keys and agent are the operator's: not for other users.
    expect((await call('hosts.add', { spec: 'h.example', auth: 'local' }, true, userToken)).error?.code).toBe('FORBIDDEN');
  });

  it("resolves an alias of this server's ssh config and authenticates with its identity file", async () => {
    const sshDir = path.join(gw.dataDir, 'home', '.ssh');
    await mkdir(sshDir, { recursive: true });
    await writeFile(path.join(sshDir, 'id_test'), sshd.clientKey, { mode: 0o600 });
    await writeFile(path.join(sshDir, 'config'), `Host box\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${sshd.user}\n  IdentityFile ${path.join(sshDir, 'id_test')}\n`);
    // The operator's known_hosts counts as trusted.
    await writeFile(path.join(sshDir, 'known_hosts'), `[127.0.0.1]:${sshd.port} ${sshd.hostKeyLine()}\n`);
    expect((await call<string[]>('hosts.aliases', undefined)).data).toEqual(['box']);
    const h = await call<HostView>('hosts.add', { spec: 'box', auth: 'local' }, true);
    expect(h.data).toMatchObject({ name: 'box', address: `${sshd.user}@127.0.0.1:${sshd.port}` });
    expect((await call<HostTestResult>('hosts.test', { id: h.data!.id }, true)).data).toMatchObject({ ok: true });
  });

  it('refuses to remove a host that workspaces live on', async () => {
    const h = await addTrustedHost('busy');
    const ws = await call<{ id: string }>('workspaces.create', { name: 'on-busy', hostId: h.id, root: await sshd.makeRemoteDir() }, true);
    expect(ws.error).toBeUndefined();
    expect((await call('hosts.remove', { id: h.id }, true)).error?.code).toBe('CONFLICT');
  });
});

describe('SSH workspaces', () => {
  let host: HostView;
  let ws: { id: string; kind: string; root: string; hostId: string };
  beforeAll(async () => {
    host = await addTrustedHost('work');
    const created = await call<typeof ws>('workspaces.create', { name: 'remote', hostId: host.id, root: `${await sshd.makeRemoteDir()}/new/deeper` }, true);
    expect(created.error).toBeUndefined();
    ws = created.data!;
  });

  it('creates the folder on the host and records its real path', async () => {
    expect(ws).toMatchObject({ kind: 'ssh', hostId: host.id });
    expect(ws.root.endsWith('/new/deeper')).toBe(true);
    const health = await call<{ ok: boolean; kind: string; pool: { state: string } }>('runtimes.workspace', { id: ws.id });
    expect(health.data).toMatchObject({ ok: true, kind: 'ssh', pool: { state: 'ready' } });
  });

  it('serves files over SFTP through the same fs API', async () => {
    const w = await call('fs.write', { workspaceId: ws.id, path: 'hello.txt', content: 'über ssh\n', expectedVersion: null }, true);
    expect(w.error).toBeUndefined();
    const r = await call<{ content: string }>('fs.read', { workspaceId: ws.id, path: 'hello.txt' });
    expect(r.data?.content).toBe('über ssh\n');
    expect(await readFile(path.join(ws.root, 'hello.txt'), 'utf8')).toBe('über ssh\n');
    expect((await call('fs.read', { workspaceId: ws.id, path: '../../etc/passwd' })).error?.code).toBe('BAD_REQUEST');
  });

  it('deploys the runner on "Check runner", records the outcome on the host, and validates the settings', async () => {
    const checked = await call<{ runner: { mode: string; status: { state: string; uploaded?: boolean; connectMs?: number } | null } }>('hosts.checkRunner', { id: host.id }, true);
    expect(checked.error).toBeUndefined();
    expect(checked.data!.runner.mode).toBe('auto');
    expect(checked.data!.runner.status).toMatchObject({ state: 'runner' });
    expect(checked.data!.runner.status!.connectMs).toBeGreaterThan(0);
    const listed = await call<{ id: string; runner: { status: { state: string } | null } }[]>('hosts.list', undefined);
    expect(listed.data!.find((h) => h.id === host.id)!.runner.status?.state).toBe('runner');
    // Limits are bounded numbers; unknown keys and modes are refused.
    expect((await call('hosts.setRunner', { id: host.id, mode: 'sometimes', limits: {} }, true)).error?.code).toBe('BAD_REQUEST');
    expect((await call('hosts.setRunner', { id: host.id, mode: 'auto', limits: { memoryMb: -1 } }, true)).error?.code).toBe('BAD_REQUEST');
    expect((await call('hosts.setRunner', { id: host.id, mode: 'auto', limits: { swap: 1 } }, true)).error?.code).toBe('BAD_REQUEST');
    const set = await call<{ runner: { limits: unknown } }>('hosts.setRunner', { id: host.id, mode: 'auto', limits: { memoryMb: 512, openFiles: 256 } }, true);
    expect(set.data!.runner.limits).toEqual({ memoryMb: 512, openFiles: 256 });
    await call('hosts.setRunner', { id: host.id, mode: 'auto', limits: {} }, true);
  });

  it('runs terminals over direct SSH (runner: never) with exact resume, and reports a dropped connection', async () => {
    // With the runner (the default, auto) a dropped connection does not end terminals: that is
    // runner.integration.test.ts. Here the host is switched to direct SSH.
    const set = await call<{ runner: { mode: string } }>('hosts.setRunner', { id: host.id, mode: 'never', limits: {} }, true);
    expect(set.data?.runner.mode).toBe('never');
    const a = await GatewayClient.connect(gw.url, { token: gw.token, autoAck: false });
    await a.open(1, { workspace: ws.id, cols: 80, rows: 24, command: 'seq 1 100000' });
    await a.until(() => a.channel(1).bytes >= 200 * 1024, 20_000, 'first output');
    const session = a.channel(1).opened!.session;
    const got = Buffer.concat(a.channel(1).chunks);
    a.drop();
    const b = await GatewayClient.connect(gw.url, { token: gw.token });
    await b.open(1, { session, cols: 80, rows: 24, resumeFrom: got.length });
    await b.until(() => b.channel(1).exit !== undefined, 30_000, 'exit');
    const all = Buffer.concat([got, ...b.channel(1).chunks]).toString().replace(/\r/g, '');
    expect(all.trim().split('\n')).toEqual(Array.from({ length: 100000 }, (_, i) => String(i + 1)));
    expect(b.channel(1).exit).toEqual({ code: 0, signal: null });

    await b.open(2, { workspace: ws.id, cols: 80, rows: 24 });
    b.input(2, 'echo "up-$((20+1))"\r');
    await b.until(() => b.text(2).includes('up-21'), 15_000, 'shell echo');
    await sshd.stop();
    await b.until(() => b.channel(2).exit !== undefined, 15_000, 'exit after drop');
    expect(b.channel(2).events).toContainEqual(expect.objectContaining({ type: 'status', status: 'lost', message: expect.stringMatching(/lost/) }));
    expect(b.channel(2).exit).toEqual({ code: null, signal: null });
    // The pool re-dials a lost connection that carried a channel at once; the failure shows once that attempt is refused.
    await vi.waitFor(
      async () => {
        const pool = await call<{ state: string; failures: number; lastError: { kind: string } }[]>('runtimes.health', undefined);
        expect(pool.data!.find((p) => p.failures > 0)).toBeTruthy();
      },
      { timeout: 10_000, interval: 100 },
    );
    await sshd.start();
    await b.close();
  });

  it('takes a local workspace onto the host (migration), verified, and serves it from there', async () => {
    const local = await gw.tether.workspaces.create(gw.adminId, 'to-ssh');
    const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
    execFileSync('git', ['init', '-q', '-b', 'trunk'], { cwd: local.root });
    await writeFile(path.join(local.root, 'x.txt'), 'one\n');
    execFileSync('git', ['add', '.'], { cwd: local.root, env });
    execFileSync('git', ['commit', '-qm', 'c1'], { cwd: local.root, env });
    await writeFile(path.join(local.root, 'x.txt'), 'two (uncommitted)\n');
    const folder = await sshd.makeRemoteDir('moved');
    // The test before restarted sshd: connect now rather than wait out the pool's backoff.
    expect((await call<HostTestResult>('hosts.test', { id: host.id }, true)).data).toMatchObject({ ok: true });
    const started = await call<{ id: string }>('migration.start', { workspaceId: local.id, target: { kind: 'ssh', hostId: host.id, path: folder } }, true);
    expect(started.error).toBeUndefined();
    const events = await readSubscription<{ step: string; result?: { verified: { branch: string } } }>(gw.url, 'migration.progress', {
      token: gw.token,
      input: { id: started.data!.id },
      until: (e) => ['done', 'failed', 'cancelled'].includes(e.step),
    });
    expect(events.at(-1), JSON.stringify(events.at(-1))).toMatchObject({ step: 'done', result: { verified: { branch: 'trunk' } } });
    expect((await call<{ kind: string; hostId: string }>('workspaces.get', { id: local.id })).data).toMatchObject({ kind: 'ssh', hostId: host.id });
    expect(await readFile(path.join(folder, 'x.txt'), 'utf8')).toBe('two (uncommitted)\n');
    expect((await call<{ content: string }>('fs.read', { workspaceId: local.id, path: 'x.txt' })).data?.content).toBe('two (uncommitted)\n');
  });
});
