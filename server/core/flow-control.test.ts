/** Flow control between a session, its viewers and a socket, with the echo runtime as the PTY. */
import { describe, expect, it, vi } from 'vitest';
import type { ExitInfo, Opened } from '../../lib/protocol';
import { EchoPty } from '../runtimes/echo/echo-runtime';
import { Channel, type ChannelSink } from './channel';
import { replayStart } from './connection';
import { ReplayRing } from './replay-ring';
import { TerminalSession } from './session';

const HIGH = 1000;
const LOW = 200;

class FakeSink implements ChannelSink {
  writable = true;
  sent: { channel: number; offset: number; bytes: number }[] = [];
  exits: { channel: number; exit: ExitInfo }[] = [];
  opened: { channel: number; opened: Opened }[] = [];
  pending = new Set<Channel>();
  sendOpened(channel: number, opened: Opened) {
    this.opened.push({ channel, opened });
  }
  sendOutput(channel: number, offset: number, data: readonly Uint8Array[]) {
    this.sent.push({ channel, offset, bytes: data.reduce((n, d) => n + d.byteLength, 0) });
  }
  sendExit(channel: number, exit: ExitInfo) {
    this.exits.push({ channel, exit });
  }
  sendEvent() {}
  schedulePump(c: Channel) {
    this.pending.add(c);
  }
  pumpNow(c: Channel) {
    this.pending.delete(c);
    if (c.pump(4096)) this.pending.add(c);
  }
  channelClosed() {}
  /** Run scheduled pumps until quiet. */
  drain() {
    while (this.pending.size > 0) {
      const cs = [...this.pending];
      this.pending.clear();
      for (const c of cs) if (c.pump(4096)) this.pending.add(c);
    }
  }
  bytesFor(channel: number) {
    return this.sent.filter((s) => s.channel === channel).reduce((n, s) => n + s.bytes, 0);
  }
}

function setup(sink: FakeSink, channelId = 1) {
  const pty = new EchoPty({ cols: 80, rows: 24 });
  const session = new TerminalSession(
    { id: `s${channelId}`, userId: 'u', workspaceId: 'w', command: 'echo', createdAt: 0 },
    pty,
    { highWater: HIGH, lowWater: LOW, ringBytes: 64 * 1024, cols: 80, rows: 24 },
  );
  const channel = new Channel(channelId, session, 0, sink, HIGH);
  session.attach(channel);
  return { pty, session, channel };
}

/** An agent's session (holdDetached) with a 64 KiB ring and no viewer yet. */
function heldSession(id: string) {
  const pty = new EchoPty({ cols: 80, rows: 24 });
  const ring = 64 * 1024;
  const session = new TerminalSession({ id, userId: 'u', workspaceId: 'w', command: 'echo', createdAt: 0 }, pty, {
    highWater: HIGH,
    lowWater: LOW,
    ringBytes: ring,
    cols: 80,
    rows: 24,
    holdDetached: true,
  });
  return { pty, session, ring };
}

const chunk = (n: number) => new Uint8Array(n).fill(0x61);

