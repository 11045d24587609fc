/**
 * Background output — a little output on a terminal nobody typed into lately (a build log, an
 * agent's progress) — waits for its socket's background flush, at most a display frame, and leaves
 * with its siblings' in one write: with hundreds of terminals each printing a line now and then, a
 * socket write (and a wake-up of the reader) per line was the gateway's largest cost. Echoes, a
 * terminal typed into in the last second, and output that piles up are never held.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { encodeInput } from '../../lib/protocol';
import { DEFAULT_LIMITS } from '../config';
import { echoChannels } from '../testing/test-socket';
import { BACKGROUND_BYTES, INTERACTIVE_CHANNELS } from './channel';
import { PUMP_TURN_MS } from './connection';

const turn = () => new Promise((r) => setImmediate(r));
const EVERY = DEFAULT_LIMITS.backgroundFlushMs;

/** `n` channels on echo PTYs that nobody has typed into for a while. */
async function connectionWith(n: number, limits: Parameters<typeof echoChannels>[1] = DEFAULT_LIMITS) {
  const opened = await echoChannels(n, limits);
  vi.advanceTimersByTime(2000);
  return opened;
}

describe('background output', () => {
  // The flush's timer and the clock it reads are faked (not setImmediate, which the pumps use):
  // a loaded machine could otherwise take a display frame between two lines of a test.
  beforeEach(() => void vi.useFakeTimers({ toFake: ['performance', 'setTimeout', 'clearTimeout'] }));
  afterEach(() => void vi.useRealTimers());

  it('is a browser socket default of one display frame', () => {
    expect(EVERY).toBeGreaterThan(0);
    expect(EVERY).toBeLessThanOrEqual(17);
  });

  it("waits for the socket's flush, then leaves with its siblings' in one write", async () => {
    const { ws, ptys } = await connectionWith(3);
    const writes = ws.writes;
    ptys[0]!.emit('line 1\r\n');
    await turn();
    vi.advanceTimersByTime(EVERY / 2);
    ptys[1]!.emit('line 2\r\n');
    ptys[2]!.emit('line 3\r\n');
    await turn();
    expect(ws.outputs).toEqual([]); // held

    vi.advanceTimersByTime(EVERY / 2);
    await turn();
    expect(ws.outputs.map((o) => o.channel)).toEqual([1, 2, 3]);
    expect(ws.writes - writes).toBe(1);
    // Nothing more is held, and nothing is sent again.
    vi.advanceTimersByTime(EVERY * 3);
    await turn();
    expect(ws.outputs).toHaveLength(3);
  });

  it('rides along with a write the socket makes anyway', async () => {
    const { ws, ptys } = await connectionWith(2);
    ptys[0]!.emit('a progress line\r\n');
    await turn();
    expect(ws.outputs).toEqual([]);
    ptys[1]!.emit(new Uint8Array(BACKGROUND_BYTES + 1).fill(0x61)); // much waiting: goes this turn
    await turn();
    expect(ws.outputs.map((o) => o.channel).sort()).toEqual([1, 2]);
    expect(new Set(ws.outputs.map((o) => o.write)).size).toBe(1);
  });

  it('never holds an echo, a terminal typed into in the last second, or output that piles up', async () => {
    const { ws, ptys } = await connectionWith(2);
    ws.receive(encodeInput(1, 'k')); // the echo pty answers at once
    expect(ws.outputs.map((o) => [o.channel, o.bytes])).toEqual([[1, 1]]);
    ptys[0]!.emit('output of the command just typed\r\n');
    await turn();
    expect(ws.outputs.map((o) => o.channel)).toEqual([1, 1]);

    ptys[1]!.emit(new Uint8Array(BACKGROUND_BYTES + 1));
    await turn();
    expect(ws.outputs.map((o) => o.channel)).toEqual([1, 1, 2]);

    // A second after the last key, the typed terminal's output is background again.
    vi.advanceTimersByTime(1000);
    ptys[0]!.emit('later\r\n');
    await turn();
    expect(ws.outputs).toHaveLength(3);
    vi.advanceTimersByTime(EVERY);
    await turn();
    expect(ws.outputs).toHaveLength(4);
  });

  it('sends EXIT after the last held output, at the flush', async () => {
    const { ws, ptys } = await connectionWith(1);
    ptys[0]!.emit('bye\r\n');
    ptys[0]!.exit({ code: 0, signal: null });
    await turn();
    expect(ws.frames).toEqual([]);
    vi.advanceTimersByTime(EVERY);
    await turn();
    expect(ws.frames).toEqual(['output', 'exit']);
  });

  it('is not held on a link without a background flush (an agent link: the browser socket holds it)', async () => {
    const { backgroundFlushMs: _, ...linkLimits } = DEFAULT_LIMITS;
    const { ws, ptys } = await connectionWith(2, linkLimits);
    ptys[0]!.emit('line\r\n');
    ptys[1]!.emit('line\r\n');
    await turn();
    expect(ws.outputs.map((o) => o.channel)).toEqual([1, 2]);
  });

  it('counts only the channels typed into most recently as typed (a script typing into every terminal at once)', async () => {
    const n = INTERACTIVE_CHANNELS + 2;
    const { ws, ptys } = await connectionWith(n);
    for (let i = 1; i <= n; i++) ws.receive(encodeInput(i, 'k')); // each echo leaves at once
    await turn();
    expect(ws.outputs.map((o) => o.channel)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    ws.outputs = [];
    // The first two typed are not typed into lately any more: their lines wait for the flush.
    ptys[0]!.emit('line\r\n');
    ptys[1]!.emit('line\r\n');
    await turn();
    expect(ws.outputs).toEqual([]);
    vi.advanceTimersByTime(EVERY);
    await turn();
    expect(ws.outputs.map((o) => o.channel)).toEqual([1, 2]);
    // The third is: its line leaves at once.
    ws.outputs = [];
    ptys[2]!.emit('line\r\n');
    await turn();
    expect(ws.outputs.map((o) => o.channel)).toEqual([3]);
    // Typed into again, a channel is back.
    ws.receive(encodeInput(1, 'k'));
    await turn();
    ws.outputs = [];
    ptys[0]!.emit('line\r\n');
    await turn();
    expect(ws.outputs.map((o) => o.channel)).toEqual([1]);
  });
});

describe("many sockets' flushes in one turn", () => {
  // Only the flushes' timers are faked: a write below takes real time, which the turn counts.
  beforeEach(() => void vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
  afterEach(() => void vi.useRealTimers());

  it('take about PUMP_TURN_MS of the event loop together; the rest wait for the next turn, in order, and an echo waits for none of it', async () => {
    const sockets = [];
    for (let i = 0; i < 6; i++) sockets.push(await echoChannels(2, DEFAULT_LIMITS));
    const order: number[] = [];
    sockets.forEach(({ ws }, i) => {
      const send = ws.send.bind(ws);
      ws.send = (data, opts, cb) => {
        // Each socket's write takes half the turn.
        for (const until = performance.now() + PUMP_TURN_MS / 2; performance.now() < until; );
        send(data, opts, cb);
        if (ws.outputs.at(-1)?.channel === 1) order.push(i); // a flush (channel 2 is the echo below)
      };
    });
    for (const { ptys } of sockets) ptys[0]!.emit('a line nobody typed for\r\n');
    vi.advanceTimersByTime(EVERY); // every socket's flush is due in this timers phase
    const first = order.length;
    expect(first).toBeGreaterThanOrEqual(1);
    expect(first).toBeLessThanOrEqual(2); // the turn is spent

    // A keystroke meanwhile: its echo leaves at once, ahead of the flushes still waiting.
    const typed = sockets[5]!;
    typed.ws.receive(encodeInput(2, 'k'));
    expect(typed.ws.outputs.map((o) => o.channel)).toEqual([2]);

    for (let turns = 0; order.length < 6 && turns < 20; turns++) await turn();
    expect(order).toEqual([0, 1, 2, 3, 4, 5]); // every socket once, in order
    expect(typed.ws.outputs.map((o) => o.channel)).toEqual([2, 1]);
  });
});
