/**
 * The mirror engine between real runtimes: this machine ↔ a real OpenSSH sshd on loopback (SFTP,
 * exec) and this machine ↔ a real worker agent (its WebSocket). Side B's files are edited as its
 * own user would, straight on its disk (both peers live on this machine for the test).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, readFile, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log';
import { CloudRuntime } from '../runtimes/cloud/cloud-runtime';
import { LocalRuntime } from '../runtimes/local/local-runtime';
import type { Runtime } from '../runtimes/runtime';
import { SshPool } from '../runtimes/ssh/pool';
import { DirectSshRuntime } from '../runtimes/ssh/ssh-runtime';
import { testPoolTarget } from '../testing/ssh-pool-target';
import { startSshd, type TestSshd } from '../testing/sshd';
import { startAgent } from '../worker/agent';
import { MirrorEngine } from './engine';
import { until as pollUntil } from '../testing/until';

/** Where side B lives: a fresh folder per test, served by the peer's kind of runtime. */
interface SideB {
  runtime: Runtime;
  /** Its folder on this machine. */
  dir: string;
  dispose(): Promise<void>;
}

interface Peer {
  side(): Promise<SideB>;
  sshd?: TestSshd;
  close(): Promise<void>;
}

const peers: Record<string, () => Promise<Peer>> = {
  async ssh() {
    const sshd = await startSshd();
    const pool = new SshPool({ log: silentLogger });
    return {
      sshd,
      async side() {
        const dir = await sshd.makeRemoteDir();
        const runtime = new DirectSshRuntime({ pool, target: testPoolTarget(sshd), root: dir, watchIntervalMs: 200 });
        return { runtime, dir, dispose: () => runtime.dispose() };
      },
      async close() {
        pool.dispose();
        await sshd.close();
      },
    };
  },
  async cloud() {
    return {
      async side() {
        const dir = await mkdtemp(path.join(os.tmpdir(), 'tether-mirror-worker-'));
        const secret = randomBytes(24).toString('base64url');
        const agent = await startAgent({ root: dir, secret, host: '127.0.0.1', port: 0, log: silentLogger });
        const runtime = new CloudRuntime({ endpoint: async () => ({ url: agent.url, secret }), id: 'cloud:mirror-test', log: silentLogger });
        return {
          runtime,
          dir,
          async dispose() {
            await runtime.dispose();
            await agent.close();
            await rm(dir, { recursive: true, force: true });
          },
        };
      },
      async close() {},
    };
  },
};

const until = (check: () => boolean | Promise<boolean>, what: string, ms = 30_000) => pollUntil(check, what, ms);

const text = (p: string) => readFile(p, 'utf8').catch(() => null);
const exists = (p: string) =>
  lstat(p).then(
    () => true,
    () => false,
  );

