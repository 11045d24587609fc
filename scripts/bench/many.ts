/**
 * The flood runs of (s): N terminals printing at once (N = 1 for the single flood), each timed
 * from the start to the LAST byte received (not to the exit notice).
 *
 * (s, many) N terminals printing at once: each runs the same command (2 MB of the flood file), all
 * started together; the figure is the aggregate rate from the start to the last byte of the last
 * terminal. node-pty reads all N in this process (the floor); Tether serves them over N/10
 * sockets of 10 channels (a browser tab holds many terminals on one socket); ttyd, which has one
 * terminal per WebSocket, gets N sockets. Every terminal must deliver every byte.
 */
import * as pty from 'node-pty';
import { ACK_EVERY_BYTES } from '../../lib/protocol';
import { GatewayClient } from '../../server/testing/ws-client';
import type { GatewayProcess } from './gateway-process';
import { cpuSeconds, serverPids, type Run } from './speed';
import { startTtyd, TtydClient } from './ttyd-client';

const CHANNELS_PER_SOCKET = 10;

export function rawPtyMany(n: number, command: string): Promise<Run> {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let last = start;
  let bytes = 0;
  let left = n;
  return new Promise((resolve) => {
    for (let i = 0; i < n; i++) {
      const p = pty.spawn('/bin/sh', ['-c', command], { cols: 120, rows: 40, encoding: null } as pty.IPtyForkOptions);
      p.onData((d) => {
        bytes += (d as unknown as Buffer).length;
        last = performance.now();
      });
      p.onExit(() => {
        if (--left > 0) return;
        const used = process.cpuUsage(cpu0);
        resolve({ seconds: (last - start) / 1000, bytes, cpu: (used.user + used.system) / 1e6 });
      });
    }
  });
}

export async function gatewayMany(gw: GatewayProcess, n: number, command: string): Promise<Run> {
  const sockets = await Promise.all(
    Array.from({ length: Math.ceil(n / CHANNELS_PER_SOCKET) }, () => GatewayClient.connect(gw.url, { token: gw.token, keepData: false, ackEvery: ACK_EVERY_BYTES })),
  );
  // Start the pty host (if any) before measuring.
  await sockets[0]!.open(999, { workspace: gw.workspace, cols: 120, rows: 40, command: 'true' });
  await sockets[0]!.until(() => sockets[0]!.channel(999).exit !== undefined, 30_000, 'warm-up exit');
  sockets[0]!.kill(999);
  const pids = serverPids(gw);
  const cpu0 = pids.map(cpuSeconds);
  const start = performance.now();
  const channels = Array.from({ length: n }, (_, i) => ({ c: sockets[Math.floor(i / CHANNELS_PER_SOCKET)]!, ch: (i % CHANNELS_PER_SOCKET) + 1 }));
  await Promise.all(channels.map(({ c, ch }) => c.open(ch, { workspace: gw.workspace, cols: 120, rows: 40, command })));
  await Promise.all(channels.map(({ c, ch }) => c.until(() => c.channel(ch).exit !== undefined, 600_000, 'exit')));
  const cpu = pids.reduce((sum, pid, i) => sum + cpuSeconds(pid) - cpu0[i]!, 0);
  let bytes = 0;
  let last = start;
  for (const { c, ch } of channels) {
    const s = c.channel(ch);
    if (s.duplicateBytes || s.gaps) throw new Error('gateway delivered duplicate bytes or gaps');
    bytes += s.bytes;
    last = Math.max(last, s.lastOutputAt);
    c.kill(ch); // an exited terminal: KILL forgets it, so rounds do not add up against the session limit
  }
  await Promise.all(sockets.map((c) => c.close()));
  return { seconds: (last - start) / 1000, bytes, cpu };
}

export async function ttydMany(bin: string, n: number, command: string): Promise<Run> {
  // No `-o`: one ttyd serves every connection, each with its own process.
  const ttyd = await startTtyd(bin, ['/bin/sh', '-c', command]);
  try {
    const cpu0 = cpuSeconds(ttyd.child.pid!);
    const start = performance.now();
    const clients = await Promise.all(Array.from({ length: n }, () => TtydClient.connect(ttyd.port)));
    await Promise.all(clients.map((t) => t.until(() => t.closeInfo !== null, 300_000, 'ttyd terminal to end')));
    const bytes = clients.reduce((sum, t) => sum + t.received, 0);
    const last = Math.max(start, ...clients.map((t) => t.lastOutputAt));
    return { seconds: (last - start) / 1000, bytes, cpu: cpuSeconds(ttyd.child.pid!) - cpu0 };
  } finally {
    await ttyd.stop();
  }
}
