import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CloseCode,
  decodeClientFrame,
  encodeError,
  encodeEvent,
  encodeExit,
  encodeHelloAck,
  encodeOpened,
  encodeOutput,
  encodePong,
  TRAILING_ACK_MS,
  type ClientFrame,
} from '../protocol';
import { GatewaySocket, PING_INTERVAL_MS, PONG_TIMEOUT_MS, type Environment, type TransportHandlers } from './gateway-socket';

/** One connection attempt as the server side sees it. */
class FakeConn {
  sent: ClientFrame[] = [];
  closedByClient: number | null = null;
  constructor(readonly handlers: TransportHandlers) {}
  accept(): void {
    this.handlers.onOpen();
  }
  helloAck(highWater = 512 * 1024): void {
    this.handlers.onMessage(
      encodeHelloAck({ v: 1, user: { id: 'u1', name: 'admin' }, limits: { maxFrameBytes: 1 << 20, highWater, lowWater: highWater / 4 } }),
    );
  }
  deliver(frame: Uint8Array): void {
    this.handlers.onMessage(frame);
  }
  serverClose(code: number, reason = ''): void {
    this.handlers.onClose(code, reason);
  }
  of<T extends ClientFrame['type']>(type: T): Extract<ClientFrame, { type: T }>[] {
    return this.sent.filter((f): f is Extract<ClientFrame, { type: T }> => f.type === type);
  }
}

class FakeEnv implements Environment {
  online = true;
  private fns = { online: new Set<() => void>(), offline: new Set<() => void>(), visible: new Set<() => void>() };
  isOnline = () => this.online;
  onOnline = (fn: () => void) => this.sub('online', fn);
  onOffline = (fn: () => void) => this.sub('offline', fn);
  onVisible = (fn: () => void) => this.sub('visible', fn);
  random = () => 0.5;
  fire(name: 'online' | 'offline' | 'visible'): void {
    if (name === 'online') this.online = true;
    if (name === 'offline') this.online = false;
    for (const fn of this.fns[name]) fn();
  }
  private sub(name: 'online' | 'offline' | 'visible', fn: () => void): () => void {
    this.fns[name].add(fn);
    return () => this.fns[name].delete(fn);
  }
}

