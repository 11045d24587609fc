import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  decodeClientFrame,
  encodeError,
  encodeEvent,
  encodeExit,
  encodeHelloAck,
  encodeOpened,
  encodeOutput,
  encodePong,
  type ClientFrame,
} from './frame';
import { ProtocolClient, type ChannelHandlers, type ProtocolChannel } from './client';
import { ACK_EVERY_BYTES, TRAILING_ACK_MS } from './offsets';

/** A transport that records what the client sent, decoded. */
function wire(up = true) {
  const sent: ClientFrame[] = [];
  return {
    sent,
    up,
    transport: {
      send(frame: Uint8Array): boolean {
        const r = decodeClientFrame(frame);
        if (!r.ok) throw new Error(`client sent a bad frame: ${r.error.message}`);
        sent.push(r.frame);
        return true;
      },
    },
    of<T extends ClientFrame['type']>(type: T): Extract<ClientFrame, { type: T }>[] {
      return sent.filter((f): f is Extract<ClientFrame, { type: T }> => f.type === type);
    },
  };
}

const bytes = (...xs: number[]) => new Uint8Array(xs);
const opened = (session: string, offset: number, snapshot = false) => ({ session, offset, snapshot, cols: 80, rows: 24 });

/** A channel that records what it is handed; `acks` by hand for the 'processed' policy. */
function recorder() {
  const got: { opened: [string, number, number][]; output: number[][]; starts: number[]; duplicate: number; gaps: number; exits: number; errors: string[]; events: string[] } =
    { opened: [], output: [], starts: [], duplicate: 0, gaps: 0, exits: 0, errors: [], events: [] };
  const done: (() => void)[] = [];
  const handlers: ChannelHandlers = {
    opened: (o, skipped) => got.opened.push([o.session, o.offset, skipped]),
    output: (data, info) => {
      got.output.push([...data]);
      got.starts.push(info.start);
      got.duplicate += info.duplicate;
      if (info.gap > 0) got.gaps++;
      done.push(() => info.processed(info.start + data.byteLength));
    },
    exit: () => got.exits++,
    error: (e) => got.errors.push(e.code),
    event: (e) => got.events.push(e.type),
  };
  return { got, handlers, processAll: () => done.splice(0).forEach((f) => f()) };
}