for (const [kind, makePeer] of Object.entries(peers)) {
  describe(`mirror: this machine ↔ ${kind}`, () => {
    let peer: Peer;
    let A: string;
    let a: LocalRuntime;
    let b: SideB;
    let B: string;
    let stateDir: string;
    let engine: MirrorEngine | null = null;

    beforeAll(async () => {
      peer = await makePeer();
    });
    afterAll(() => peer?.close());

    beforeEach(async () => {
      A = await mkdtemp(path.join(os.tmpdir(), 'tether-mirror-a-'));
      stateDir = await mkdtemp(path.join(os.tmpdir(), 'tether-mirror-state-'));
      a = new LocalRuntime(A);
      b = await peer.side();
      B = b.dir;
    });

    afterEach(async () => {
      await engine?.dispose();
      engine = null;
      await a.dispose();
      await b.dispose();
      await rm(A, { recursive: true, force: true });
      await rm(stateDir, { recursive: true, force: true });
    });

    const open = async (opts: { paused?: boolean } = {}) => {
      engine = new MirrorEngine({ sides: async () => ({ a, b: b.runtime }), dir: stateDir, patterns: ['node_modules/', 'dist/'], paused: opts.paused, log: silentLogger, healthIntervalMs: 300 });
      await engine.start();
      await engine.idle();
      return engine;
    };

    it('first sync carries files both ways, keeps modes and symlinks, skips ignored paths', async () => {
      await mkdir(path.join(A, 'src/lib'), { recursive: true });
      await writeFile(path.join(A, 'src/lib/a.ts'), 'export const a = 1;\n');
      await writeFile(path.join(A, 'run.sh'), '#!/bin/sh\necho hi\n');
      await chmod(path.join(A, 'run.sh'), 0o755);
      await symlink('src/lib/a.ts', path.join(A, 'link-to-a'));
      await symlink('/etc/passwd', path.join(A, 'outside'));
      await mkdir(path.join(A, 'node_modules/x'), { recursive: true });
      await writeFile(path.join(A, 'node_modules/x/i.js'), 'dep');
      await mkdir(path.join(A, '.git'));
      await writeFile(path.join(A, '.git/HEAD'), 'ref: refs/heads/main\n');
      await writeFile(path.join(A, '.gitignore'), '*.log\n/secret/\n');
      await writeFile(path.join(A, 'debug.log'), 'noise');
      await mkdir(path.join(A, 'secret'));
      await writeFile(path.join(A, 'secret/key'), 'k');
      await writeFile(path.join(B, 'from-b.md'), '# from B\n');
      await writeFile(path.join(B, 'same.txt'), 'same\n');
      await writeFile(path.join(A, 'same.txt'), 'same\n');

      const eng = await open();
      expect(await text(path.join(B, 'src/lib/a.ts'))).toBe('export const a = 1;\n');
      expect((await stat(path.join(B, 'run.sh'))).mode & 0o777).toBe(0o755);
      expect(await readlink(path.join(B, 'link-to-a'))).toBe('src/lib/a.ts');
      expect(await readlink(path.join(B, 'outside'))).toBe('/etc/passwd'); // carried as a link, not followed
      expect(await text(path.join(A, 'from-b.md'))).toBe('# from B\n');
      for (const ignored of ['node_modules', '.git', 'debug.log', 'secret']) expect(await exists(path.join(B, ignored))).toBe(false);
      expect(await text(path.join(B, '.gitignore'))).toBe('*.log\n/secret/\n');
      expect(eng.recentTransfers().filter((t) => t.path === 'same.txt')).toEqual([]); // identical content never moves
      expect(eng.status()).toMatchObject({ state: 'in-sync', conflicts: 0, errors: [] });
    });

    it('carries edits both ways as they happen, and a written file does not bounce back', async () => {
      const eng = await open();
      await writeFile(path.join(A, 'notes.md'), 'from A\n');
      await until(async () => (await text(path.join(B, 'notes.md'))) === 'from A\n', 'A → B');
      await writeFile(path.join(B, 'notes.md'), 'edited on B\n');
      await until(async () => (await text(path.join(A, 'notes.md'))) === 'edited on B\n', 'B → A');
      // Another edit after both watchers have seen the mirror's own writes: by the time it
      // arrives, an echo of notes.md would have been moved again.
      await writeFile(path.join(A, 'marker.txt'), 'm');
      await until(async () => (await text(path.join(B, 'marker.txt'))) === 'm', 'marker');
      await writeFile(path.join(B, 'marker2.txt'), 'm2');
      await until(async () => (await text(path.join(A, 'marker2.txt'))) === 'm2', 'marker2');
      await eng.idle();
      const writes = eng.recentTransfers().filter((t) => t.path === 'notes.md');
      expect(writes.map((t) => `${t.action} ${t.direction}`)).toEqual(['write b-to-a', 'write a-to-b']);
    });

    it('carries deletes and renames (a rename moves no content)', async () => {
      await mkdir(path.join(A, 'docs'));
      await writeFile(path.join(A, 'docs/big.bin'), randomBytes(256 * 1024));
      await writeFile(path.join(A, 'gone.txt'), 'bye');
      const eng = await open();
      expect(await exists(path.join(B, 'docs/big.bin'))).toBe(true);
      await rename(path.join(A, 'docs/big.bin'), path.join(A, 'docs/moved.bin'));
      await rm(path.join(A, 'gone.txt'));
      await until(async () => (await exists(path.join(B, 'docs/moved.bin'))) && !(await exists(path.join(B, 'docs/big.bin'))) && !(await exists(path.join(B, 'gone.txt'))), 'rename and delete on B');
      expect(await readFile(path.join(B, 'docs/moved.bin'))).toEqual(await readFile(path.join(A, 'docs/moved.bin')));
      await eng.idle();
      expect(eng.recentTransfers().find((t) => t.path === 'docs/moved.bin')).toMatchObject({ action: 'rename', detail: 'docs/big.bin' });
      await rm(path.join(B, 'docs'), { recursive: true });
      await until(async () => !(await exists(path.join(A, 'docs'))), 'folder delete B → A');
    });

    it('lists a conflict with both versions, and resolves it without losing either', async () => {
      await writeFile(path.join(A, 'plan.md'), 'v1\n');
      const eng = await open();
      await eng.pause();
      await writeFile(path.join(A, 'plan.md'), 'mine\n');
      await writeFile(path.join(B, 'plan.md'), 'theirs\n');
      eng.resume();
      await eng.idle();
      expect(eng.status()).toMatchObject({ state: 'conflicts', conflicts: 1 });
      const [c] = eng.conflicts();
      expect(c!.path).toBe('plan.md');
      expect(String(await eng.conflictContent(c!.a.hash, 1e6))).toBe('mine\n');
      expect(String(await eng.conflictContent(c!.b.hash, 1e6))).toBe('theirs\n');
      // Neither side was overwritten.
      expect(await text(path.join(A, 'plan.md'))).toBe('mine\n');
      expect(await text(path.join(B, 'plan.md'))).toBe('theirs\n');
      await eng.resolve('plan.md', { content: new TextEncoder().encode('mine\ntheirs\n') });
      expect(await text(path.join(A, 'plan.md'))).toBe('mine\ntheirs\n');
      expect(await text(path.join(B, 'plan.md'))).toBe('mine\ntheirs\n');
      expect(eng.status().conflicts).toBe(0);
      // Keep one side.
      await eng.pause();
      await writeFile(path.join(A, 'plan.md'), 'A again\n');
      await writeFile(path.join(B, 'plan.md'), 'B again\n');
      eng.resume();
      await eng.idle();
      await eng.resolve('plan.md', { keep: 'b' });
      expect(await text(path.join(A, 'plan.md'))).toBe('B again\n');
      await eng.idle();
      expect(eng.status()).toMatchObject({ state: 'in-sync', conflicts: 0 });
    });

    it('an edit of one side against a delete of the other is a conflict, not a loss', async () => {
      await writeFile(path.join(A, 'keep.md'), 'v1\n');
      const eng = await open();
      await eng.pause();
      await writeFile(path.join(A, 'keep.md'), 'edited\n');
      await rm(path.join(B, 'keep.md'));
      eng.resume();
      await eng.idle();
      expect(eng.conflicts().map((c) => [c.path, c.a.type, c.b.type])).toEqual([['keep.md', 'file', null]]);
      expect(await text(path.join(A, 'keep.md'))).toBe('edited\n');
      await eng.resolve('keep.md', { keep: 'a' });
      expect(await text(path.join(B, 'keep.md'))).toBe('edited\n');
    });

    it('picks up where it was after a restart, with edits made while it was down', async () => {
      for (let i = 0; i < 200; i++) await writeFile(path.join(A, `f${i}.txt`), `file ${i}\n`);
      const first = new MirrorEngine({ sides: async () => ({ a, b: b.runtime }), dir: stateDir, patterns: [], log: silentLogger });
      await first.start();
      await until(() => first.recentTransfers().some((t) => t.action === 'write'), 'first writes');
      await first.dispose(); // mid-sync
      await writeFile(path.join(A, 'f1.txt'), 'changed while down\n');
      await writeFile(path.join(B, 'only-b.txt'), 'b\n');
      const eng = await open();
      for (let i = 0; i < 200; i++) expect(await text(path.join(B, `f${i}.txt`))).toBe(i === 1 ? 'changed while down\n' : `file ${i}\n`);
      expect(await text(path.join(A, 'only-b.txt'))).toBe('b\n');
      expect(eng.status()).toMatchObject({ state: 'in-sync', conflicts: 0, errors: [] });
      // The periodic rescan (every 6 health checks: 1.8 s here) and the echoes of its own writes
      // find nothing to move, so the status stays "in sync" through them instead of flickering.
      const seen = new Set<string>();
      for (let t = 0; t < 125; t++) {
        seen.add(eng.status().state);
        await new Promise((r) => setTimeout(r, 20));
      }
      expect([...seen]).toEqual(['in-sync']);
    });

    it('a file that cannot be written stops alone, with the reason', async () => {
      await mkdir(path.join(B, 'locked'));
      await mkdir(path.join(A, 'locked'));
      execFileSync('chattr', ['+i', path.join(B, 'locked')]);
      try {
        await writeFile(path.join(A, 'locked/x.txt'), 'x');
        await writeFile(path.join(A, 'fine.txt'), 'fine');
        const eng = await open();
        expect(await text(path.join(B, 'fine.txt'))).toBe('fine');
        const st = eng.status();
        expect(st.state).toBe('in-sync');
        expect(st.errors).toEqual([expect.objectContaining({ path: 'locked/x.txt', side: 'b', reason: expect.stringMatching(/not permitted|permission/i) })]);
        await writeFile(path.join(A, 'later.txt'), 'later');
        await until(async () => (await text(path.join(B, 'later.txt'))) === 'later', 'later edits still move');
      } finally {
        execFileSync('chattr', ['-i', path.join(B, 'locked')]);
      }
    });

    if (kind === 'ssh') {
      it('reconciles edits made on both sides while the connection was cut', async () => {
        await writeFile(path.join(A, 'a.txt'), 'a1');
        await writeFile(path.join(A, 'b.txt'), 'b1');
        const eng = await open();
        await peer.sshd!.stop();
        await writeFile(path.join(A, 'a.txt'), 'a2 offline');
        await writeFile(path.join(B, 'b.txt'), 'b2 offline');
        await until(() => eng.status().state === 'error', 'the cut noticed');
        expect(eng.status().detail).toBeTruthy();
        await peer.sshd!.start();
        await until(async () => (await text(path.join(B, 'a.txt'))) === 'a2 offline' && (await text(path.join(A, 'b.txt'))) === 'b2 offline', 'reconciled after reconnect');
        await until(() => eng.status().state === 'in-sync', 'in sync again');
        await writeFile(path.join(B, 'after.txt'), 'watching again');
        await until(async () => (await text(path.join(A, 'after.txt'))) === 'watching again', 'watch resumed');
      });
    }
  });
}

