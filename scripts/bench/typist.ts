/**
 * A person typing in another browser while the load runs (bench:load): its own process, so its
 * echo is timed by an event loop that is not also receiving the load's 500 terminals (the load's
 * client process stalls for up to ~200 ms at a time, which timed the harness, not Tether).
 *
 * argv: <gateway url> <token> <workspace>. Prints `ready` once its shell is settled, types one
 * key every 100 ms from a `go` line on stdin until a `stop` line, then prints the round trips
 * (ms) as one JSON line and exits.
 */
import { createInterface } from 'node:readline';
import { GatewayClient } from '../../server/testing/ws-client';
import { echoSeries, settle } from './keystrokes';

const [url, token, workspace] = process.argv.slice(2) as [string, string, string];
const c = await GatewayClient.connect(url, { token, keepData: false });
await c.open(1, { workspace, cols: 200, rows: 50, command: 'exec -a tether-load-typist bash --norc --noprofile -i' });
await settle(c, 1);
const lines = createInterface({ input: process.stdin });
let state = 'waiting' as 'waiting' | 'typing' | 'stopped';
const typing = () => state === 'typing';
const go = new Promise<void>((resolve) =>
  lines.on('line', (l) => {
    if (l === 'go') {
      state = 'typing';
      resolve();
    } else if (l === 'stop') state = 'stopped';
  }),
);
console.log('ready');
await go;
const samples = await echoSeries(c, 1, Number.POSITIVE_INFINITY, () => !typing(), 100);
// Its shell ends, and is forgotten (a KILL after the exit), before the samples are out, so the
// load's count of sessions left is exact.
c.kill(1);
await c.until(() => c.channel(1).exit !== undefined || c.closeInfo !== null, 10_000, 'exit');
c.kill(1);
await c.close();
console.log(JSON.stringify(samples));
lines.close();