function setup(checkAuth?: () => Promise<boolean>) {
  const conns: FakeConn[] = [];
  const env = new FakeEnv();
  const socket = new GatewaySocket({
    env,
    checkAuth,
    transport: (handlers) => {
      const conn = new FakeConn(handlers);
      conns.push(conn);
      return {
        send: (frame) => {
          const r = decodeClientFrame(frame);
          if (!r.ok) throw new Error(`client sent a bad frame: ${r.error.message}`);
          conn.sent.push(r.frame);
          return true;
        },
        close: (code) => {
          conn.closedByClient = code ?? 1000;
        },
      };
    },
  });
  const last = () => conns[conns.length - 1]!;
  const connect = () => {
    last().accept();
    last().helloAck();
    return last();
  };
  return { socket, env, conns, last, connect };
}

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('GatewaySocket', () => {
  it('says HELLO first and is open after HELLO_ACK', () => {
    const { socket, last } = setup();
    expect(socket.status).toBe('connecting');
    last().accept();
    expect(last().sent.map((f) => f.type)).toEqual(['hello']);
    last().helloAck();
    expect(socket.status).toBe('open');
    socket.dispose();
  });

  it('opens a terminal, relays output to xterm and input/resize to the gateway', () => {
    const { socket, connect } = setup();
    const conn = connect();
    const ch = socket.openTerminal({ workspace: 'ws1', cols: 80, rows: 24 });
    const [open] = conn.of('open');
    expect(open?.open).toEqual({ workspace: 'ws1', cols: 80, rows: 24 });
    const id = open!.channel;
    const out: string[] = [];
    ch.on('output', (d, done) => {
      out.push(str(d));
      done();
    });
    ch.write('ls\r'); // before OPENED: queued, not lost
    expect(conn.of('input')).toHaveLength(0);
    conn.deliver(encodeOpened(id, { session: 's1', offset: 0, snapshot: false, cols: 80, rows: 24 }));
    expect(ch.session).toBe('s1');
    expect(str(conn.of('input')[0]!.data)).toBe('ls\r');
    conn.deliver(encodeOutput(id, 0, text('hello')));
    expect(out).toEqual(['hello']);
    ch.resize(100, 30);
    expect(conn.of('resize')[0]).toMatchObject({ cols: 100, rows: 30 });
    socket.dispose();
    expect(conn.of('detach')).toHaveLength(1);
  });

  it('acks stream offsets every 64 KiB and once more shortly after output stops', () => {
    const { socket, connect } = setup();
    const conn = connect();
    const ch = socket.attachTerminal({ session: 's1', cols: 80, rows: 24, resumeFrom: 0 });
    const id = conn.of('open')[0]!.channel;
    const pending: Array<() => void> = [];
    ch.on('output', (_d, done) => pending.push(done));
    conn.deliver(encodeOpened(id, { session: 's1', offset: 1000, snapshot: true, cols: 80, rows: 24 }));
    const chunk = new Uint8Array(40 * 1024);
    conn.deliver(encodeOutput(id, 1000, chunk));
    conn.deliver(encodeOutput(id, 1000 + chunk.length, chunk));
    conn.deliver(encodeOutput(id, 1000 + 2 * chunk.length, chunk.subarray(0, 100)));
    expect(conn.of('ack')).toHaveLength(0); // nothing parsed yet
    pending.shift()!();
    pending.shift()!();
    expect(conn.of('ack').map((a) => a.processed)).toEqual([1000 + 80 * 1024]);
    pending.shift()!();
    vi.advanceTimersByTime(TRAILING_ACK_MS - 1);
    expect(conn.of('ack')).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(conn.of('ack').map((a) => a.processed)).toEqual([1000 + 80 * 1024, 1000 + 80 * 1024 + 100]);
    socket.dispose();
  });

  it('resumes every channel after a reconnect without repeating or losing bytes', () => {
    const { socket, connect, conns, last } = setup();
    const first = connect();
    const ch = socket.openTerminal({ workspace: 'ws1', cols: 80, rows: 24 });
    const out: string[] = [];
    const resets: number[] = [];
    ch.on('output', (d, done) => {
      out.push(str(d));
      done();
    });
    ch.on('reset', () => resets.push(1));
    const id1 = first.of('open')[0]!.channel;
    first.deliver(encodeOpened(id1, { session: 's1', offset: 0, snapshot: false, cols: 80, rows: 24 }));
    first.deliver(encodeOutput(id1, 0, text('abc')));
    first.serverClose(CloseCode.GOING_AWAY);
    expect(socket.status).toBe('reconnecting');
    expect(ch.state).toBe('pending');
    ch.write('x'); // typed while down
    vi.advanceTimersByTime(10_000);
    expect(conns).toHaveLength(2);
    const second = connect();
    expect(second).toBe(last());
    const reopen = second.of('open')[0]!;
    expect(reopen.open).toEqual({ session: 's1', cols: 80, rows: 24, resumeFrom: 3 });
    second.deliver(encodeOpened(reopen.channel, { session: 's1', offset: 3, snapshot: false, cols: 80, rows: 24 }));
    expect(str(second.of('input')[0]!.data)).toBe('x');
    // A server that replays from slightly earlier must not make us write "bc" twice.
    second.deliver(encodeOutput(reopen.channel, 1, text('bcdef')));
    expect(out.join('')).toBe('abcdef');
    expect(resets).toHaveLength(0);
    socket.dispose();
  });

  it('treats a missing PONG as a dead socket and reconnects', () => {
    const { socket, connect, conns } = setup();
    const conn = connect();
    vi.advanceTimersByTime(PING_INTERVAL_MS);
    expect(conn.of('ping')).toHaveLength(1);
    conn.deliver(encodePong(conn.of('ping')[0]!.data));
    vi.advanceTimersByTime(PING_INTERVAL_MS);
    expect(conn.of('ping')).toHaveLength(2);
    vi.advanceTimersByTime(PONG_TIMEOUT_MS);
    expect(conn.closedByClient).not.toBeNull();
    expect(socket.status).toBe('reconnecting');
    vi.advanceTimersByTime(10_000);
    expect(conns).toHaveLength(2);
    socket.dispose();
  });

  it('stops on close 4401 and reports unauthenticated', () => {
    const { socket, connect, conns } = setup();
    connect().serverClose(CloseCode.UNAUTHENTICATED);
    expect(socket.status).toBe('unauthenticated');
    vi.advanceTimersByTime(60_000);
    expect(conns).toHaveLength(1);
    socket.dispose();
  });

  it('stops on close 4403, reports forbidden and keeps the reason', () => {
    const { socket, connect, conns, env } = setup();
    const conn = connect();
    const statuses: string[] = [];
    socket.on('status', (s) => statuses.push(s));
    const ch = socket.attachTerminal({ session: 's1', cols: 80, rows: 24 });
    conn.deliver(encodeOpened(conn.of('open')[0]!.channel, { session: 's1', offset: 0, snapshot: false, cols: 80, rows: 24 }));
    expect(socket.closeReason).toBeNull();
    conn.serverClose(CloseCode.FORBIDDEN, 'This link was revoked by its owner.');
    expect(socket.status).toBe('forbidden');
    expect(socket.closeReason).toBe('This link was revoked by its owner.');
    expect(statuses).toEqual(['forbidden']);
    expect(ch.state).toBe('pending');
    // Nothing brings it back: not time, not the network, not the tab becoming visible.
    vi.advanceTimersByTime(60_000);
    env.fire('offline');
    env.fire('online');
    env.fire('visible');
    vi.advanceTimersByTime(60_000);
    expect(conns).toHaveLength(1);
    expect(socket.status).toBe('forbidden');
    socket.dispose();
  });

  it('gives a reason for a 4403 close that came without one', () => {
    const { socket, connect } = setup();
    connect().serverClose(CloseCode.FORBIDDEN);
    expect(socket.status).toBe('forbidden');
    expect(socket.closeReason).toMatch(/\S/);
    socket.dispose();
  });

  it('keeps retrying a failed upgrade while the auth check says the access is still good', async () => {
    const checkAuth = vi.fn(async () => true);
    const { socket, last, conns } = setup(checkAuth);
    last().serverClose(1006);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(checkAuth).toHaveBeenCalledOnce();
    expect(conns).toHaveLength(2);
    expect(socket.status).toBe('reconnecting');
    socket.dispose();
  });

  it('asks whether the session is gone when the upgrade itself fails', async () => {
    const checkAuth = vi.fn(async () => false);
    const { socket, last, conns } = setup(checkAuth);
    last().serverClose(1006); // refused upgrade: the browser only sees 1006
    await vi.runAllTimersAsync();
    expect(checkAuth).toHaveBeenCalledOnce();
    expect(socket.status).toBe('unauthenticated');
    expect(conns).toHaveLength(1);
    socket.dispose();
  });

  it('backs off with growing delays and resets after a stable connection', () => {
    const { socket, last, conns, env } = setup();
    env.random = () => 0.999;
    last().serverClose(1006); // attempt 0: up to 250 ms
    vi.advanceTimersByTime(249);
    expect(conns).toHaveLength(2);
    last().serverClose(1006); // attempt 1: up to 500 ms
    vi.advanceTimersByTime(300);
    expect(conns).toHaveLength(2);
    vi.advanceTimersByTime(200);
    expect(conns).toHaveLength(3);
    last().accept();
    last().helloAck();
    vi.advanceTimersByTime(5_000); // stable: backoff resets
    last().serverClose(1001);
    vi.advanceTimersByTime(249);
    expect(conns).toHaveLength(4);
    socket.dispose();
  });

  it('waits while offline and reconnects at once when the browser is back online', () => {
    const { socket, connect, conns, env } = setup();
    const conn = connect();
    env.online = false;
    conn.serverClose(1006);
    expect(socket.status).toBe('offline');
    vi.advanceTimersByTime(60_000);
    expect(conns).toHaveLength(1);
    env.fire('online');
    expect(conns).toHaveLength(2);
    expect(socket.status).toBe('reconnecting');
    socket.dispose();
  });

  it('reconnects immediately when the tab becomes visible', () => {
    const { socket, connect, conns, env } = setup();
    env.random = () => 0.999;
    connect().serverClose(1006);
    expect(conns).toHaveLength(1);
    env.fire('visible');
    expect(conns).toHaveLength(2);
    socket.dispose();
  });

  it('close() kills a running session, then forgets it once it has exited', () => {
    const { socket, connect } = setup();
    const conn = connect();
    const ch = socket.attachTerminal({ session: 's1', cols: 80, rows: 24 });
    const id = conn.of('open')[0]!.channel;
    conn.deliver(encodeOpened(id, { session: 's1', offset: 0, snapshot: false, cols: 80, rows: 24 }));
    ch.close();
    expect(conn.of('kill')).toHaveLength(1);
    expect(ch.state).toBe('open');
    conn.deliver(encodeExit(id, { code: null, signal: 'SIGHUP' }));
    expect(conn.of('kill')).toHaveLength(2);
    expect(ch.state).toBe('closed');
    socket.dispose();
    expect(conn.of('detach')).toHaveLength(0);
  });

  it('kill() leaves an exited tab that reports the exit once', () => {
    const { socket, connect } = setup();
    const conn = connect();
    const ch = socket.attachTerminal({ session: 's1', cols: 80, rows: 24 });
    const exits: unknown[] = [];
    ch.on('exit', (e) => exits.push(e));
    const id = conn.of('open')[0]!.channel;
    conn.deliver(encodeOpened(id, { session: 's1', offset: 0, snapshot: false, cols: 80, rows: 24 }));
    ch.kill();
    conn.deliver(encodeExit(id, { code: 0, signal: null }));
    expect(exits).toEqual([{ code: 0, signal: null }]);
    expect(ch.state).toBe('exited');
    ch.write('ignored');
    expect(conn.of('input')).toHaveLength(0);
    socket.dispose();
  });

  it('an ERROR answering OPEN closes the channel and reaches the UI', () => {
    const { socket, connect } = setup();
    const conn = connect();
    const ch = socket.attachTerminal({ session: 'gone', cols: 80, rows: 24 });
    const errors: string[] = [];
    ch.on('error', (e) => errors.push(e.code));
    conn.deliver(encodeError(conn.of('open')[0]!.channel, { code: 'not_found', message: 'no such terminal session' }));
    expect(errors).toEqual(['not_found']);
    expect(ch.state).toBe('closed');
    socket.dispose();
  });
});