describe('mirror: a watch that died silently', () => {
  it('still carries an edit, by the periodic full pass', async () => {
    const A = await mkdtemp(path.join(os.tmpdir(), 'tether-mirror-deaf-a-'));
    const B = await mkdtemp(path.join(os.tmpdir(), 'tether-mirror-deaf-b-'));
    const state = await mkdtemp(path.join(os.tmpdir(), 'tether-mirror-deaf-state-'));
    const a = new LocalRuntime(A);
    const real = new LocalRuntime(B);
    // B's runtime with a watch that never reports anything (a daemon restarted under it).
    const deafFs = Object.assign(Object.create(real.fs) as Runtime['fs'], { watch: () => ({ dispose() {} }) });
    const b = Object.assign(Object.create(real) as Runtime, { fs: deafFs });
    const engine = new MirrorEngine({ sides: async () => ({ a, b }), dir: state, patterns: [], log: silentLogger, healthIntervalMs: 100 });
    try {
      await engine.start();
      await engine.idle();
      await writeFile(path.join(B, 'unwatched.txt'), 'still arrives\n');
      await until(async () => (await text(path.join(A, 'unwatched.txt'))) === 'still arrives\n', 'the rescan');
    } finally {
      await engine.dispose();
      await a.dispose();
      await real.dispose();
      for (const d of [A, B, state]) await rm(d, { recursive: true, force: true });
    }
  });
});
