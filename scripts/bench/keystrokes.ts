/** Keystrokes timed through a gateway client (bench:load and its typist). */
import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayClient } from '../../server/testing/ws-client';

/** One keystroke's round trip on `channel`: until any output follows it (readline echoes the char). */
async function echoOnce(c: GatewayClient, channel: number, key: string): Promise<number> {
  const ch = c.channel(channel);
  const before = ch.received;
  const t0 = performance.now();
  c.input(channel, key);
  await c.until(() => ch.received > before || c.closeInfo !== null, 10_000, 'echo');
  return performance.now() - t0;
}

/** Type `rounds` keys back to back, clearing the line (Ctrl-U, untimed) every 100 keys. */
export async function echoSeries(c: GatewayClient, channel: number, rounds: number, shouldStop: () => boolean = () => false, gapMs = 0): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < rounds && !shouldStop(); i++) {
    if (i > 0 && i % 100 === 0) {
      c.input(channel, '\x15');
      await sleep(50);
    }
    samples.push(await echoOnce(c, channel, String.fromCharCode(97 + (i % 26))));
    if (gapMs) await sleep(gapMs);
  }
  c.input(channel, '\x15');
  await sleep(50);
  return samples;
}

/** Wait until `channel` has been quiet for `quietMs` (a shell finished printing its prompt). */
export async function settle(c: GatewayClient, channel: number, quietMs = 300): Promise<void> {
  let last = -1;
  while (c.channel(channel).received !== last) {
    last = c.channel(channel).received;
    await sleep(quietMs);
  }
}
