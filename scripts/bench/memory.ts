/**
 * (t) The gateway's memory as users run it (the bundle, its node flags, the UI in the same
 * process): resident right after start, idle after serving the pages a user opens, at the peak of
 * a burst of terminals, and 60 s after that burst ended (does it give memory back?).
 *
 * Idle is read twice: 10 s after the pages, and 20 s after them, once V8's memory reducer has run
 * (it compacts the heap after ~8–12 s without allocation and hands back its empty pages: RSS fell
 * 7–9 MB between the two in each of eight starts on 2026-12-06, the heap's committed size 57 → 49 MB with the
 * same ~47 MB in use). The settled figure is the idle one; the first shows how long that takes.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startGatewayProcess } from './gateway-process';
import { gatewayMany } from './many';
import { memfdBytes, rssBytes } from './process-memory';
import { gatewayAndHost } from './speed';

/** RSS of a process sampled while it may have just ended: 0 then. */
function rssOf(pid: number): number {
  try {
    return rssBytes(pid);
  } catch {
    return 0;
  }
}

export interface MemoryFigures {
  start: number;
  /** 10 s after the pages, before V8's memory reducer has run. */
  idleEarly: number;
  /** 20 s after the pages. */
  idle: number;
  peak: number;
  /** At the peak of the burst: the pty host's RSS, and the terminals' output in memfds (not in
   * either RSS; shared-memory.ts). */
  hostPeak: number;
  filesPeak: number;
  after60: number;
  terminals: number;
}

const root = path.resolve(import.meta.dirname, '..', '..');

/** Null when there is no production UI build to serve. */
export async function memoryFigures(file: string, opts: { quick: boolean }): Promise<MemoryFigures | null> {
  if (!existsSync(path.join(root, '.next', 'BUILD_ID'))) return null;
  const gw = await startGatewayProcess({ TETHER_MAX_SESSIONS_PER_USER: '500' }, [], undefined, { ui: true });
  try {
    await sleep(3000);
    const start = await gw.rssBytes();
    // What a user's first minutes load: the login page, home, a workspace (each twice).
    const headers = { authorization: `Bearer ${gw.token}` };
    for (let i = 0; i < 2; i++) {
      for (const page of ['/login', '/', `/w/${gw.workspace}`, '/settings']) {
        const res = await fetch(gw.url + page, { headers });
        if (!res.ok) throw new Error(`GET ${page}: ${res.status}`);
        await res.arrayBuffer();
      }
    }
    await sleep(10_000);
    const idleEarly = await gw.rssBytes();
    await sleep(10_000);
    const idle = await gw.rssBytes();
    const terminals = opts.quick ? 20 : 100;
    let peak = idle;
    let hostPeak = 0;
    let filesPeak = 0;
    const sample = () => {
      void gw.rssBytes().then((r) => (peak = Math.max(peak, r)));
      const pids = gatewayAndHost(gw);
      for (const pid of pids) if (pid !== gw.pid) hostPeak = Math.max(hostPeak, rssOf(pid));
      filesPeak = Math.max(filesPeak, memfdBytes(pids));
    };
    const sampler = setInterval(sample, 200);
    await gatewayMany(gw, terminals, `head -c ${2 * 1024 * 1024} ${file}`).finally(() => clearInterval(sampler));
    peak = Math.max(peak, await gw.rssBytes());
    await sleep(60_000);
    const after60 = await gw.rssBytes();
    return { start, idleEarly, idle, peak, hostPeak, filesPeak, after60, terminals };
  } finally {
    await gw.stop();
  }
}
