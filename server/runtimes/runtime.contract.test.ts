/**
 * The Runtime contract, run over every runtime that implements it: local (node-pty, this
 * machine's fs), SSH (a real OpenSSH sshd on loopback: exec channels with a PTY, SFTP) and cloud
 * (a worker agent over its authenticated WebSocket, as a process here and in a docker container).
 * The same expectations hold everywhere; only the setup differs.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../log';
import { createDockerFixture } from '../cloud/testing/docker-fixture';
import { startSshd, type TestSshd } from '../testing/sshd';
import { testPoolTarget } from '../testing/ssh-pool-target';
import { startAgent } from '../worker/agent';
import { findFiles, searchText } from '../workspaces/search';
import { CloudRuntime } from './cloud/cloud-runtime';
import { LocalRuntime } from './local/local-runtime';
import type { FsEvent, PtyProcess, Runtime } from './runtime';
import { SshPool } from './ssh/pool';
import { DirectSshRuntime } from './ssh/ssh-runtime';
import { until as pollUntil } from '../testing/until';

interface Fixture {
  runtime: Runtime;
  close(): Promise<void>;
}

const dec = new TextDecoder();
const enc = new TextEncoder();

function collect(p: PtyProcess): { text(): string; exit: Promise<{ code: number | null; signal: string | null }> } {
  let text = '';
  p.onData((d) => (text += dec.decode(d)));
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) => p.onExit(resolve));
  return { text: () => text, exit };
}

const until = (check: () => boolean | Promise<boolean>, what: string, ms = 10_000) => pollUntil(check, what, ms);

const fixtures: Record<string, () => Promise<Fixture>> = {
  async local() {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tether-contract-'));
    const home = await mkdtemp(path.join(os.tmpdir(), 'tether-contract-home-'));
    const runtime = new LocalRuntime(dir, { env: { HOME: home } });
    return {
      runtime,
      async close() {
        await runtime.dispose();
        await rm(dir, { recursive: true, force: true });
        await rm(home, { recursive: true, force: true });
      },
    };
  },
  async cloud() {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tether-contract-cloud-'));
    const home = await mkdtemp(path.join(os.tmpdir(), 'tether-contract-home-'));
    const secret = randomBytes(24).toString('base64url');
    const agent = await startAgent({ root: dir, secret, host: '127.0.0.1', port: 0, log: silentLogger, env: { HOME: home } });
    const runtime = new CloudRuntime({ endpoint: async () => ({ url: agent.url, secret }), id: 'cloud:test', log: silentLogger });
    return {
      runtime,
      async close() {
        await runtime.dispose();
        await agent.close();
        await rm(dir, { recursive: true, force: true });
        await rm(home, { recursive: true, force: true });
      },
    };
  },
  /** The same agent in a container on the real Docker engine (the docker provider), over its Unix socket. */
  async docker() {
    const fx = await createDockerFixture();
    const provider = fx.provider();
    await provider.create({ id: 'contract', size: 'small' });
    const runtime = new CloudRuntime({ endpoint: () => provider.endpoint('contract'), id: 'cloud:docker', log: silentLogger });
    return {
      runtime,
      async close() {
        await runtime.dispose();
        await fx.dispose();
      },
    };
  },
  async ssh() {
    const sshd: TestSshd = await startSshd();
    const pool = new SshPool({ log: silentLogger });
    const runtime = new DirectSshRuntime({ pool, target: testPoolTarget(sshd), root: await sshd.makeRemoteDir(), watchIntervalMs: 300 });
    return {
      runtime,
      async close() {
        await runtime.dispose();
        pool.dispose();
        await sshd.close();
      },
    };
  },
};

