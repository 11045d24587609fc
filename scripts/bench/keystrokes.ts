/** Keystrokes timed through a terminal (bench:load and its typist): a gateway channel or a ttyd socket. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayClient } from '../../server/testing/ws-client';

/** What the timing needs of a terminal; a TtydClient is one as it is. */
export interface TimedTerminal {
  /** Output bytes received so far. */
  readonly received: number;
  /** Set once its socket has closed. */
  readonly closeInfo: unknown;
  input(data: string): void;
  /** Resolve when `pred` holds (re-checked as frames arrive). */
  until(pred: () => boolean, timeoutMs: number, what: string): Promise<void>;
}

/** Channel `channel` of a gateway socket, as a TimedTerminal. */
export function gatewayTerminal(c: GatewayClient, channel: number): TimedTerminal {
  const ch = c.channel(channel);
  return {
    get received() {
      return ch.received;
    },
    get closeInfo() {
      return c.closeInfo;
    },
    input: (data) => c.input(channel, data),
    until: (pred, timeoutMs, what) => c.until(pred, timeoutMs, what),
  };
}

/** One keystroke's round trip: until any output follows it (readline, or `cat` in raw mode, echoes the char). */
async function echoOnce(t: TimedTerminal, key: string): Promise<number> {
  const before = t.received;
  const t0 = performance.now();
  t.input(key);
  await t.until(() => t.received > before || t.closeInfo !== null, 10_000, 'echo');
  return performance.now() - t0;
}

/** Type `rounds` keys back to back, clearing the line (Ctrl-U, untimed) every 100 keys. */
export async function echoSeries(t: TimedTerminal, rounds: number, shouldStop: () => boolean = () => false, gapMs = 0): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < rounds && !shouldStop(); i++) {
    if (i > 0 && i % 100 === 0) {
      t.input('\x15');
      await sleep(50);
    }
    samples.push(await echoOnce(t, String.fromCharCode(97 + (i % 26))));
    if (gapMs) await sleep(gapMs);
  }
  t.input('\x15');
  await sleep(50);
  return samples;
}

/** Wait until the terminal has been quiet for `quietMs` (a shell finished printing its prompt). */
export async function settle(t: Pick<TimedTerminal, 'received'>, quietMs = 300): Promise<void> {
  let last = -1;
  while (t.received !== last) {
    last = t.received;
    await sleep(quietMs);
  }
}
