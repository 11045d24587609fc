/**
 * The local pty host with the real gateway as a process: a terminal printing a numbered stream
 * survives SIGKILL of the gateway while the gateway reads it (a lent terminal) — same process,
 * same session id — and a browser reconnecting to the restarted gateway resumes with no gap and
 * no repeat; a pty host that dies has its
 * terminals reported lost within a bound, and the next terminal gets a new host.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../../../scripts/bench/gateway-process';
import { GATEWAY_ENV } from '../../../scripts/gateway-build.mjs';
import { silentLogger } from '../../log';
import { startTestGateway } from '../../testing/test-gateway';
import { ptyMasters } from '../../testing/pty-masters';
import { trpcCall } from '../../testing/trpc-call';
import { GatewayClient } from '../../testing/ws-client';
import { connectDaemon, spawnDaemon } from '../agent/daemon-dir';
import { AgentClient } from '../agent/agent-client';
import { AgentTerminals } from '../agent/agent-pty';
import { runnerArtifact } from '../agent/runner-artifact';

const gateways: GatewayProcess[] = [];
afterAll(async () => {
  // The last one ends the pty host too (stop() ends every process started from DATA_DIR).
  for (const g of gateways.reverse()) await g.stop().catch(() => {});
});

async function start(reuse?: GatewayProcess): Promise<GatewayProcess> {
  const g = await startGatewayProcess({}, [], reuse);
  gateways.push(g);
  return g;
}

interface Listed {
  id: string;
  pid?: number;
  exited: unknown;
}

async function terminals(g: GatewayProcess): Promise<Listed[]> {
  const r = await trpcCall<Listed[]>(g.url, 'terminals.list', { token: g.token, input: { workspaceId: g.workspace } });
  return r.data ?? [];
}

async function hostPids(g: GatewayProcess): Promise<number[]> {
  const base = path.join(g.dataDir, 'pty-host');
  const pids: number[] = [];
  for (const d of await readdir(base)) {
    const info = await readFile(path.join(base, d, 'agent.json'), 'utf8').catch(() => null);
    if (info) pids.push((JSON.parse(info) as { pid: number }).pid);
  }
  return pids;
}

async function eventually<T>(fn: () => Promise<T | null | undefined | false>, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function lines(text: string): { gaps: number; repeats: number; count: number } {
  let next = 1;
  let gaps = 0;
  let repeats = 0;
  let count = 0;
  for (const m of text.matchAll(/line-(\d+)\r\n/g)) {
    const n = Number(m[1]);
    count++;
    if (n === next) next++;
    else if (n < next) repeats++;
    else {
      gaps += n - next;
      next = n + 1;
    }
  }
  return { gaps, repeats, count };
}

describe('local pty host', () => {
  it('keeps a terminal through SIGKILL of the gateway: same process, resumed with 0 gaps and 0 repeats', async () => {
    const g1 = await start();
    const N = 2500;
    const a = await GatewayClient.connect(g1.url, { token: g1.token });
    const opened = await a.open(1, { workspace: g1.workspace, cols: 100, rows: 30, command: `i=0; while [ $i -lt ${N} ]; do i=$((i+1)); echo line-$i; sleep 0.002; done` });
    const session = opened.session;
    await a.until(() => a.text(1).includes('line-300\r\n'), 30_000, 'line 300');
    const [before] = await terminals(g1);
    expect(before?.id).toBe(session);
    expect(before?.pid).toBeGreaterThan(0);
    const hostsBefore = await hostPids(g1);
    expect(hostsBefore).toHaveLength(1);
    // The gateway reads the terminal itself (the host lent it): the crash comes mid-read.
    expect(ptyMasters(g1.pid)).toBe(1);

    await g1.kill();
    const got = Buffer.concat(a.channel(1).chunks);
    const received = a.channel(1).received;
    await a.until(() => a.closeInfo !== null, 10_000, 'socket closed by the crash');

    const g2 = await start(g1);
    // The restarted gateway re-adopts the terminal under its id, with the same process.
    const after = await eventually(async () => (await terminals(g2)).find((t) => t.id === session), 'the session after restart');
    expect(after.pid).toBe(before!.pid);
    expect(await hostPids(g2)).toEqual(hostsBefore);

    const b = await GatewayClient.connect(g2.url, { token: g2.token });
    const again = await b.open(1, { session, cols: 100, rows: 30, resumeFrom: received });
    expect(again.snapshot).toBe(false);
    expect(again.offset).toBe(received);
    await b.until(() => b.channel(1).exit !== undefined, 60_000, 'the stream to end');
    expect(b.channel(1).exit).toEqual({ code: 0, signal: null });
    expect(b.channel(1).duplicateBytes).toBe(0);
    expect(b.channel(1).gaps).toBe(0);
    const all = lines(Buffer.concat([got, ...b.channel(1).chunks]).toString('utf8'));
    expect(all).toEqual({ gaps: 0, repeats: 0, count: N });
    await b.close();
    // 2,500 forks of `sleep` take 5 s on a quiet machine and several times that beside other suites.
  }, 150_000);

  it("runs the gateway and its host with the malloc tuning, and users' programs without it or the gateway's settings", async () => {
    const g = gateways.at(-1) ?? (await start());
    const c = await GatewayClient.connect(g.url, { token: g.token });
    await c.open(1, { workspace: g.workspace, cols: 200, rows: 24, command: 'env; echo env-end' });
    await c.until(() => c.channel(1).exit !== undefined, 15_000, 'env to end');
    const seen = c.text(1);
    expect(seen).toContain('env-end');
    expect(seen).toContain('TERM=xterm-256color');
    expect(seen).not.toMatch(/MALLOC_ARENA_MAX|TETHER_|NODE_ENV=/);
    const environ = async (pid: number) => (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
    const [host] = await hostPids(g);
    for (const pid of [g.pid, host!]) {
      expect(await environ(pid)).toEqual(expect.arrayContaining(Object.entries(GATEWAY_ENV).map(([k, v]) => `${k}=${v}`)));
    }
    c.kill(1);
    await c.close();
  });

  it("starts users' programs itself through posix_spawn (the gateway's koffi): no Perl spawner forks them", async () => {
    const g = gateways.at(-1) ?? (await start());
    const c = await GatewayClient.connect(g.url, { token: g.token });
    await c.open(1, { workspace: g.workspace, cols: 200, rows: 24, command: 'echo "parent $PPID"; grep SigIgn /proc/self/status' });
    await c.until(() => c.channel(1).exit !== undefined, 15_000, 'the program to end');
    const [host] = await hostPids(g);
    expect(c.text(1)).toContain(`parent ${host}`);
    expect(c.text(1)).toMatch(/SigIgn:\s+0{16}/);
    const children = (await readdir('/proc')).filter((p) => /^\d+$/.test(p));
    const perlUnderHost = [];
    for (const pid of children) {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      if (stat.includes('(perl)') && stat.split(') ')[1]?.split(' ')[1] === String(host)) perlUnderHost.push(pid);
    }
    expect(perlUnderHost).toEqual([]);
    c.kill(1);
    await c.close();
  });

  it('reports the terminals of a pty host that died as lost, quickly, and starts a new host', async () => {
    const g = gateways.at(-1)!;
    const c = await GatewayClient.connect(g.url, { token: g.token });
    await c.open(1, { workspace: g.workspace, cols: 80, rows: 24 });
    c.input(1, 'echo up-$((1+2))\r');
    await c.until(() => c.text(1).includes('up-3'), 15_000, 'shell');
    const [host] = await hostPids(g);
    const t0 = Date.now();
    process.kill(host!, 'SIGKILL');
    await c.until(() => c.channel(1).exit !== undefined, 10_000, 'lost');
    const ms = Date.now() - t0;
    expect(c.channel(1).events).toContainEqual(expect.objectContaining({ type: 'status', status: 'lost', message: expect.stringMatching(/pty host ended/) }));
    expect(ms).toBeLessThan(5000);
    console.log(`pty host killed: terminal reported lost after ${ms} ms`);

    // A new terminal gets a new host.
    await c.open(2, { workspace: g.workspace, cols: 80, rows: 24 });
    c.input(2, 'echo again-$((2+2))\r');
    await c.until(() => c.text(2).includes('again-4'), 15_000, 'a new shell');
    const [newHost] = await eventually(async () => {
      const p = await hostPids(g);
      return p.length && p[0] !== host ? p : null;
    }, 'a new host');
    expect(newHost).not.toBe(host);
    await c.close();
  });
});

describe('pty host versions', () => {
  it("keeps an older version's host until its terminals end, re-attaching them; new terminals go to the current host", async () => {
    const gw = await startTestGateway({ ptyHost: true });
    try {
      const ws = await gw.tether.workspaces.create(gw.adminId, 'versions');
      // A host left by "another version" of the gateway: its own directory under pty-host/.
      const artifact = await runnerArtifact(gw.dataDir);
      const oldDir = path.join(gw.dataDir, 'pty-host', 'older-version');
      await spawnDaemon({ script: artifact.path, dir: oldDir, idleExitMs: 500 });
      const old = new AgentClient({ dial: () => connectDaemon(oldDir), log: silentLogger, lostAfterMs: 5000, name: 'old host' });
      await old.call('workspaces.bind', { workspace: ws.id, root: ws.root, limits: {} });
      const oldTerm = await new AgentTerminals(old, ws.id).open({ cols: 80, rows: 24, command: 'read x; echo "got:$x"' });
      old.dispose(); // that gateway went away
      const oldPid = JSON.parse(await readFile(path.join(oldDir, 'agent.json'), 'utf8')).pid as number;

      // This gateway finds it (as at startup) and adopts its terminal under its id.
      const rt = await gw.tether.runtimes.forWorkspace(ws);
      const running = await rt.runningTerminals!();
      expect(running.map((t) => t.id)).toContain(oldTerm.sessionId);
      const adopted = gw.tether.sessions.adopt({ userId: gw.adminId, workspaceId: ws.id, proc: await rt.attachPty!(running[0]!), cols: 80, rows: 24, id: running[0]!.id });

      // A new terminal goes to the current host, another process.
      const c = await GatewayClient.connect(gw.url, { token: gw.token });
      const fresh = await c.open(1, { workspace: ws.id, cols: 80, rows: 24, command: 'echo current; sleep 30' });
      const current = await gw.tether.ptyHosts!.currentPid();
      expect(current).not.toBe(oldPid);
      expect(fresh.pid).toBeGreaterThan(0);

      // The old terminal is driven through the adopted session; when it ends, the old host goes.
      await c.open(2, { session: adopted.id, cols: 80, rows: 24 });
      c.input(2, 'yes\r');
      await c.until(() => c.channel(2).exit !== undefined, 15_000, 'old terminal exit');
      expect(c.text(2)).toContain('got:yes');
      await eventually(async () => {
        try {
          process.kill(oldPid, 0);
          return false;
        } catch {
          return true;
        }
      }, 'the old host to exit on its own', 30_000);
      // The current host and its terminal are untouched.
      expect(await gw.tether.ptyHosts!.currentPid()).toBe(current);
      await c.close();
    } finally {
      await gw.dispose();
    }
  });
});