describe('a channel that follows the session size (letterboxed guest)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  it('adopts the size from OPENED and status events, never sends RESIZE, and reopens at that size', () => {
    const { socket, connect } = setup();
    const first = connect();
    const ch = socket.attachTerminal({ session: 's1', cols: 80, rows: 24, followSize: true });
    const id = first.of('open')[0]!.channel;
    first.deliver(encodeOpened(id, { session: 's1', offset: 0, snapshot: false, cols: 132, rows: 43 }));
    ch.resize(90, 30);
    expect(first.of('resize')).toHaveLength(0);
    first.deliver(encodeEvent(id, { type: 'status', cols: 100, rows: 30 }));
    expect(first.of('resize')).toHaveLength(0);
    first.serverClose(CloseCode.GOING_AWAY);
    vi.advanceTimersByTime(10_000);
    const second = connect();
    const reopen = second.of('open')[0]!;
    expect(reopen.open).toMatchObject({ session: 's1', cols: 100, rows: 30 });
    second.deliver(encodeOpened(reopen.channel, { session: 's1', offset: 0, snapshot: false, cols: 120, rows: 40 }));
    expect(second.of('resize')).toHaveLength(0);
    socket.dispose();
  });

  it('an ordinary channel still pushes its own size when OPENED differs', () => {
    const { socket, connect } = setup();
    const conn = connect();
    socket.attachTerminal({ session: 's1', cols: 80, rows: 24 });
    const id = conn.of('open')[0]!.channel;
    conn.deliver(encodeOpened(id, { session: 's1', offset: 0, snapshot: false, cols: 132, rows: 43 }));
    expect(conn.of('resize')[0]).toMatchObject({ cols: 80, rows: 24 });
    socket.dispose();
  });
});

