/**
 * The SSH pool against a real OpenSSH sshd on loopback: single-flight connects, channel caps,
 * servers with fewer sessions than our cap, dropped connections (dialled again at once, backoff
 * after failed attempts) and recovery, host key verdicts, authentication failures, jump hosts and
 * idle close.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../log';
import { startSshd, type TestSshd } from '../../testing/sshd';
import { testPoolTarget } from '../../testing/ssh-pool-target';
import { startTcpProxy } from '../../testing/tcp-proxy';
import type { PtyProcess } from '../runtime';
import { SshError } from './errors';
import { SshPool, type PoolOptions } from './pool';
import { DirectSshRuntime } from './ssh-runtime';
import { until } from '../../testing/until';

const dec = new TextDecoder();
const enc = new TextEncoder();
let sshd: TestSshd;
const pools: SshPool[] = [];

function pool(opts: Partial<PoolOptions> = {}): SshPool {
  const p = new SshPool({ log: silentLogger, ...opts });
  pools.push(p);
  return p;
}

/**
 * A pool with the shipped backoff (random 0: the shortest there is, 0.5 s) and a target that
 * reaches the test sshd through a TCP proxy the test can cut. Close the proxy when done.
 */
async function cuttablePool(userId: string) {
  const proxy = await startTcpProxy({ host: sshd.host, port: sshd.port });
  const direct = testPoolTarget(sshd, { userId });
  return { proxy, p: pool({ random: () => 0 }), target: { ...direct, target: { ...direct.target, port: proxy.port } } };
}


async function echoes(p: PtyProcess, word: string): Promise<void> {
  let text = '';
  p.onData((d) => (text += dec.decode(d)));
  p.write(enc.encode(`${word}\r`));
  await until(() => text.includes(word), `echo of ${word}`);
}

beforeAll(async () => {
  sshd = await startSshd({ maxSessions: 128 });
});
afterEach(() => {
  for (const p of pools.splice(0)) p.dispose();
});
afterAll(() => sshd?.close());

