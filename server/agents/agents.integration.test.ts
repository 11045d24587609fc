/**
 * The agents API against the real gateway and real shells: statuses derived from real programs
 * (printing, asking, ringing, notifying, exiting), the change stream, and snapshot attach
 * (`terminals.snapshot` + OPEN with `resumeFrom`) against replaying the ring.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trpcCall } from '../testing/trpc-call';
import { readSubscription } from '../testing/trpc-subscription';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';
import { GatewayClient } from '../testing/ws-client';
import type { AgentRow } from './agents-service';

let gw: TestGateway;
let workspaceId: string;

beforeAll(async () => {
  gw = await startTestGateway();
  workspaceId = (await gw.tether.workspaces.create(gw.adminId, 'agents')).id;
});
afterAll(async () => {
  await gw?.dispose();
});

async function start(command: string, name = ''): Promise<string> {
  const r = await trpcCall<{ sessionId: string }>(gw.url, 'agents.start', { token: gw.token, mutation: true, input: { workspaceId, command, name } });
  expect(r.error).toBeUndefined();
  return r.data!.sessionId;
}

async function row(sessionId: string): Promise<AgentRow | undefined> {
  const r = await trpcCall<AgentRow[]>(gw.url, 'agents.list', { token: gw.token });
  return r.data!.find((a) => a.sessionId === sessionId);
}

const poll = (sessionId: string, pred: (r: AgentRow) => boolean, timeout = 15_000) =>
  expect.poll(async () => {
    const r = await row(sessionId);
    return r && pred(r) ? 'ok' : JSON.stringify(r && { status: r.status, lines: r.lines, attention: r.attention });
  }, { timeout, interval: 250 }).toBe('ok');

describe('agent status from real programs', () => {
  it('is working while a program prints, then idle when it goes quiet at a shell-like line', async () => {
    const id = await start(`bash -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do echo tick $i; sleep 0.2; done; printf "done\\n$ "; sleep 600'`, 'ticker');
    await poll(id, (r) => r.status === 'working' && r.name === 'ticker');
    await poll(id, (r) => r.status === 'idle' && r.lines.at(-1) === '$');
  });

  it('is waiting when the program asks a question, and working again once answered', async () => {
    const id = await start(`bash -c 'printf "Apply these changes? (y/n) "; read x; echo got:$x; for i in $(seq 1 30); do echo more $i; sleep 0.2; done; sleep 600'`);
    await poll(id, (r) => r.status === 'waiting' && r.lines.at(-1) === 'Apply these changes? (y/n)');
    const c = await GatewayClient.connect(gw.url, { token: gw.token });
    await c.open(1, { session: id, cols: 100, rows: 30 });
    c.input(1, 'y\r');
    await poll(id, (r) => r.status === 'working' && r.lines.some((l) => l === 'got:y'));
    await c.close();
  });

  it('is waiting after a bell or an OSC 9 / OSC 777 notification, with what it said', async () => {
    const bell = await start(`bash -c 'echo build finished; printf "\\a"; sleep 600'`);
    const osc9 = await start(`bash -c 'echo thinking; printf "\\033]9;Need your input\\007"; sleep 600'`);
    const osc777 = await start(`bash -c 'echo thinking; printf "\\033]777;notify;Claude;Ready for review\\033\\\\"; sleep 600'`);
    await poll(bell, (r) => r.status === 'waiting' && r.attention?.kind === 'bell');
    await poll(osc9, (r) => r.status === 'waiting' && r.attention?.body === 'Need your input');
    await poll(osc777, (r) => r.status === 'waiting' && r.attention?.title === 'Claude' && r.attention.body === 'Ready for review');
  });

  it('is exited with the code once the program ends', async () => {
    const id = await start(`bash -c 'echo bye; exit 3'`);
    await poll(id, (r) => r.status === 'exited' && r.exit?.code === 3 && r.exitedAt !== null && r.lines.includes('bye'));
  });

  it('streams changes over SSE', async () => {
    const id = await start(`bash -c 'sleep 1; echo now; exit 0'`);
    const seen: string[] = [];
    await readSubscription<AgentRow[]>(gw.url, 'agents.watch', {
      token: gw.token,
      input: undefined,
      until: (rows) => {
        const r = rows.find((x) => x.sessionId === id);
        if (r && seen.at(-1) !== r.status) seen.push(r.status);
        return r?.status === 'exited';
      },
    });
    expect(seen.at(-1)).toBe('exited');
    expect(seen.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses to start in a workspace that is not yours, and a blank command', async () => {
    const r = await trpcCall(gw.url, 'agents.start', { token: gw.token, mutation: true, input: { workspaceId: 'nope', command: 'ls' } });
    expect(r.error?.code).toBe('NOT_FOUND');
    const blank = await trpcCall(gw.url, 'agents.start', { token: gw.token, mutation: true, input: { workspaceId, command: '   ' } });
    expect(blank.error?.code).toBe('BAD_REQUEST');
  });
});

describe('snapshot attach', () => {
  it('sends a few KB instead of the ring, and resuming from its offset continues exactly', async () => {
    const id = await start(`bash -c 'seq 1 100000; printf "\\033[?1049h\\033[2J\\033[5;5Hfull screen app\\033[10;1H> "; sleep 600'`);
    await poll(id, (r) => r.lines.at(-1) === '>');
    const snap = await trpcCall<{ data: string; offset: number; cols: number; rows: number }>(gw.url, 'terminals.snapshot', { token: gw.token, input: { sessionId: id } });
    const { data, offset } = snap.data!;
    const replay = await GatewayClient.connect(gw.url, { token: gw.token });
    await replay.open(1, { session: id, cols: 100, rows: 30 });
    await replay.until(() => replay.channel(1).received >= offset, 10_000, 'replay');
    const replayBytes = replay.channel(1).bytes;
    await replay.close();
    expect(data).toContain('full screen app');
    expect(Buffer.byteLength(data)).toBeLessThan(replayBytes / 20);

    const live = await GatewayClient.connect(gw.url, { token: gw.token });
    const opened = await live.open(1, { session: id, cols: 100, rows: 30, resumeFrom: offset });
    expect(opened).toMatchObject({ offset, snapshot: false });
    live.input(1, 'x');
    await live.until(() => live.text(1).includes('x'), 5000, 'echo');
    expect(live.channel(1).bytes).toBeLessThan(64);
    await live.close();
  });

  it('is refused for a session that is not yours like a missing one', async () => {
    const r = await trpcCall(gw.url, 'terminals.snapshot', { token: gw.token, input: { sessionId: 'AAAAAAAAAAAAAAAAAAAAAA' } });
    expect(r.error?.code).toBe('NOT_FOUND');
  });
});