describe('GatewayChannel detached while its OPEN is in flight', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  it('detaches an attach once OPENED arrives (the gateway ignores DETACH before that)', () => {
    const { socket, connect } = setup();
    const conn = connect();
    const ch = socket.attachTerminal({ session: 's1', cols: 80, rows: 24 });
    const id = conn.of('open')[0]!.channel;
    ch.detach();
    expect(conn.of('detach')).toHaveLength(0);
    conn.deliver(encodeOpened(id, { session: 's1', offset: 0, snapshot: false, cols: 80, rows: 24 }));
    expect(conn.of('detach')).toHaveLength(1);
    expect(conn.of('kill')).toHaveLength(0);
    expect(ch.state).toBe('closed');
    socket.dispose();
  });

  it('ends a session created for a view that went away before it opened', () => {
    const { socket, connect } = setup();
    const conn = connect();
    const ch = socket.openTerminal({ workspace: 'ws1', cols: 80, rows: 24 });
    const id = conn.of('open')[0]!.channel;
    ch.detach();
    conn.deliver(encodeOpened(id, { session: 'orphan', offset: 0, snapshot: false, cols: 80, rows: 24 }));
    expect(conn.of('kill')).toHaveLength(1);
    conn.deliver(encodeExit(id, { code: null, signal: 'SIGHUP' }));
    expect(conn.of('kill')).toHaveLength(2);
    expect(ch.state).toBe('closed');
    socket.dispose();
  });

  it('closing an exited tab after a reconnect re-attaches just to make the gateway forget it', () => {
    const { socket, connect, last } = setup();
    const first = connect();
    const ch = socket.attachTerminal({ session: 's1', cols: 80, rows: 24 });
    const id1 = first.of('open')[0]!.channel;
    first.deliver(encodeOpened(id1, { session: 's1', offset: 0, snapshot: false, cols: 80, rows: 24 }));
    first.deliver(encodeOutput(id1, 0, text('bye')));
    first.deliver(encodeExit(id1, { code: 0, signal: null }));
    first.serverClose(CloseCode.GOING_AWAY);
    vi.advanceTimersByTime(10_000);
    const second = connect();
    expect(second).toBe(last());
    expect(second.of('open')).toHaveLength(0); // exited tabs are not re-attached for nothing
    ch.close();
    const reopen = second.of('open')[0]!;
    expect(reopen.open).toMatchObject({ session: 's1', resumeFrom: 3 });
    second.deliver(encodeOpened(reopen.channel, { session: 's1', offset: 3, snapshot: false, cols: 80, rows: 24 }));
    expect(second.of('kill')).toHaveLength(1);
    expect(ch.state).toBe('closed');
    socket.dispose();
  });
});

