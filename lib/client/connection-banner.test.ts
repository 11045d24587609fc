import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeClientFrame, encodeHelloAck, encodeOpened, type ClientFrame } from '../protocol';
import { acceptsInput, bannerText, connectionLost, runtimeOverride } from './connection-banner';
import { GatewaySocket, type ConnectionStatus, type TransportHandlers } from './gateway-socket';

describe('connectionLost / acceptsInput', () => {
  const cases: Array<[ConnectionStatus, boolean, boolean]> = [
    ['connecting', false, false], // first load: not a loss
    ['connecting', true, true],
    ['open', true, false],
    ['reconnecting', true, true],
    ['reconnecting', false, true],
    ['offline', true, true],
    ['offline', false, true],
    ['unauthenticated', true, false], // final statuses keep their own UI
    ['forbidden', true, false],
  ];
  it.each(cases)('%s (ever opened: %s) → lost %s', (status, everOpened, lost) => {
    expect(connectionLost(status, everOpened)).toBe(lost);
    expect(acceptsInput(status, everOpened)).toBe(!lost);
  });
});

describe('bannerText', () => {
  it('says nothing while open or on first connect', () => {
    expect(bannerText({ status: 'open', attempt: 0, everOpened: true })).toBeNull();
    expect(bannerText({ status: 'connecting', attempt: 0, everOpened: false })).toBeNull();
    expect(bannerText({ status: 'forbidden', attempt: 0, everOpened: true })).toBeNull();
  });
  it('says the connection was lost, with the attempt number once one started', () => {
    expect(bannerText({ status: 'reconnecting', attempt: 0, everOpened: true })?.title).toBe('Connection to Tether lost — reconnecting…');
    expect(bannerText({ status: 'reconnecting', attempt: 3, everOpened: true })?.title).toBe(
      'Connection to Tether lost — reconnecting (attempt 3)…',
    );
    expect(bannerText({ status: 'reconnecting', attempt: 2, everOpened: false })?.title).toBe('Cannot reach Tether — retrying (attempt 2)…');
  });
  it('says the browser is offline', () => {
    const t = bannerText({ status: 'offline', attempt: 4, everOpened: true });
    expect(t?.title).toBe('You are offline — waiting for the network');
    expect(t?.detail).toMatch(/not sent/);
  });
});

describe('runtimeOverride', () => {
  it('never lets the runtime badge say ready while the socket is not open', () => {
    expect(runtimeOverride('open')).toBeNull();
    expect(runtimeOverride(undefined)).toBeNull();
    for (const s of ['connecting', 'reconnecting', 'offline', 'unauthenticated', 'forbidden'] as const) {
      expect(runtimeOverride(s)?.state).toBe('disconnected');
    }
    expect(runtimeOverride('reconnecting')?.label).toBe('Runtime unknown · disconnected');
  });
});

// ---- the socket side: attempts counted, typing dropped while lost, retryNow ----

interface Conn {
  handlers: TransportHandlers;
  sent: ClientFrame[];
  closed: boolean;
}

function setup() {
  const conns: Conn[] = [];
  const socket = new GatewaySocket({
    blockInputWhileLost: true,
    env: { isOnline: () => true, onOnline: () => () => {}, onOffline: () => () => {}, onVisible: () => () => {}, random: () => 0.5 },
    transport: (handlers) => {
      const conn: Conn = { handlers, sent: [], closed: false };
      conns.push(conn);
      return {
        send: (frame) => {
          const r = decodeClientFrame(frame);
          if (r.ok) conn.sent.push(r.frame);
          return true;
        },
        close: () => {
          conn.closed = true;
        },
      };
    },
  });
  const last = () => conns[conns.length - 1]!;
  const connect = () => {
    last().handlers.onOpen();
    last().handlers.onMessage(
      encodeHelloAck({ v: 1, user: { id: 'u1', name: 'admin' }, limits: { maxFrameBytes: 1 << 20, highWater: 1 << 19, lowWater: 1 << 17 } }),
    );
    return last();
  };
  return { socket, conns, last, connect };
}

const inputs = (c: Conn) =>
  c.sent.flatMap((f) => (f.type === 'input' ? [new TextDecoder().decode(f.data)] : []));

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('GatewaySocket while the connection is lost', () => {
  it('drops typing (never sends it later) and counts reconnect attempts', () => {
    const { socket, conns, last, connect } = setup();
    let conn = connect();
    const ch = socket.attachTerminal({ session: 's1', cols: 80, rows: 24 });
    const open = (c: Conn) => {
      const o = c.sent.filter((f) => f.type === 'open').at(-1)!;
      c.handlers.onMessage(encodeOpened(o.channel, { session: 's1', offset: 0, snapshot: false, cols: 80, rows: 24 }));
    };
    open(conn);
    ch.write('before\r');
    expect(inputs(conn)).toEqual(['before\r']);

    const attempts: number[] = [];
    socket.on('attempt', (n) => attempts.push(n));
    conn.handlers.onClose(1006, '');
    expect(socket.status).toBe('reconnecting');
    ch.write('typed-while-down\r');
    vi.runOnlyPendingTimers(); // backoff → attempt 1
    expect(socket.reconnectAttempt).toBe(1);
    last().handlers.onClose(1006, ''); // fails
    ch.write('more\r');
    vi.runOnlyPendingTimers(); // attempt 2
    expect(attempts).toEqual([1, 2]);
    expect(conns).toHaveLength(3);

    conn = connect();
    expect(socket.reconnectAttempt).toBe(0);
    open(conn);
    expect(inputs(conn)).toEqual([]); // nothing typed while lost is replayed
    ch.write('after\r');
    expect(inputs(conn)).toEqual(['after\r']);
    socket.dispose();
  });

  it('still queues typing for a channel opening on a live socket', () => {
    const { socket, connect } = setup();
    const conn = connect();
    const ch = socket.openTerminal({ workspace: 'w', cols: 80, rows: 24 });
    ch.write('early\r');
    const o = conn.sent.find((f) => f.type === 'open')!;
    conn.handlers.onMessage(encodeOpened(o.channel, { session: 's1', offset: 0, snapshot: false, cols: 80, rows: 24 }));
    expect(inputs(conn)).toEqual(['early\r']);
    socket.dispose();
  });

  it('retryNow reconnects at once, abandoning the backoff wait or an attempt in flight', () => {
    const { socket, conns, last, connect } = setup();
    connect();
    last().handlers.onClose(1006, '');
    expect(conns).toHaveLength(1); // waiting out the backoff
    socket.retryNow();
    expect(conns).toHaveLength(2);
    const inFlight = last();
    socket.retryNow();
    expect(inFlight.closed).toBe(true);
    expect(conns).toHaveLength(3);
    inFlight.handlers.onClose(1006, ''); // the abandoned attempt is ignored
    expect(socket.status).toBe('reconnecting');
    connect();
    expect(socket.status).toBe('open');
    socket.retryNow(); // open: nothing to do
    expect(conns).toHaveLength(3);
    socket.dispose();
  });
});
