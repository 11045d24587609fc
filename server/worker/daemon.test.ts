/**
 * The agent daemon on its Unix socket: private files, links refused without the secret, one
 * daemon per directory, and its lifetime (grace with terminals, idle exit without).
 */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeRecord } from '../../lib/protocol';
import { silentLogger } from '../log';
import { AgentClient } from '../runtimes/agent/agent-client';
import { AgentFs } from '../runtimes/agent/agent-fs';
import { AgentTerminals } from '../runtimes/agent/agent-pty';
import { connectDaemon } from '../runtimes/agent/daemon-dir';
import { AlreadyRunningError, startDaemon, type Daemon } from './daemon';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function daemon(opts: { graceMs?: number; idleExitMs?: number } = {}): Promise<{ d: Daemon; dir: string }> {
  const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'tether-daemon-')), 'state');
  const d = await startDaemon({ dir, version: 'test', log: silentLogger, ...opts });
  cleanup.push(() => rm(path.dirname(dir), { recursive: true, force: true }), () => d.close('test over'));
  return { d, dir };
}

function client(dir: string): AgentClient {
  const c = new AgentClient({ dial: () => connectDaemon(dir), log: silentLogger, lostAfterMs: 5000, name: 'test daemon' });
  cleanup.push(async () => c.dispose());
  return c;
}

describe('agent daemon', () => {
  it('keeps its socket and secret private, and closes a link that does not authenticate', async () => {
    const { dir, d } = await daemon();
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(dir, 'agent.sock'))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dir, 'secret'))).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(path.join(dir, 'agent.json'), 'utf8'))).toMatchObject({ pid: process.pid, version: 'test' });

    const wrong = net.connect(d.socketPath);
    await new Promise((r) => wrong.once('connect', r));
    wrong.write(encodeRecord(Buffer.from('not the secret')));
    await new Promise((r) => wrong.once('close', r));
    expect(d.core.linkCount).toBe(0);

    const ok = client(dir);
    expect(((await ok.call('agent.info', {})).result as { pid: number }).pid).toBe(process.pid);
  });

  it('lets one daemon serve a directory', async () => {
    const { dir } = await daemon();
    await expect(startDaemon({ dir, version: 'second', log: silentLogger })).rejects.toBeInstanceOf(AlreadyRunningError);
  });

  it('ends its terminals after the grace period without a gateway, and exits when idle', async () => {
    const { d, dir } = await daemon({ graceMs: 600, idleExitMs: 60_000 });
    const c = client(dir);
    await c.call('workspaces.bind', { workspace: 'w', root: os.tmpdir(), limits: {} });
    const term = await new AgentTerminals(c, 'w').open({ cols: 80, rows: 24, command: 'sleep 60' });
    expect(term.pid).toBeGreaterThan(0);
    c.dispose(); // the gateway goes away
    const t0 = Date.now();
    expect(await d.ended).toMatch(/no gateway for/);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(() => process.kill(term.pid!, 0)).toThrow();

    const idle = await daemon({ idleExitMs: 300 });
    expect(await idle.d.ended).toMatch(/idle/);
  });

  it('stays while a terminal that ended has output no gateway collected, and exits once a gateway has it', async () => {
    const { d, dir } = await daemon({ idleExitMs: 300 });
    const c = client(dir);
    await c.call('workspaces.bind', { workspace: 'w', root: os.tmpdir(), limits: {} });
    const term = await new AgentTerminals(c, 'w').open({ cols: 80, rows: 24, command: 'sleep 0.5; echo bye' });
    const { session } = term.control;
    c.dispose(); // the gateway goes away before the program ends
    for (const t0 = Date.now(); d.core.running > 0 && Date.now() - t0 < 10_000; ) await new Promise((r) => setTimeout(r, 50));
    expect(d.core.running).toBe(0);
    // Well past the idle exit, it is still there: its last words wait for a gateway.
    const ended = await Promise.race([d.ended, new Promise((r) => setTimeout(() => r(null), 1000))]);
    expect(ended).toBeNull();
    expect(d.core.kept).toBe(1);

    // A gateway comes back, finds it listed, and collects the rest and the exit.
    const back = client(dir);
    const terminals = new AgentTerminals(back, 'w');
    const listed = await terminals.running();
    expect(listed.map((t) => t.id)).toEqual([session]);
    const again = await terminals.attach(listed[0]!);
    let text = '';
    again.onData((b) => (text += Buffer.from(b).toString()));
    const exit = await new Promise((r) => again.onExit((e) => r(e)));
    expect(exit).toEqual({ code: 0, signal: null });
    expect(text).toContain('bye');
    back.dispose();
    expect(await d.ended).toMatch(/idle/);
  });

  it('reads files of a folder bound by name, in chunks (an agent that serves several folders)', async () => {
    const { dir } = await daemon();
    const root = path.join(path.dirname(dir), 'files');
    await mkdir(root);
    const big = Buffer.alloc(700 * 1024, 'x'); // more than one chunk
    await writeFile(path.join(root, 'big.txt'), big);
    const c = client(dir);
    await c.call('workspaces.bind', { workspace: 'w', root, limits: {} });
    const fs = new AgentFs(c, () => {}, 'w');
    expect(Buffer.from(await fs.readFile('big.txt', 1 << 20)).equals(big)).toBe(true);
  });
});
