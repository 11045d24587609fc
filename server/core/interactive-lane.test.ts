/**
 * Many terminals share one socket — a browser tab, or the pty host's one link carrying every
 * local terminal. A keystroke's echo must not queue behind the others' output there, and a turn's
 * frames must leave in one write rather than one syscall (and one wake-up of the reader) each.
 */
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RecordReader, encodeInput, encodeRecord } from '../../lib/protocol';
import { DEFAULT_LIMITS } from '../config';
import { FramedStream } from '../runtimes/agent/framed-stream';
import type { EchoPty } from '../runtimes/echo/echo-runtime';
import { TestSocket, echoChannels } from '../testing/test-socket';
import { INTERACTIVE_BYTES } from './channel';

const turn = () => new Promise((r) => setImmediate(r));
const limits = { ...DEFAULT_LIMITS, socketHighWater: 64 * 1024 };
/** Past the socket's background flush (output nobody typed for: see background-output.test.ts). */
const backgroundFlush = () => new Promise((r) => setTimeout(r, DEFAULT_LIMITS.backgroundFlushMs + 5));

const connectionWith = (n: number) => echoChannels(n, limits, new TestSocket({ stuck: true }));

describe('the interactive lane', () => {
  it('lets an echo through a socket over its high-water mark; output nobody typed for waits', async () => {
    const { ws, ptys } = await connectionWith(3);
    const [flood, , quiet] = ptys as [EchoPty, EchoPty, EchoPty];
    flood.emit(new Uint8Array(128 * 1024).fill(0x61));
    await turn();
    expect(ws.outputs.map((o) => o.channel)).toEqual([1]); // now 128 KiB sit unwritten: over the mark

    flood.emit(new Uint8Array(1024).fill(0x62));
    quiet.emit('not typed for');
    ws.receive(encodeInput(2, 'k')); // the echo pty answers at once
    await turn();
    await turn();
    expect(ws.outputs.map((o) => [o.channel, o.bytes])).toEqual([
      [1, 128 * 1024],
      [2, 1],
    ]);
  });

  it('puts a typed channel first in its turn, and leaves the lane once much is waiting', async () => {
    const { ws, ptys } = await connectionWith(2);
    const [other, typed] = ptys as [EchoPty, EchoPty];
    other.emit('x'.repeat(100)); // nobody typed there: it waits for the background flush
    ws.receive(encodeInput(2, 'k'));
    await turn();
    expect(ws.outputs.map((o) => o.channel)).toEqual([2]); // the echo went at once
    await backgroundFlush();
    expect(ws.outputs.map((o) => o.channel)).toEqual([2, 1]);
    // Blocked socket, then more than the lane carries: it waits like the rest.
    other.emit(new Uint8Array(128 * 1024));
    await turn();
    typed.emit(new Uint8Array(INTERACTIVE_BYTES + 1));
    await turn();
    expect(ws.outputs.filter((o) => o.channel === 2)).toHaveLength(1);
  });

  it("sends a keystroke's echo at once, not after the turn's other reads; what follows it waits for the turn's pump", async () => {
    const { ws, ptys } = await connectionWith(2);
    const [other, typed] = ptys as [EchoPty, EchoPty];
    other.emit('x'.repeat(100));
    ws.receive(encodeInput(2, 'k')); // the echo pty answers at once
    expect(ws.outputs.map((o) => [o.channel, o.bytes])).toEqual([[2, 1]]);
    typed.emit('more output'); // not an echo: it goes with the turn
    expect(ws.outputs).toHaveLength(1);
    await turn();
    expect(ws.outputs.map((o) => [o.channel, o.bytes])).toEqual([
      [2, 1],
      [2, 11],
      [1, 100],
    ]);
    // Output nobody typed for in the last second never leaves at once.
    other.emit('y');
    expect(ws.outputs).toHaveLength(3);
  });

  it("writes a turn's frames of every channel inside one cork", async () => {
    const { ws, ptys } = await connectionWith(5);
    const corks = ws.corks;
    for (const p of ptys) p.emit('line\r\n');
    await backgroundFlush();
    expect(ws.outputs).toHaveLength(5);
    expect(ws.outputs.every((o) => o.corked)).toBe(true);
    expect(ws.corks - corks).toBe(1);
  });
});