describe('ProtocolClient', () => {
  it('says HELLO, keeps the limits of HELLO_ACK and reports connection frames', () => {
    const w = wire();
    const c = new ProtocolClient();
    expect(c.hello(w.transport)).toBe(true);
    expect(w.sent).toEqual([{ type: 'hello', channel: 0, hello: { v: 1 } }]);
    const r = c.receive(encodeHelloAck({ v: 1, user: { id: 'u', name: 'u' }, limits: { maxFrameBytes: 1 << 20, highWater: 4096, lowWater: 1024 } }));
    expect(r.kind).toBe('connection');
    expect(c.limits?.highWater).toBe(4096);
    expect(c.receive(encodePong(bytes(1))).kind).toBe('connection');
    expect(c.receive(encodeError(0, { code: 'internal', message: 'x' }))).toMatchObject({ kind: 'connection', frame: { type: 'error' } });
    expect(c.receive(bytes(0x83)).kind).toBe('undecodable');
  });

  it('numbers channels without reuse and routes each frame to its channel', () => {
    const w = wire();
    const c = new ProtocolClient();
    c.transport = w.transport;
    const a = recorder();
    const b = recorder();
    const cha = c.channel(a.handlers);
    const chb = c.channel(b.handlers);
    cha.open(c.allocate(), { workspace: 'w', cols: 80, rows: 24 });
    chb.open(c.allocate(), { workspace: 'w', cols: 80, rows: 24 });
    expect(w.of('open').map((f) => f.channel)).toEqual([1, 2]);
    c.receive(encodeOpened(2, opened('sb', 0)));
    c.receive(encodeOpened(1, opened('sa', 0)));
    c.receive(encodeOutput(1, 0, bytes(1, 2)));
    c.receive(encodeOutput(2, 0, bytes(9)));
    c.receive(encodeEvent(2, { type: 'bell' }));
    c.receive(encodeExit(1, { code: 0, signal: null }));
    c.receive(encodeError(2, { code: 'runtime', message: 'x' }));
    expect(a.got).toMatchObject({ opened: [['sa', 0, 0]], output: [[1, 2]], exits: 1, events: [], errors: [] });
    expect(b.got).toMatchObject({ opened: [['sb', 0, 0]], output: [[9]], exits: 0, events: ['bell'], errors: ['runtime'] });
    expect([cha.session, chb.session]).toEqual(['sa', 'sb']);
    // A channel that no longer answers to its number gets nothing more; the frame is dropped.
    cha.unbind();
    expect(c.receive(encodeOutput(1, 2, bytes(3))).kind).toBe('dropped');
    expect(a.got.output).toHaveLength(1);
    expect(cha.input('x')).toBe(false);
  });

  it('hands frames for unknown numbers to `unknownChannel` (a client that numbers channels itself)', () => {
    const made: ProtocolChannel[] = [];
    const r = recorder();
    const c: ProtocolClient = new ProtocolClient({
      unknownChannel: (n): ProtocolChannel => {
        const ch = c.channel(r.handlers, { number: n });
        made.push(ch);
        return ch;
      },
    });
    expect(c.receive(encodeError(7, { code: 'unknown_channel', message: 'x' })).kind).toBe('channel');
    expect(c.receive(encodeError(7, { code: 'unknown_channel', message: 'y' })).kind).toBe('channel');
    expect(made.map((m) => m.number)).toEqual([7]);
    expect(r.got.errors).toEqual(['unknown_channel', 'unknown_channel']);
  });

  it('re-opens after a reconnect with resumeFrom = received, on a new number, and delivers each byte once', () => {
    const w1 = wire();
    const c = new ProtocolClient();
    c.transport = w1.transport;
    const r = recorder();
    const ch = c.channel(r.handlers);
    ch.open(c.allocate(), { workspace: 'w', cols: 80, rows: 24 });
    c.receive(encodeOpened(1, opened('s1', 0)));
    c.receive(encodeOutput(1, 0, bytes(0, 1, 2, 3)));
    expect(ch.received).toBe(4);

    c.connectionLost();
    expect(ch.number).toBeNull();
    expect(ch.input('lost')).toBe(false);
    const w2 = wire();
    c.transport = w2.transport;
    ch.resume(c.allocate(), { cols: 100, rows: 30 });
    expect(w2.of('open')).toEqual([{ type: 'open', channel: 2, open: { session: 's1', cols: 100, rows: 30, resumeFrom: 4 } }]);
    // Frames of the old number are stragglers now.
    expect(c.receive(encodeOutput(1, 4, bytes(4))).kind).toBe('dropped');
    c.receive(encodeOpened(2, opened('s1', 4)));
    // The server repeats bytes 2..5: only 4 and 5 are new.
    c.receive(encodeOutput(2, 2, bytes(2, 3, 4, 5)));
    c.receive(encodeOutput(2, 0, bytes(0, 1)));
    c.receive(encodeOutput(2, 6, bytes(6)));
    expect(r.got.output.flat()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(r.got.duplicate).toBe(4);
    expect(r.got.gaps).toBe(0);
    expect(ch.received).toBe(7);
    // A gap is passed on (the terminal stays live) and reported.
    c.receive(encodeOutput(2, 10, bytes(10)));
    expect(r.got.gaps).toBe(1);
    expect(ch.received).toBe(11);
  });

  it('resumes from a known offset; a resume the server starts later is reported, a snapshot restarts', () => {
    const w = wire();
    const c = new ProtocolClient();
    c.transport = w.transport;
    const r = recorder();
    const ch = c.channel(r.handlers, { session: 's', resumeFrom: 100 });
    ch.resume(c.allocate(), { cols: 80, rows: 24 });
    expect(w.of('open')[0]!.open).toMatchObject({ session: 's', resumeFrom: 100 });
    c.receive(encodeOpened(1, opened('s', 120)));
    expect(r.got.opened).toEqual([['s', 120, 20]]);
    expect(ch.received).toBe(120);
    // A snapshot (a viewer caught up) may come again on an open channel: the stream restarts there.
    c.receive(encodeOpened(1, opened('s', 50, true)));
    expect(ch.received).toBe(50);
    c.receive(encodeOutput(1, 50, bytes(5)));
    expect(r.got.output).toEqual([[5]]);
  });

  it('an OPEN that does not resume takes the stream from wherever OPENED starts it', () => {
    const w = wire();
    const c = new ProtocolClient();
    c.transport = w.transport;
    const ch = c.channel(recorder().handlers, { number: 3 });
    c.receive(encodeOutput(3, 0, bytes(1, 2, 3)));
    ch.open(3, { session: 'other', cols: 80, rows: 24 });
    c.receive(encodeOpened(3, opened('other', 0)));
    expect(ch.received).toBe(0);
  });
});

describe('ACK cadence', () => {
  it("'receive': acks each frame at once with the received offset, not while held, then catches up", () => {
    const w = wire();
    const c = new ProtocolClient({ ack: { on: 'receive' } });
    c.transport = w.transport;
    const ch = c.channel(recorder().handlers);
    ch.open(c.allocate(), { session: 's', cols: 80, rows: 24 });
    c.receive(encodeOpened(1, opened('s', 1000)));
    c.receive(encodeOutput(1, 1000, bytes(1, 2)));
    c.receive(encodeOutput(1, 1002, new Uint8Array(ACK_EVERY_BYTES + 5)));
    expect(w.of('ack').map((f) => f.processed)).toEqual([1002, 1002 + ACK_EVERY_BYTES + 5]);
    // Duplicates are not acked again.
    c.receive(encodeOutput(1, 1000, bytes(1)));
    expect(w.of('ack')).toHaveLength(2);
    ch.holdAcks = true;
    const end = 1002 + ACK_EVERY_BYTES + 5;
    c.receive(encodeOutput(1, end, bytes(1)));
    c.receive(encodeOutput(1, end + 1, bytes(1)));
    expect(w.of('ack')).toHaveLength(2);
    ch.holdAcks = false;
    expect(ch.flushAck()).toBe(true);
    expect(ch.flushAck()).toBe(false);
    expect(w.of('ack').at(-1)!.processed).toBe(end + 2);
    expect(ch.acked).toBe(end + 2);
  });

  describe("'processed'", () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    function processedClient(highWater?: number) {
      const w = wire();
      const c = new ProtocolClient({ ack: { on: 'processed', every: ACK_EVERY_BYTES, trailingMs: TRAILING_ACK_MS } });
      c.transport = w.transport;
      if (highWater) c.receive(encodeHelloAck({ v: 1, user: { id: 'u', name: 'u' }, limits: { maxFrameBytes: 1 << 20, highWater, lowWater: 0 } }));
      const r = recorder();
      const ch = c.channel(r.handlers);
      return { w, c, r, ch };
    }

    it('acks processed bytes every batch and once more shortly after output stops', () => {
      const { w, c, r, ch } = processedClient();
      ch.open(c.allocate(), { workspace: 'w', cols: 80, rows: 24 }, c.ackEvery());
      c.receive(encodeOpened(1, opened('s', 0)));
      c.receive(encodeOutput(1, 0, new Uint8Array(40_000)));
      c.receive(encodeOutput(1, 40_000, new Uint8Array(40_000)));
      expect(w.of('ack')).toHaveLength(0); // received, not processed yet
      r.processAll();
      expect(w.of('ack').map((f) => f.processed)).toEqual([80_000]);
      c.receive(encodeOutput(1, 80_000, new Uint8Array(10)));
      r.processAll();
      expect(w.of('ack')).toHaveLength(1);
      vi.advanceTimersByTime(TRAILING_ACK_MS);
      expect(w.of('ack').map((f) => f.processed)).toEqual([80_000, 80_010]);
      vi.advanceTimersByTime(TRAILING_ACK_MS * 10);
      expect(w.of('ack')).toHaveLength(2);
    });

    it("batches at a quarter of the server's high-water mark when that is smaller", () => {
      const { w, c, r, ch } = processedClient(4096);
      expect(c.ackEvery()).toBe(1024);
      ch.open(c.allocate(), { workspace: 'w', cols: 80, rows: 24 }, c.ackEvery());
      c.receive(encodeOpened(1, opened('s', 0)));
      c.receive(encodeOutput(1, 0, new Uint8Array(1024)));
      r.processAll();
      expect(w.of('ack').map((f) => f.processed)).toEqual([1024]);
    });

    it('ignores processed reports from before a reconnect', () => {
      const { w, c, r, ch } = processedClient();
      ch.open(c.allocate(), { workspace: 'w', cols: 80, rows: 24 });
      c.receive(encodeOpened(1, opened('s', 0)));
      c.receive(encodeOutput(1, 0, new Uint8Array(ACK_EVERY_BYTES)));
      c.connectionLost();
      c.transport = w.transport;
      ch.resume(c.allocate(), { cols: 80, rows: 24 });
      r.processAll(); // xterm finishing the old attachment's write
      vi.advanceTimersByTime(TRAILING_ACK_MS);
      expect(w.of('ack')).toHaveLength(0);
      c.receive(encodeOpened(2, opened('s', ACK_EVERY_BYTES)));
      c.receive(encodeOutput(2, ACK_EVERY_BYTES, new Uint8Array(5)));
      r.processAll();
      vi.advanceTimersByTime(TRAILING_ACK_MS);
      expect(w.of('ack')).toEqual([{ type: 'ack', channel: 2, processed: ACK_EVERY_BYTES + 5 }]);
    });
  });
});