for (const [kind, make] of Object.entries(fixtures)) {
  describe(`Runtime contract: ${kind}`, () => {
    let f: Fixture;
    let rt: Runtime;
    beforeAll(async () => {
      f = await make();
      rt = f.runtime;
    });
    afterAll(() => f?.close());

    describe('terminals', () => {
      it('runs an interactive shell in the workspace root and reports its exit code', async () => {
        const p = await rt.openPty({ cols: 80, rows: 24 });
        const out = collect(p);
        p.write(enc.encode('echo "hi-$((1+2))"; pwd; exit 5\r'));
        const exit = await out.exit;
        expect(exit).toEqual({ code: 5, signal: null });
        expect(out.text()).toContain('hi-3');
        const root = await rt.exec(['pwd']);
        expect(out.text()).toContain(dec.decode(root.stdout).trim());
      });

      it('keeps the output of programs that print and exit at once', async () => {
        // Listeners attach as the session registry does: in the continuation of openPty.
        const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => rt.openPty({ cols: 80, rows: 24, command: `echo quick-${i}` }).then(collect)));
        const exits = await Promise.all(runs.map((r) => r.exit));
        expect(exits.every((e) => e.code === 0)).toBe(true);
        runs.forEach((r, i) => expect(r.text()).toContain(`quick-${i}`));
      });

      it('keeps all 64 KiB of a program that prints them and exits at once', async () => {
        const p = await rt.openPty({ cols: 80, rows: 24, command: "head -c 65536 /dev/zero | tr '\\0' x" });
        const out = collect(p);
        expect((await out.exit).code).toBe(0);
        expect(out.text().replace(/[^x]/g, '').length).toBe(65536);
      });

      it('sizes the PTY and follows a resize', async () => {
        const p = await rt.openPty({ cols: 91, rows: 27, command: 'stty size; read x; stty size' });
        const out = collect(p);
        await until(() => out.text().includes('27 91'), 'initial size');
        p.resize(100, 30);
        await new Promise((r) => setTimeout(r, 100));
        p.write(enc.encode('\r'));
        await out.exit;
        expect(out.text()).toContain('30 100');
      });

      it('delivers every byte before the exit, paused or not', async () => {
        const p = await rt.openPty({ cols: 80, rows: 24, command: 'seq 1 30000' });
        const out = collect(p);
        p.pause();
        await new Promise((r) => setTimeout(r, 300));
        p.resume();
        await out.exit;
        const lines = out.text().split(/\r?\n/).filter(Boolean);
        expect(lines.at(-1)).toBe('30000');
        expect(lines.length).toBe(30000);
      });

      it('ends a terminal on kill', async () => {
        const p = await rt.openPty({ cols: 80, rows: 24, command: 'sleep 30' });
        const out = collect(p);
        setTimeout(() => p.kill(), 100);
        const exit = await out.exit;
        expect(exit.code === 0).toBe(false);
      });

      it('refuses a working directory outside the workspace', async () => {
        await expect(rt.openPty({ cols: 80, rows: 24, cwd: '../' })).rejects.toMatchObject({ code: 'bad_path' });
      });
    });

    describe('exec', () => {
      it('returns exit code, stdout and stderr separately', async () => {
        const r = await rt.exec(['sh', '-c', 'echo out; echo err >&2; exit 7']);
        expect(r.code).toBe(7);
        expect(dec.decode(r.stdout)).toBe('out\n');
        expect(dec.decode(r.stderr)).toBe('err\n');
      });

      it('never loses the exit status of a command that ends at once', async () => {
        const results = await Promise.all(Array.from({ length: 30 }, () => rt.exec(['sh', '-c', 'exit 3'])));
        expect(results.map((r) => r.code)).toEqual(Array(30).fill(3));
        const ptys = await Promise.all(Array.from({ length: 10 }, () => rt.openPty({ cols: 80, rows: 24, command: 'exit 4' })));
        const exits = await Promise.all(ptys.map((p) => collect(p).exit));
        expect(exits).toEqual(Array(10).fill({ code: 4, signal: null }));
      });

      it('passes argv words literally (no shell interpretation)', async () => {
        const r = await rt.exec(['printf', '%s|', 'a b', "it's", '$HOME', '`id`', ';rm -rf /']);
        expect(dec.decode(r.stdout)).toBe("a b|it's|$HOME|`id`|;rm -rf /|");
      });

      it('feeds stdin and honours cwd', async () => {
        await rt.fs.mkdir('sub');
        const r = await rt.exec(['cat'], { stdin: enc.encode('abc'), cwd: 'sub' });
        expect(dec.decode(r.stdout)).toBe('abc');
        const pwd = await rt.exec(['pwd'], { cwd: 'sub' });
        expect(dec.decode(pwd.stdout).trim().endsWith('/sub')).toBe(true);
      });

      it('kills a command that outlives its timeout', async () => {
        const started = Date.now();
        const r = await rt.exec(['sleep', '20'], { timeoutMs: 1000 });
        expect(r).toMatchObject({ code: null, signal: 'SIGKILL' });
        expect(Date.now() - started).toBeLessThan(8000);
      });

      it('fails clearly for a program that does not exist', async () => {
        await expect(rt.exec(['tether-no-such-program'])).rejects.toMatchObject({ code: 'spawn_failed' });
      });
    });

    describe('files', () => {
      it('writes, reads, lists, stats, renames and removes', async () => {
        const bytes = new Uint8Array(300_000).map((_, i) => (i * 7) & 0xff);
        await rt.fs.mkdir('d');
        const st = await rt.fs.writeFile('d/bin.dat', bytes);
        expect(st).toMatchObject({ type: 'file', size: 300_000 });
        expect(Buffer.from(await rt.fs.readFile('d/bin.dat', 1 << 20)).equals(Buffer.from(bytes))).toBe(true);
        expect(await rt.fs.readdir('d')).toEqual([{ name: 'bin.dat', type: 'file' }]);
        await rt.fs.rename('d/bin.dat', 'd/moved.dat');
        expect((await rt.fs.stat('d/moved.dat')).size).toBe(300_000);
        await expect(rt.fs.stat('d/bin.dat')).rejects.toMatchObject({ code: 'ENOENT' });
        const stream = await rt.fs.readStream('d/moved.dat');
        let total = 0;
        for await (const c of stream.stream) total += c.byteLength;
        expect(total).toBe(300_000);
        await rt.fs.rm('d');
        await expect(rt.fs.stat('d')).rejects.toMatchObject({ code: 'ENOENT' });
      });

      it('saves atomically over an existing file and keeps its mode', async () => {
        await rt.fs.writeFile('run.sh', enc.encode('#!/bin/sh\necho one\n'));
        await rt.exec(['chmod', '750', 'run.sh']);
        await rt.fs.writeFile('run.sh', enc.encode('#!/bin/sh\necho two\n'));
        expect((await rt.fs.stat('run.sh')).mode).toBe(0o750);
        expect(dec.decode((await rt.exec(['./run.sh'])).stdout)).toBe('two\n');
        expect((await rt.fs.readdir('')).some((e) => e.name.startsWith('.tether-tmp-'))).toBe(false);
      });

      it('refuses to overwrite: exclusive create, rename onto an existing name, mkdir twice', async () => {
        await rt.fs.writeFile('once.txt', enc.encode('1'), { exclusive: true });
        await expect(rt.fs.writeFile('once.txt', enc.encode('2'), { exclusive: true })).rejects.toMatchObject({ code: 'EEXIST' });
        await rt.fs.writeFile('other.txt', enc.encode('x'));
        await expect(rt.fs.rename('other.txt', 'once.txt')).rejects.toMatchObject({ code: 'EEXIST' });
        expect(dec.decode(await rt.fs.readFile('once.txt', 10))).toBe('1');
        await rt.fs.mkdir('twice');
        await expect(rt.fs.mkdir('twice')).rejects.toMatchObject({ code: 'EEXIST' });
      });

      it('refuses files over the size limit and streams over the byte cap', async () => {
        await rt.fs.writeFile('big.txt', new Uint8Array(5000));
        await expect(rt.fs.readFile('big.txt', 1000)).rejects.toMatchObject({ code: 'EFBIG' });
        async function* chunks() {
          for (let i = 0; i < 10; i++) yield new Uint8Array(1000);
        }
        await expect(rt.fs.writeFile('big.txt', chunks(), { maxBytes: 4000 })).rejects.toMatchObject({ code: 'EFBIG' });
        expect((await rt.fs.stat('big.txt')).size).toBe(5000);
      });

      it('refuses paths that leave the workspace, without touching anything', async () => {
        for (const bad of ['../x', '/etc/passwd', 'a\0b', '~/x', 'a/../../x']) {
          await expect(rt.fs.readFile(bad, 100)).rejects.toMatchObject({ code: 'bad_path' });
          await expect(rt.fs.writeFile(bad, enc.encode('x'))).rejects.toMatchObject({ code: 'bad_path' });
        }
        // A symlink inside the workspace that points out of it is refused; one that stays inside works.
        await rt.exec(['ln', '-s', '/etc', 'escape']);
        await rt.exec(['ln', '-s', 'once.txt', 'alias.txt']);
        await expect(rt.fs.readdir('escape')).rejects.toMatchObject({ code: 'bad_path' });
        await expect(rt.fs.readFile('escape/passwd', 100_000)).rejects.toMatchObject({ code: 'bad_path' });
        await expect(rt.fs.writeFile('escape/tether-test', enc.encode('x'))).rejects.toMatchObject({ code: 'bad_path' });
        expect(dec.decode(await rt.fs.readFile('alias.txt', 10))).toBe('1');
        expect((await rt.fs.stat('escape')).type).toBe('symlink');
      });

      it('says which files readFile would open (readable), and search answers with no others', async () => {
        await rt.fs.mkdir('jail');
        await rt.fs.writeFile('jail/plain.txt', enc.encode('needle plain\n'));
        await rt.fs.writeFile('jail/twin-a.txt', enc.encode('needle twin\n'));
        await rt.exec(['ln', 'jail/twin-a.txt', 'jail/twin-b.txt']); // several hard links
        await rt.exec(['ln', '-s', 'plain.txt', 'jail/alias.txt']); // stays inside
        await rt.exec(['ln', '-s', '/etc/hostname', 'jail/out.txt']); // leads out
        const paths = ['jail/plain.txt', 'jail/alias.txt', 'jail/twin-a.txt', 'jail/out.txt', 'escape/passwd', 'jail', 'jail/none', '../x'];
        const opens = await Promise.all(paths.map((p) => rt.fs.readFile(p, 100_000).then(() => true, () => false)));
        expect(await rt.fs.readable(paths)).toEqual(opens);
        // SFTP cannot tell the hard-link count (documented): there the twins are readable.
        expect(opens).toEqual([true, true, kind === 'ssh', false, false, false, false, false]);
        expect(await rt.fs.readable([])).toEqual([]);
        const expected = ['jail/plain.txt', ...(kind === 'ssh' ? ['jail/twin-a.txt', 'jail/twin-b.txt'] : [])];
        for (const useRipgrep of [true, false]) {
          const r = await searchText(rt, { query: 'needle' }, useRipgrep);
          expect(r.matches.map((m) => m.path).sort(), r.engine).toEqual(expected);
        }
        expect((await findFiles(rt.fs, 'jail/')).paths.sort()).toEqual(expected);
        await rt.fs.rm('jail');
      });

      it('reports changes to watchers', async () => {
        const events: FsEvent[] = [];
        const w = rt.fs.watch((e) => events.push(...e));
        try {
          // Let the watcher take its first look (chokidar's scan, or the first poll).
          await new Promise((r) => setTimeout(r, 700));
          await rt.fs.writeFile('watched.txt', enc.encode('a'));
          await until(() => events.some((e) => e.path === 'watched.txt' && e.type === 'add'), 'add event');
          await rt.fs.rm('watched.txt');
          await until(() => events.some((e) => e.path === 'watched.txt' && e.type === 'unlink'), 'unlink event');
        } finally {
          w.dispose();
        }
      });
    });

    it('reports itself healthy', async () => {
      expect(await rt.health()).toMatchObject({ ok: true });
    });
  });
}
