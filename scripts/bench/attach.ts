/**
 * (n) Attaching to a busy full-screen session from a phone on a slow network: a screen snapshot
 * (`terminals.snapshot`, then OPEN with `resumeFrom`) against replaying the session's ring (OPEN
 * from the oldest retained byte). Both go through a TCP proxy that shapes the link like poor
 * mobile data (SLOW_LINK below) and, as the baseline, through the same proxy unshaped.
 *
 * The client's socket is connected before the clock starts (the page has it open already), so the
 * figures are what tapping a terminal costs: bytes on the wire and time until the screen is whole.
 */
import net from 'node:net';
import { GatewayClient } from '../../server/testing/ws-client';
import type { GatewayProcess } from './gateway-process';
import { median } from './stats';

/** ~1.5 Mbit/s down and up, 150 ms round trip. */
export const SLOW_LINK = { bytesPerSecond: 190_000, oneWayDelayMs: 75 };

interface Link {
  bytesPerSecond: number;
  oneWayDelayMs: number;
}

/** A TCP proxy to `target` that delays and rate-limits each direction, counting bytes. */
async function shapingProxy(target: URL, link: Link | null): Promise<{ url: string; bytesDown: () => number; close(): void }> {
  let down = 0;
  const shape = (from: net.Socket, to: net.Socket, count: (n: number) => void) => {
    let freeAt = 0; // when the link finishes sending what is queued
    from.on('data', (chunk: Buffer) => {
      count(chunk.length);
      if (!link) return void to.write(chunk);
      const now = performance.now();
      freeAt = Math.max(freeAt, now) + (chunk.length / link.bytesPerSecond) * 1000;
      setTimeout(() => to.writable && to.write(chunk), freeAt - now + link.oneWayDelayMs);
    });
    from.on('close', () => setTimeout(() => to.destroy(), link ? link.oneWayDelayMs : 0));
    from.on('error', () => to.destroy());
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    shape(client, upstream, () => {});
    shape(upstream, client, (n) => (down += n));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, bytesDown: () => down, close: () => server.close() };
}

/** A session that printed ~3 MB of history and now shows a full-screen program. */
async function busySession(gw: GatewayProcess): Promise<string> {
  const c = await GatewayClient.connect(gw.url, { token: gw.token, keepData: false });
  const script =
    'seq 1 400000; printf "\\033[?1049h"; for i in $(seq 1 150); do printf "\\033[H"; for y in $(seq 1 38); do printf "\\033[3%dm frame %4d row %2d ........................................\\033[0m\\033[K\\r\\n" $((y % 8)) $i $y; done; done; printf "\\033[40;1H> "; sleep 3600';
  const opened = await c.open(1, { workspace: gw.workspace, cols: 120, rows: 40, command: `bash -c '${script.replaceAll("'", "'\\''")}'` });
  // Wait until the program has drawn its last frame and gone quiet.
  let last = -1;
  while (c.channel(1).received !== last) {
    last = c.channel(1).received;
    await new Promise((r) => setTimeout(r, 1500));
  }
  c.detach(1);
  await c.close();
  return opened.session;
}

async function attachOnce(gw: GatewayProcess, session: string, link: Link | null, mode: 'snapshot' | 'replay') {
  const proxy = await shapingProxy(new URL(gw.url), link);
  try {
    const c = await GatewayClient.connect(proxy.url, { token: gw.token, keepData: false });
    const before = proxy.bytesDown();
    const t0 = performance.now();
    let resumeFrom: number | undefined;
    if (mode === 'snapshot') {
      const res = await fetch(`${proxy.url}/api/trpc/terminals.snapshot?input=${encodeURIComponent(JSON.stringify({ sessionId: session }))}`, {
        headers: { authorization: `Bearer ${gw.token}` },
      });
      const body = (await res.json()) as { result: { data: { offset: number; data: string } } };
      resumeFrom = body.result.data.offset;
    }
    const opened = await c.open(1, { session, cols: 120, rows: 40, ...(resumeFrom !== undefined ? { resumeFrom } : {}) });
    const end = opened.offset;
    // The screen is whole once everything up to the session's end at OPEN has arrived.
    const target = mode === 'snapshot' ? end : await ringEnd(gw, session);
    await c.until(() => c.channel(1).received >= target, 120_000, 'attach');
    const ms = performance.now() - t0;
    const bytes = proxy.bytesDown() - before;
    c.detach(1);
    await c.close();
    return { ms, bytes };
  } finally {
    proxy.close();
  }
}

/** The session's current end offset, read through a snapshot on the unshaped path. */
async function ringEnd(gw: GatewayProcess, session: string): Promise<number> {
  const res = await fetch(`${gw.url}/api/trpc/terminals.snapshot?input=${encodeURIComponent(JSON.stringify({ sessionId: session }))}`, {
    headers: { authorization: `Bearer ${gw.token}` },
  });
  return ((await res.json()) as { result: { data: { offset: number } } }).result.data.offset;
}

export async function attachFigures(gw: GatewayProcess, opts: { quick: boolean }) {
  const session = await busySession(gw);
  const rounds = opts.quick ? 1 : 3;
  const run = async (link: Link | null, mode: 'snapshot' | 'replay') => {
    const xs = [];
    for (let i = 0; i < rounds; i++) xs.push(await attachOnce(gw, session, link, mode));
    return { ms: median(xs.map((x) => x.ms)), bytes: median(xs.map((x) => x.bytes)) };
  };
  return {
    slow: { snapshot: await run(SLOW_LINK, 'snapshot'), replay: await run(SLOW_LINK, 'replay') },
    local: { snapshot: await run(null, 'snapshot'), replay: await run(null, 'replay') },
  };
}