describe('FramedStream', () => {
  it('sends the frames of one turn in one write, in order', async () => {
    const writes: Buffer[][] = [];
    const stream = new Duplex({
      read() {},
      writev(chunks, cb) {
        writes.push(chunks.map((c) => c.chunk as Buffer));
        cb();
      },
      write(chunk, _enc, cb) {
        writes.push([chunk as Buffer]);
        cb();
      },
    });
    const link = new FramedStream(stream);
    for (let i = 0; i < 20; i++) link.send(new Uint8Array([i + 1]));
    expect(writes).toHaveLength(0); // held until the turn ends
    await turn();
    expect(writes).toHaveLength(1);
    const records = new RecordReader().push(Buffer.concat(writes[0]!));
    expect(records.map((r) => r[0])).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // A large frame is written after its prefix, not copied behind it: still one write, same bytes.
    const big = new Uint8Array(64 * 1024).fill(7);
    link.send(new Uint8Array([98]));
    link.send(big);
    link.send(new Uint8Array([99]));
    await turn();
    expect(writes).toHaveLength(2);
    expect(writes[1]!.some((c) => c.buffer === big.buffer)).toBe(true);
    expect(new RecordReader().push(Buffer.concat(writes[1]!)).map((r) => r.byteLength)).toEqual([1, big.byteLength, 1]);
    // Under a caller's cork (a Connection's turn of pumps) they leave at its uncork, not a turn later.
    link.cork();
    link.send(new Uint8Array([1]));
    link.send(new Uint8Array([2]));
    link.uncork();
    expect(writes).toHaveLength(3);
  });

  it('takes in a slice of what has arrived per event-loop turn, the rest in later turns, in order', async () => {
    const stream = new Duplex({ read() {}, write: (_c, _e, cb) => cb() });
    const link = new FramedStream(stream);
    const got: number[] = [];
    link.on('message', (m) => got.push(m[0]!));
    // A backlog of 8 frames of 100 KiB arrives at once (a gateway that fell behind its pty host).
    for (let i = 0; i < 8; i++) stream.push(encodeRecord(new Uint8Array(100 * 1024).fill(i)));
    await new Promise((r) => process.nextTick(r));
    // 300 KiB in this turn (the one that reached 256 KiB is still taken in), then it waits.
    expect(got).toEqual([0, 1, 2]);
    await turn();
    await new Promise((r) => process.nextTick(r));
    expect(got).toEqual([0, 1, 2, 3, 4, 5]);
    await turn();
    await turn();
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // Nothing is held back once the backlog is gone: a small frame arrives at once.
    stream.push(encodeRecord(new Uint8Array([9])));
    await new Promise((r) => process.nextTick(r));
    expect(got.at(-1)).toBe(9);
  });

  it('hands on small frames for a few milliseconds per turn, the rest in later turns, in order, and all before the end', async () => {
    const stream = new Duplex({ read() {}, write: (_c, _e, cb) => cb() });
    const link = new FramedStream(stream);
    const got: number[] = [];
    const perTurn: number[] = [];
    let inTurn = 0;
    link.on('message', (m) => {
      got.push(m.readUInt16BE(0));
      inTurn++;
      const until = performance.now() + 1; // each costs a millisecond to handle (a give-back)
      while (performance.now() < until);
    });
    link.on('close', () => got.push(-1));
    // 40 notices of a few bytes arrive in one read (40 terminals ending together).
    const frames = Array.from({ length: 40 }, (_, i) => encodeRecord(Uint8Array.from([i >> 8, i & 255])));
    stream.push(Buffer.concat(frames));
    while (got.length < 20) {
      await turn();
      perTurn.push(inTurn);
      inTurn = 0;
    }
    // Each turn handed on a few (~4 ms of them), never the whole read at once.
    expect(perTurn.every((n) => n >= 1 && n <= 8)).toBe(true);
    expect(perTurn.length).toBeGreaterThan(2);
    // The stream ends with some still waiting: they are handed on before the close, in order.
    stream.push(null);
    stream.emit('close');
    expect(got).toEqual([...Array.from({ length: 40 }, (_, i) => i), -1]);
  });
});