describe('forgetting a session known to have exited', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  it('attaches only to send the KILL that makes the gateway forget it', () => {
    const { socket, connect } = setup();
    const conn = connect();
    const ch = socket.attachTerminal({ session: 's9', cols: 80, rows: 24, exited: true });
    expect(ch.state).toBe('exited');
    expect(conn.of('open')).toHaveLength(0);
    ch.close();
    const open = conn.of('open')[0]!;
    expect(open.open).toMatchObject({ session: 's9' });
    conn.deliver(encodeOpened(open.channel, { session: 's9', offset: 0, snapshot: false, cols: 80, rows: 24 }));
    expect(conn.of('kill')).toHaveLength(1);
    expect(ch.state).toBe('closed');
    socket.dispose();
  });
});

describe('history and answers', () => {
  it('marks output before OPENED.live as history (split inside a frame) and sends answers only while open', () => {
    const { socket, connect } = setup();
    const conn = connect();
    const ch = socket.attachTerminal({ session: 's1', cols: 80, rows: 24 });
    const id = conn.of('open')[0]!.channel;
    const seen: [string, boolean][] = [];
    ch.on('output', (d, done, history) => {
      seen.push([str(d), history]);
      done();
    });
    ch.answer('\x1b[?1;2c'); // not open yet: dropped, never queued for later
    conn.deliver(encodeOpened(id, { session: 's1', offset: 0, snapshot: false, cols: 80, rows: 24, live: 7 }));
    conn.deliver(encodeOutput(id, 0, text('old-')));
    conn.deliver(encodeOutput(id, 4, text('qrynew')));
    conn.deliver(encodeOutput(id, 10, text('!')));
    expect(seen).toEqual([
      ['old-', true],
      ['qry', true],
      ['new', false],
      ['!', false],
    ]);
    ch.answer('\x1b[2;2R');
    expect(conn.of('answer').map((f) => str(f.data))).toEqual(['\x1b[2;2R']);
    expect(conn.of('input')).toHaveLength(0);
    // A reset on the open channel (a viewer caught up after falling behind): what came before
    // its `live` is history again.
    conn.deliver(encodeOpened(id, { session: 's1', offset: 100, snapshot: true, cols: 80, rows: 24, live: 104 }));
    conn.deliver(encodeOutput(id, 100, text('tailnow')));
    expect(seen.slice(4)).toEqual([
      ['tail', true],
      ['now', false],
    ]);
    socket.dispose();
  });
});