describe('flow control', () => {
  it('pauses the PTY past the high-water mark and resumes at or below the low-water mark', () => {
    const sink = new FakeSink();
    const { pty, channel } = setup(sink);
    pty.emit(chunk(600));
    expect(pty.paused).toBe(false);
    pty.emit(chunk(600)); // 1200 unacked > 1000
    expect(pty.paused).toBe(true);
    sink.drain();
    channel.ack(900); // backlog 300 > LOW
    expect(pty.paused).toBe(true);
    channel.ack(1000); // backlog 200 = LOW
    expect(pty.paused).toBe(false);
  });

  it('stops sending when the window is full and sends the rest from the ring after acks', () => {
    const sink = new FakeSink();
    const { pty, channel } = setup(sink);
    for (let i = 0; i < 10; i++) pty.emit(chunk(300)); // PTY pauses; echo holds the rest back
    sink.drain();
    const before = sink.bytesFor(1);
    expect(before).toBeGreaterThanOrEqual(HIGH);
    expect(before).toBeLessThan(HIGH + 300 + 1);
    let acked = 0;
    for (let round = 0; round < 50 && sink.bytesFor(1) < 3000; round++) {
      acked = sink.bytesFor(1);
      channel.ack(acked);
      sink.drain();
    }
    expect(sink.bytesFor(1)).toBe(3000);
    // Offsets are contiguous: each frame starts where the previous ended.
    let next = 0;
    for (const s of sink.sent) {
      expect(s.offset).toBe(next);
      next += s.bytes;
    }
  });

  it('a socket over its buffer cap sends nothing until it drains, then resumes at the right offset', () => {
    const sink = new FakeSink();
    const { pty, channel } = setup(sink);
    pty.emit(chunk(100));
    sink.drain();
    sink.writable = false;
    pty.emit(chunk(100));
    sink.drain();
    expect(sink.bytesFor(1)).toBe(100);
    sink.writable = true;
    sink.schedulePump(channel);
    sink.drain();
    expect(sink.sent.map((s) => s.offset)).toEqual([0, 100]);
  });

  it('one flooding channel that never acks does not stall its sibling', () => {
    const sink = new FakeSink();
    const flood = setup(sink, 1);
    const calm = setup(sink, 2);
    for (let i = 0; i < 50; i++) flood.pty.emit(chunk(500));
    sink.drain();
    expect(flood.pty.paused).toBe(true);
    for (let i = 0; i < 20; i++) {
      calm.pty.emit(chunk(100));
      calm.channel.ack(sink.bytesFor(2));
      sink.drain();
    }
    expect(sink.bytesFor(2)).toBe(2000);
    expect(calm.pty.paused).toBe(false);
  });

  it('sends EXIT only after the last byte of output', () => {
    const sink = new FakeSink();
    const { pty, channel } = setup(sink);
    for (let i = 0; i < 5; i++) pty.emit(chunk(400));
    pty.exit({ code: 3, signal: null });
    sink.drain();
    expect(sink.bytesFor(1)).toBeLessThan(2000); // window full: output still pending
    expect(sink.exits).toEqual([]);
    for (let i = 0; i < 10; i++) {
      channel.ack(sink.bytesFor(1));
      sink.drain();
    }
    expect(sink.bytesFor(1)).toBe(2000);
    expect(sink.exits).toEqual([{ channel: 1, exit: { code: 3, signal: null } }]);
  });

  it('with no viewer attached the PTY runs freely and the ring keeps the newest bytes', () => {
    const sink = new FakeSink();
    const { pty, session, channel } = setup(sink);
    channel.detach();
    for (let i = 0; i < 100; i++) pty.emit(chunk(1000));
    expect(pty.paused).toBe(false);
    expect(session.ring.end).toBe(100_000);
    expect(session.ring.size).toBe(64 * 1024);
  });

  it("holds what a departed viewer had not acknowledged (an agent's session), and lets the program wait instead of evicting it", () => {
    const sink = new FakeSink();
    const { pty, session, ring } = heldSession('held');
    const gateway = new Channel(1, session, 0, sink, HIGH);
    session.attach(gateway);
    pty.emit(chunk(500));
    sink.drain();
    gateway.ack(500);
    session.detach(gateway); // the link dropped with everything up to 500 acknowledged
    // The program prints on while the held bytes fit the ring…
    let emitted = 500;
    while (!pty.paused && emitted < 4 * ring) {
      pty.emit(chunk(500));
      emitted += 500;
    }
    expect(pty.paused).toBe(true);
    expect(emitted - 500).toBeGreaterThan(ring - 3 * HIGH);
    // …and nothing after offset 500 was evicted: the returning gateway resumes exactly.
    expect(session.ring.start).toBeLessThanOrEqual(500);
    const back = new Channel(2, session, 500, sink, HIGH);
    session.attach(back);
    for (let guard = 0; sink.bytesFor(2) < emitted - 500 && guard < 1000; guard++) {
      sink.schedulePump(back);
      sink.drain();
      back.ack(500 + sink.bytesFor(2));
    }
    expect(sink.sent.find((x) => x.channel === 2)?.offset).toBe(500);
    expect(sink.bytesFor(2)).toBe(emitted - 500);
    expect(pty.paused).toBe(false);
  });

  it("holds nothing for a departed viewer while another still views the session (several gateways' links): the program runs on", () => {
    const sink = new FakeSink();
    const { pty, session, ring } = heldSession('two');
    const gatewayA = new Channel(1, session, 0, sink, HIGH);
    const gatewayB = new Channel(2, session, 0, sink, HIGH);
    session.attach(gatewayA);
    session.attach(gatewayB);
    session.detach(gatewayA); // gateway A is gone for good; B keeps reading
    let emitted = 0;
    for (let i = 0; i < (4 * ring) / 500; i++) {
      pty.emit(chunk(500));
      emitted += 500;
      sink.schedulePump(gatewayB);
      sink.drain();
      gatewayB.ack(sink.bytesFor(2));
    }
    expect(pty.paused).toBe(false);
    expect(sink.bytesFor(2)).toBe(emitted);
  });

  it('only the driver gates the program: a passive viewer (a guest) that never acks does not hold it back, and is caught up with a reset', () => {
    const sink = new FakeSink();
    const { pty, session, channel: owner } = setup(sink);
    const guest = new Channel(2, session, 0, sink, HIGH);
    session.attach(guest, { passive: true });
    expect(session.driver).toBe(owner);
    // 200 KiB printed through a 64 KiB ring; the owner keeps up, the guest never acknowledges.
    for (let i = 0; i < 400; i++) {
      pty.emit(chunk(512));
      sink.drain();
      owner.ack(sink.bytesFor(1));
      expect(pty.paused).toBe(false);
    }
    expect(sink.bytesFor(1)).toBe(400 * 512);
    // The guest gets a window, then nothing until the ring moved past it: then it is told to
    // reset and gets the tail from half a ring back — a window per 32 KiB printed, never bytes
    // that are not in the ring, never the program paused.
    expect(sink.bytesFor(2)).toBeLessThanOrEqual(Math.ceil((400 * 512) / (32 * 1024)) * HIGH);
    guest.ack(sink.bytesFor(2));
    sink.drain();
    const reset = sink.opened.filter((o) => o.channel === 2).at(-1);
    expect(reset?.opened.snapshot).toBe(true);
    expect(reset!.opened.offset).toBeGreaterThanOrEqual(session.ring.start);
    // What was printed before the reset is history to the guest: its terminal answers no query in it.
    expect(reset!.opened.live).toBeGreaterThan(reset!.opened.offset);
    const after = sink.sent.filter((s) => s.channel === 2 && s.offset >= reset!.opened.offset);
    expect(after[0]?.offset).toBe(reset!.opened.offset);
  });

  it('the active viewer that typed, resized or attached last drives; a passive one (a guest) never does; the next active viewer takes over when the driver leaves', () => {
    const sink = new FakeSink();
    const { session, channel: a } = setup(sink);
    const b = new Channel(2, session, 0, sink, HIGH);
    const guest = new Channel(3, session, 0, sink, HIGH);
    session.attach(b);
    expect(session.driver).toBe(b);
    session.attach(guest, { passive: true });
    session.write(new Uint8Array([0x61]), guest);
    expect(session.driver).toBe(b);
    session.write(new Uint8Array([0x61]), a);
    expect(session.driver).toBe(a);
    session.resize(100, 30, b);
    expect(session.driver).toBe(b);
    session.resize(120, 40, guest);
    expect(session.driver).toBe(b);
    // Answers count only from the driver.
    expect(session.answer(new Uint8Array([0x1b]), a)).toBe(false);
    expect(session.answer(new Uint8Array([0x1b]), guest)).toBe(false);
    expect(session.answer(new Uint8Array([0x1b]), b)).toBe(true);
    b.detach();
    expect(session.driver).toBe(a);
    a.detach();
    expect(session.driver).toBe(null);
    expect(session.answer(new Uint8Array([0x1b]), guest)).toBe(false);
  });

  it("resumes exactly at an offset the agent has reached while its history is still arriving (a gateway that just restarted)", () => {
    const sink = new FakeSink();
    // A terminal re-attached on an agent whose stream had reached 5,000 bytes; none arrived yet.
    const pty = Object.assign(new EchoPty({ cols: 80, rows: 24 }), { knownEnd: 5000 });
    const session = new TerminalSession({ id: 'adopted', userId: 'u', workspaceId: 'w', command: 'echo', createdAt: 0 }, pty, {
      highWater: HIGH,
      lowWater: LOW,
      ringBytes: 64 * 1024,
      cols: 80,
      rows: 24,
    });
    expect(replayStart(session, 4000)).toEqual({ from: 4000, snapshot: false });
    expect(replayStart(session, 9000).snapshot).toBe(true); // past anything that exists
    const ch = new Channel(1, session, 4000, sink, HIGH);
    session.attach(ch);
    for (let i = 0; i < 6; i++) {
      pty.emit(chunk(1000)); // the history arrives: bytes 0…5,999
      sink.drain();
      ch.ack(4000 + sink.bytesFor(1));
    }
    expect(sink.sent[0]?.offset).toBe(4000);
    expect(sink.bytesFor(1)).toBe(2000);
  });

  it('catches a viewer up with a snapshot when the ring lost what it held (its store was overwritten), the driver too', () => {
    const sink = new FakeSink();
    const written: number[] = [];
    let overwritten = false;
    // A store the ring writes itself, as the pty host's file is; "overwritten" when told.
    const store = {
      from: 0,
      bytes: 64 * 1024,
      write: (d: Uint8Array) => void written.push(...d),
      read: (at: number, into: Uint8Array) => {
        if (overwritten) return 0;
        into.set(written.slice(at, at + into.byteLength));
        return Math.min(into.byteLength, written.length - at);
      },
      freeze: () => true,
      close: () => {},
    };
    const pty = new EchoPty({ cols: 80, rows: 24 });
    const session = new TerminalSession({ id: 'stored', userId: 'u', workspaceId: 'w', command: 'echo', createdAt: 0 }, pty, {
      highWater: HIGH,
      lowWater: LOW,
      ringBytes: 64 * 1024,
      cols: 80,
      rows: 24,
    });
    expect(session.ring.useStore(store)).toBe(true);
    const ch = new Channel(1, session, 0, sink, HIGH);
    session.attach(ch);
    expect(session.driver).toBe(ch);
    pty.emit(new TextEncoder().encode('line one\r\n'));
    sink.drain();
    expect(sink.bytesFor(1)).toBe(10);
    expect(session.ring.allocated).toBe(0);
    overwritten = true;
    pty.emit(new TextEncoder().encode('line two\r\n'));
    // Other terminals' output since (1 MiB and more): the ring's newest bytes are no longer in
    // the recent buffer (replay-ring.ts), so the pump asks the store for them.
    const other = new ReplayRing(1024);
    other.useStore({ from: 0, bytes: 1024, read: () => 0, freeze: () => true, close: () => {} });
    for (let i = 0; i < 65; i++) other.append(new Uint8Array(16 * 1024));
    pty.emit(new TextEncoder().encode('line 2b\r\n'));
    sink.drain();
    // Nothing more was sent (no stale bytes); a new OPENED said where the stream goes on.
    expect(sink.bytesFor(1)).toBe(10);
    expect(sink.opened.at(-1)?.opened).toMatchObject({ offset: 29, snapshot: true });
    ch.ack(29);
    pty.emit(new TextEncoder().encode('three\r\n'));
    sink.drain();
    expect(sink.sent.at(-1)).toEqual({ channel: 1, offset: 29, bytes: 7 });
  });

  it('fails loudly, rather than looping, when the ring reads nothing without having lost anything', () => {
    const { pty, session, channel: ch } = setup(new FakeSink());
    pty.emit(new TextEncoder().encode('line one\r\n'));
    // A ring that answers with nothing (a bug of its own): the pump must not go round forever.
    vi.spyOn(session.ring, 'read').mockReturnValue([]);
    expect(() => ch.pump()).toThrow(/ring read nothing at 0 of \[0, 10\)/);
  });
});
