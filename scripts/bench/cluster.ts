/**
 * (u) Several gateways: two gateway processes (the shipped bundle) on one database behind Debian's
 * nginx (server/testing/gateway-cluster.ts), N terminals on cloud workers opened through nginx by
 * browser clients (the browser's own reconnecting GatewaySocket, ten terminals per socket, as
 * tabs hold them), spread over both gateways by round robin. Every terminal echoes numbered
 * lines typed into it (`cat` with the PTY's echo off, so each line comes back once). Mid-run one
 * gateway is SIGKILLed: its browsers reconnect through nginx to the other, which attaches their
 * terminals from the workers and resumes each at the byte its browser had.
 *
 * Reported: terminals on each gateway, bytes lost and repeated (must be 0), and the time from the
 * kill until each moved terminal was attached again (p50, p99, max).
 */
import type { GatewayChannel } from '../../lib/client/gateway-channel';
import type { GatewaySocket } from '../../lib/client/gateway-socket';
import { browserSocket } from '../../server/testing/browser-socket';
import { startGatewayCluster, type ClusterGateway } from '../../server/testing/gateway-cluster';
import { HttpSession } from '../../server/testing/http-session';
import { trpcCall } from '../../server/testing/trpc-call';
import { percentile } from './stats';

const TERMINALS_PER_SOCKET = 10;
const TERMINALS_PER_WORKER = 250;
const ROUND_MS = 1000;

export interface ClusterFigures {
  terminals: number;
  sockets: number;
  workers: number;
  perGateway: number[];
  moved: number;
  rounds: number;
  bytesExpected: number;
  bytesLost: number;
  bytesRepeated: number;
  resumeP50: number;
  resumeP99: number;
  resumeMax: number;
  openSeconds: number;
}

interface Term {
  ch: GatewayChannel;
  socket: number;
  text: string;
  reopenedAt: number;
}

async function until(cond: () => boolean, what: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function socketsOn(g: ClusterGateway, token: string): Promise<number> {
  const res = await fetch(`${g.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  return Number(/^tether_websocket_connections (\d+)/m.exec(await res.text())?.[1] ?? 0);
}

export async function clusterFigures(opts: { terminals: number; rounds?: number }): Promise<ClusterFigures> {
  const n = opts.terminals;
  const rounds = opts.rounds ?? 12;
  const workers = Math.max(1, Math.ceil(n / TERMINALS_PER_WORKER));
  const cluster = await startGatewayCluster({
    count: 2,
    env: { TETHER_MAX_SESSIONS_PER_USER: String(n + 100), TETHER_CLOUD_MAX_PER_USER: String(workers + 1), TETHER_LOG_LEVEL: 'warn' },
  });
  const sockets: GatewaySocket[] = [];
  try {
    const [A, B] = cluster.gateways as [ClusterGateway, ClusterGateway];
    const admin = new HttpSession(A.url);
    await admin.login('admin', cluster.adminPassword);
    const token = (await admin.mutation<{ token: string }>('tokens.create', { name: 'cluster bench' })).token;
    const workspaces: string[] = [];
    for (let w = 0; w < workers; w++) {
      const r = await trpcCall<{ id: string }>(cluster.url, 'workspaces.create', { token, mutation: true, input: { name: `bench-${w}`, cloud: { size: 'small' } } });
      if (!r.data) throw new Error(`cloud workspace: ${r.error?.message}`);
      workspaces.push(r.data.id);
    }

    const terms: Term[] = [];
    const opened0 = performance.now();
    const socketCount = Math.ceil(n / TERMINALS_PER_SOCKET);
    for (let s = 0; s < socketCount; s++) {
      const socket = browserSocket(cluster.url, { token });
      sockets.push(socket);
      for (let i = 0; i < TERMINALS_PER_SOCKET && terms.length < n; i++) {
        const ch = socket.openTerminal({ workspace: workspaces[terms.length % workers]!, cols: 80, rows: 24, command: "stty -echo; exec cat" });
        const t: Term = { ch, socket: s, text: '', reopenedAt: 0 };
        ch.on('output', (data, processed) => {
          t.text += Buffer.from(data).toString('latin1');
          processed();
        });
        terms.push(t);
      }
      // Open in steps, as people do, rather than 1,000 spawns in one instant on the workers.
      await until(() => terms.every((t) => t.ch.state === 'open'), 'terminals to open', 120_000);
    }
    const openSeconds = (performance.now() - opened0) / 1000;
    const perGateway = [await socketsOn(A, token), await socketsOn(B, token)];

    // Numbered lines, one per terminal per round; the kill lands a third of the way in.
    const killAt = Math.floor(rounds / 3);
    let killedAt = 0;
    // `stty -echo` runs after the terminal opened: let every shell get there before typing.
    await new Promise((res) => setTimeout(res, 2000));
    const line = (r: number) => `r${r}\r\n`;
    for (let r = 1; r <= rounds; r++) {
      for (const t of terms) t.ch.write(`r${r}\n`);
      if (r === killAt) {
        // Kill between rounds, once every line of this one came back: keystrokes in flight to a
        // gateway that dies are the browser's to retype (it cannot know whether they arrived);
        // what is measured here is output that a program produced.
        await until(() => terms.every((t) => t.text.includes(line(r))), `round ${r} back`, 60_000);
        killedAt = performance.now();
        for (const t of terms) {
          const off = t.ch.on('opened', () => {
            t.reopenedAt = performance.now();
            off();
          });
        }
        await A.kill();
      }
      await new Promise((res) => setTimeout(res, ROUND_MS));
    }
    const expected = Array.from({ length: rounds }, (_, i) => line(i + 1)).join('');
    await until(() => terms.every((t) => t.text.length >= expected.length), 'every line back', 120_000).catch(() => {});
    let lost = 0;
    let repeated = 0;
    for (const t of terms) {
      const got = t.text;
      for (let r = 1; r <= rounds; r++) {
        const count = got.split(line(r)).length - 1;
        if (count === 0) lost += line(r).length;
        if (count > 1) repeated += (count - 1) * line(r).length;
      }
    }
    const moved = terms.filter((t) => t.reopenedAt > 0).map((t) => t.reopenedAt - killedAt);
    moved.sort((a, b) => a - b);
    return {
      terminals: n,
      sockets: socketCount,
      workers,
      perGateway,
      moved: moved.length,
      rounds,
      bytesExpected: expected.length * n,
      bytesLost: lost,
      bytesRepeated: repeated,
      resumeP50: percentile(moved, 50),
      resumeP99: percentile(moved, 99),
      resumeMax: moved.at(-1) ?? 0,
      openSeconds,
    };
  } finally {
    for (const s of sockets) s.dispose();
    await cluster.close();
  }
}
