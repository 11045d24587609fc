/** The event loop's lag as /metrics reports it: the lag alone (not the sampling interval), and a
 * blocked loop shows. */
import { expect, it } from 'vitest';
import { EVENT_LOOP_SAMPLE_MS, Metrics } from './metrics';

const sources = {
  sessions: () => ({ running: 0, total: 0 }),
  sshPool: () => ({ connections: 0, healthy: 0, channels: 0, hosts: 0 }),
  cloudPool: async () => ({ warm: 0, starting: 0, assigned: 0 }),
  sockets: () => 0,
  guestsOnline: () => 0,
};

const figure = (text: string, name: string) => Number(new RegExp(`^tether_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text)?.[1]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('reports the event loop lag without the sampling interval, and a blocked loop as lag', async () => {
  const m = new Metrics(sources);
  await sleep(EVENT_LOOP_SAMPLE_MS * 4);
  const idle = await m.registry.metrics();
  // An idle loop: a timer runs about on time (prom-client's figures said the interval, 10 ms).
  expect(figure(idle, 'min')).toBeLessThan(EVENT_LOOP_SAMPLE_MS / 1000 / 2);
  expect(figure(idle, 'p50')).toBeLessThan((EVENT_LOOP_SAMPLE_MS / 1000) * 0.9);
  // Block the loop for 500 ms: that scrape's max says so. (Not right after a scrape: after a
  // reset, Node's histogram takes its first sample as the start of the next interval.)
  await sleep(EVENT_LOOP_SAMPLE_MS * 1.5);
  const until = Date.now() + 500;
  while (Date.now() < until);
  await sleep(EVENT_LOOP_SAMPLE_MS * 2);
  const blocked = await m.registry.metrics();
  expect(figure(blocked, 'max')).toBeGreaterThan(0.35);
  // Each scrape covers the samples since the one before.
  await sleep(EVENT_LOOP_SAMPLE_MS * 3);
  expect(figure(await m.registry.metrics(), 'max')).toBeLessThan(0.35);
});
