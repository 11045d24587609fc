/**
 * A person typing in another browser while the load runs (bench:load): its own process, so its
 * echo is timed by an event loop that is not also receiving the load's 500 terminals (the load's
 * client process stalls for up to ~200 ms at a time, which timed the harness, not Tether).
 *
 * argv: <gateway url> <token> <workspace> (its own gateway socket), or `--ttyd <port>` (its own
 * connection to a ttyd started with `-a` and `/bin/sh -c`, for the same load through ttyd); on
 * either, `cat` in raw mode echoes. Prints `ready` once its terminal is settled,
 * types one key every 100 ms from a `go` line on stdin until a `stop` line, then prints the round
 * trips (ms) as one JSON line and exits.
 */
import { createInterface } from 'node:readline';
import { GatewayClient } from '../../server/testing/ws-client';
import { echoSeries, gatewayTerminal, settle, type TimedTerminal } from './keystrokes';
import { TtydClient } from './ttyd-client';

/** What echoes the keys, through Tether and through ttyd alike: the relay is what is timed. */
const ECHO_PROGRAM = 'stty raw -echo && printf ready && exec cat';

/** The typist's terminal, and how it ends before the samples are out. */
interface Typing {
  terminal: TimedTerminal;
  end(): Promise<void>;
}

async function onGateway(url: string, token: string, workspace: string): Promise<Typing> {
  const c = await GatewayClient.connect(url, { token, keepData: false });
  await c.open(1, { workspace, cols: 200, rows: 50, command: ECHO_PROGRAM });
  await c.until(() => c.channel(1).received > 0 || c.closeInfo !== null, 10_000, 'cat ready');
  return {
    terminal: gatewayTerminal(c, 1),
    // Its shell ends, and is forgotten (a KILL after the exit), so the load's count of sessions
    // left is exact.
    async end() {
      c.kill(1);
      await c.until(() => c.channel(1).exit !== undefined || c.closeInfo !== null, 10_000, 'exit');
      c.kill(1);
      await c.close();
    },
  };
}

async function onTtyd(port: number): Promise<Typing> {
  const t = await TtydClient.connect(port, { args: [ECHO_PROGRAM], columns: 200, rows: 50 });
  await t.until(() => t.received > 0 || t.closeInfo !== null, 10_000, 'cat ready');
  // ttyd hangs up its `cat` when the socket closes.
  return { terminal: t, end: () => t.close() };
}

const args = process.argv.slice(2);
const typing = args[0] === '--ttyd' ? await onTtyd(Number(args[1])) : await onGateway(...(args as [string, string, string]));
await settle(typing.terminal);
const lines = createInterface({ input: process.stdin });
let state = 'waiting' as 'waiting' | 'typing' | 'stopped';
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
const samples = await echoSeries(typing.terminal, Number.POSITIVE_INFINITY, () => state !== 'typing', 100);
await typing.end();
console.log(JSON.stringify(samples));
lines.close();