describe('SshPool', () => {
  it('makes one handshake for 100 concurrent terminal opens', async () => {
    const p = pool({ maxChannels: 128 });
    const rt = new DirectSshRuntime({ pool: p, target: testPoolTarget(sshd), root: await sshd.makeRemoteDir() });
    const logins = sshd.acceptedLogins();
    const terms = await Promise.all(Array.from({ length: 100 }, () => rt.openPty({ cols: 80, rows: 24, command: 'cat' })));
    expect(p.health()[0]).toMatchObject({ handshakes: 1, connections: 1, state: 'ready' });
    // 100 terminals + the SFTP session that resolved the working directory.
    expect(p.health()[0]!.channels).toBe(101);
    expect(sshd.acceptedLogins() - logins).toBe(1);
    await Promise.all(terms.map((t, i) => echoes(t, `word${i}`)));
    for (const t of terms) t.kill();
    await rt.dispose();
  });

  it('opens another connection when one is full, and again when the server allows fewer sessions than the cap', async () => {
    const small = await startSshd({ maxSessions: 3 });
    try {
      const p = pool({ maxChannels: 4 });
      const target = testPoolTarget(small);
      const open = () => p.openChannel(target, (c) => new Promise<import('ssh2').ClientChannel>((res, rej) => c.exec('sleep 30', (e, ch) => (e ? rej(e) : res(ch)))));
      const channels = await Promise.all(Array.from({ length: 10 }, open));
      const h = p.health()[0]!;
      expect(h.channels).toBe(10);
      // cap 4 would need 3 connections; the server's MaxSessions 3 makes it 4, with no failed open.
      expect(h.connections).toBe(4);
      expect(h.failures).toBe(0);
      for (const c of channels) c.close();
    } finally {
      await small.close();
    }
  });

  it('reports a dropped connection on the terminal, backs off, and recovers when sshd returns', async () => {
    const p = pool({ backoffBaseMs: 300, backoffMaxMs: 2000 });
    const target = testPoolTarget(sshd);
    const rt = new DirectSshRuntime({ pool: p, target, root: await sshd.makeRemoteDir() });
    const term = await rt.openPty({ cols: 80, rows: 24 });
    await echoes(term, 'before-drop');
    const ended = new Promise<{ code: number | null; lost?: string }>((resolve) => term.onExit((e, lost) => resolve({ code: e.code, lost })));
    await sshd.stop();
    const end = await ended;
    expect(end.code).toBeNull();
    expect(end.lost).toMatch(/connection to .* was lost/);
    await until(() => (p.health()[0]?.failures ?? 0) >= 2, 'a failed reconnect');
    const h = p.health()[0]!;
    expect(['backoff', 'connecting']).toContain(h.state);
    expect(h.lastError?.kind).toMatch(/refused|lost/);
    // While backing off, opens fail at once with the reason rather than hang.
    if (p.health()[0]!.state === 'backoff') {
      const t0 = Date.now();
      await expect(rt.openPty({ cols: 80, rows: 24 })).rejects.toBeInstanceOf(SshError);
      expect(Date.now() - t0).toBeLessThan(500);
    }
    await sshd.start();
    await until(() => p.health()[0]?.state === 'ready', 'background reconnect', 20_000);
    expect(p.health()[0]!.failures).toBe(0);
    const again = await rt.openPty({ cols: 80, rows: 24 });
    await echoes(again, 'after-return');
    again.kill();
    await rt.dispose();
  });

  it('dials again at once when a connection carrying a channel is cut, with the shipped backoff', async () => {
    const { proxy, p, target } = await cuttablePool('cut');
    try {
      const exec = () => p.openChannel(target, (c) => new Promise<import('ssh2').ClientChannel>((res, rej) => c.exec('sleep 30', (e, ch) => (e ? rej(e) : res(ch)))));
      const ch = await exec();
      const closed = new Promise((r) => ch.once('close', r));
      ch.resume(); // a paused channel would not get to its 'close'
      expect(proxy.connections).toBe(1);
      proxy.cut();
      const cutAt = performance.now();
      await until(() => proxy.connections === 2, 'a new connection', 5000);
      const redialMs = performance.now() - cutAt;
      // Well under the 500 ms the shortest backoff would wait, with room for a loaded machine.
      expect(redialMs).toBeLessThan(250);
      await closed;
      await until(() => p.health()[0]?.state === 'ready', 'the new connection ready', 5000);
      const h = p.health()[0]!;
      // A lost link is not a failed attempt: no backoff, no failure counted.
      expect(h).toMatchObject({ handshakes: 2, failures: 0, nextRetryAt: null, lastError: null });
      const again = await exec();
      again.close();
      console.log(`connection cut under a channel: new connection after ${redialMs.toFixed(0)} ms`);
    } finally {
      await proxy.close();
    }
  });

  it('counts a connection dropped before any channel opened on it as a failed attempt (backoff)', async () => {
    const { proxy, p, target } = await cuttablePool('cut-fail');
    try {
      // No channel was ever opened on this connection: its loss is a failed attempt (backoff).
      const lease = await p.acquire(target);
      proxy.cut();
      await until(() => p.health()[0]?.failures === 1, 'the loss recorded as a failure', 5000);
      expect(p.health()[0]).toMatchObject({ state: 'backoff', lastError: { kind: 'lost' } });
      expect(p.health()[0]!.nextRetryAt! - Date.now()).toBeGreaterThan(300);
      lease.release();
      await expect(p.acquire(target)).rejects.toThrow(/next attempt in 1 s/);
      expect(proxy.connections).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('refuses a changed host key, every time, without retrying on its own', async () => {
    const other = await startSshd();
    try {
      const target = testPoolTarget(other); // knows the current key
      await other.rotateHostKey();
      const p = pool({ backoffBaseMs: 50 });
      const logins = other.acceptedLogins();
      for (let i = 0; i < 2; i++) {
        const err = (await p.acquire(target, { force: true }).catch((e: unknown) => e)) as SshError;
        expect(err).toBeInstanceOf(SshError);
        expect(err.kind).toBe('host_key_changed');
        expect(err.message).toContain('CHANGED');
        expect(err.detail.fingerprint).toBe(other.hostKeyFingerprint());
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(p.health()[0]).toMatchObject({ handshakes: 0, connections: 0 });
      expect(other.acceptedLogins()).toBe(logins); // never authenticated to the impostor
    } finally {
      await other.close();
    }
  });

  it('shows an unknown host key with its fingerprint instead of trusting it', async () => {
    const p = pool();
    const target = testPoolTarget(sshd, { trusted: false });
    const err = (await p.acquire(target).catch((e: unknown) => e)) as SshError;
    expect(err.kind).toBe('host_key_unknown');
    expect(err.detail.fingerprint).toBe(sshd.hostKeyFingerprint());
    expect(err.message).toContain(sshd.hostKeyFingerprint());
    expect(target.unknownKeys).toEqual([sshd.hostKeyFingerprint()]);
  });

  it('says whether authentication failed or a key needs its passphrase', async () => {
    const p = pool();
    const stranger = testPoolTarget(sshd, { userId: 'stranger', credentials: async () => ({ keys: [{ key: sshd.strangerKey, source: 'x' }], locked: [] }) });
    await expect(p.acquire(stranger)).rejects.toMatchObject({ kind: 'auth_failed' });
    const locked = testPoolTarget(sshd, { userId: 'locked', credentials: async () => ({ keys: [], locked: [sshd.encryptedKeyPath] }) });
    await expect(p.acquire(locked)).rejects.toMatchObject({ kind: 'passphrase_required', detail: { identityFile: sshd.encryptedKeyPath } });
    const unlocked = testPoolTarget(sshd, { userId: 'unlocked', credentials: async () => ({ keys: [{ key: sshd.encryptedKey, passphrase: sshd.passphrase, source: 'x' }], locked: [] }) });
    (await p.acquire(unlocked)).release();
  });

  it('reaches a host through a jump host (ProxyJump)', async () => {
    const p = pool();
    const jump = { host: sshd.host, port: sshd.port, username: sshd.user, identityFiles: [] };
    const rt = new DirectSshRuntime({ pool: p, target: testPoolTarget(sshd, { userId: 'jumper', jumps: [jump] }), root: await sshd.makeRemoteDir() });
    const logins = sshd.acceptedLogins();
    const r = await rt.exec(['sh', '-c', 'echo "$SSH_CONNECTION"']);
    // Two logins: the jump host, then the target through a forwarded channel.
    expect(sshd.acceptedLogins() - logins).toBe(2);
    expect(dec.decode(r.stdout)).toMatch(/^127\.0\.0\.1 \d+ 127\.0\.0\.1 \d+/);
    await rt.dispose();
  });

  it('closes a connection that has been idle for idleCloseMs', async () => {
    const p = pool({ idleCloseMs: 200 });
    const lease = await p.acquire(testPoolTarget(sshd, { userId: 'idle' }));
    expect(p.health()[0]!.connections).toBe(1);
    lease.release();
    await until(() => p.health()[0]!.connections === 0, 'idle close', 3000);
    expect(p.health()[0]!.state).toBe('idle');
    expect(p.health()[0]!.lastError).toBeNull();
  });
});
