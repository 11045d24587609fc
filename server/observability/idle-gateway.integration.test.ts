/**
 * An idle gateway (as `npm start` runs it, no terminal open) sleeps: its event loop wakes only for
 * its few periodic jobs. prom-client's event-loop lag sampler woke it every 10 ms (~100 times a
 * second, ~1% of a core on a laptop doing nothing); see EVENT_LOOP_SAMPLE_MS.
 */
import { readFileSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../../scripts/bench/gateway-process';
import { EVENT_LOOP_SAMPLE_MS } from './metrics';

let gw: GatewayProcess | undefined;
afterAll(async () => {
  await gw?.stop();
});

/** Times the main thread went to sleep and was woken (voluntary context switches). */
function wakeups(pid: number): number {
  return Number(/^voluntary_ctxt_switches:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8'))![1]);
}

it.runIf(process.platform === 'linux')('an idle gateway wakes at most a few dozen times a second', async () => {
  gw = await startGatewayProcess();
  await new Promise((r) => setTimeout(r, 1000));
  const before = wakeups(gw.pid);
  const seconds = 3;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const perSecond = (wakeups(gw.pid) - before) / seconds;
  console.log(`idle gateway: ${perSecond.toFixed(0)} wake-ups a second`);
  // The lag sampler alone is 1000 / EVENT_LOOP_SAMPLE_MS; the rest is timers of seconds.
  expect(perSecond).toBeLessThan(2 * (1000 / EVENT_LOOP_SAMPLE_MS) + 10);
});
