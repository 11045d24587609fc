/**
 * Browser bindings for GatewaySocket: a real WebSocket to `/ws` (or a share guest's
 * `/shared/<id>/ws`) on the page's origin, and the
 * window's online/offline/visibility signals. Kept apart from gateway-socket.ts so that file runs
 * under Node in unit tests.
 */
import { GatewaySocket, type Environment, type Transport, type TransportFactory, type TransportHandlers } from './gateway-socket';

export const GATEWAY_PATH = '/ws';

function gatewayUrl(path: string): string {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss:' : 'ws:'}//${host}${path}`;
}

/** WebSocket.send wants an ArrayBuffer-backed view; protocol frames are always freshly allocated. */
function sendable(frame: Uint8Array): ArrayBufferView<ArrayBuffer> | Uint8Array<ArrayBuffer> {
  if (frame.buffer instanceof ArrayBuffer) return new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength);
  return new Uint8Array(frame); // SharedArrayBuffer-backed: copy (never happens for our encoders)
}

/** Test hook state (see `holdConnection`): connection attempts fail until `heldUntil` (epoch ms). */
interface Gate {
  heldUntil: number;
}
const gates = new WeakMap<GatewaySocket, Gate>();

/** An attempt that fails as an unreachable gateway's would: closed (1006) shortly after it began. */
function failingTransport(handlers: TransportHandlers): Transport {
  const timer = setTimeout(() => handlers.onClose(1006, ''), 50);
  return {
    send: () => false,
    close: () => clearTimeout(timer),
  };
}

/**
 * Make the gateway unreachable for `ms` from this socket's point of view (tests): the connection
 * drops and every attempt until then fails; 0 ends the hold (the socket still waits out its
 * backoff, or reconnects at once on `retryNow`). No-op for a socket not made here.
 */
export function holdConnection(socket: GatewaySocket, ms: number): void {
  const gate = gates.get(socket);
  if (!gate) return;
  gate.heldUntil = ms > 0 ? Date.now() + ms : 0;
  if (ms > 0) socket.dropConnection();
}

const webSocketTransport = (path: string, gate: Gate): TransportFactory => (handlers) => {
  if (Date.now() < gate.heldUntil) return failingTransport(handlers);
  const ws = new WebSocket(gatewayUrl(path));
  ws.binaryType = 'arraybuffer';
  ws.onopen = () => handlers.onOpen();
  ws.onmessage = (ev: MessageEvent) => {
    // The protocol is binary-only; a text frame is a server bug and is ignored.
    if (ev.data instanceof ArrayBuffer) handlers.onMessage(new Uint8Array(ev.data));
  };
  ws.onclose = (ev) => handlers.onClose(ev.code, ev.reason);
  return {
    send: (frame) => {
      if (ws.readyState !== WebSocket.OPEN) return false;
      ws.send(sendable(frame));
      return true;
    },
    close: (code, reason) => {
      ws.onopen = ws.onmessage = ws.onclose = null;
      try {
        ws.close(code, reason);
      } catch {
        ws.close();
      }
    },
  };
};

const browserEnvironment: Environment = {
  isOnline: () => navigator.onLine !== false,
  onOnline(fn) {
    window.addEventListener('online', fn);
    return () => window.removeEventListener('online', fn);
  },
  onOffline(fn) {
    window.addEventListener('offline', fn);
    return () => window.removeEventListener('offline', fn);
  },
  onVisible(fn) {
    const listener = () => {
      if (document.visibilityState === 'visible') fn();
    };
    document.addEventListener('visibilitychange', listener);
    return () => document.removeEventListener('visibilitychange', listener);
  },
  random: () => Math.random(),
};

/** Whether the next-auth session cookie is still good (GET /api/auth/session → {} when not). */
async function hasSession(): Promise<boolean> {
  const res = await fetch('/api/auth/session', { credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok) throw new Error(`session check failed: HTTP ${res.status}`);
  const body: unknown = await res.json();
  return typeof body === 'object' && body !== null && 'user' in body;
}

export interface BrowserGatewayOptions {
  /** Same-origin path of the WebSocket endpoint; default `/ws` (a share guest uses `/shared/<id>/ws`). */
  path?: string;
  /** Asked when a connection fails before opening (see GatewaySocketOptions.checkAuth); default:
   * whether the next-auth session is still good. */
  checkAuth?: () => Promise<boolean>;
  /** See GatewaySocketOptions.blockInputWhileLost. */
  blockInputWhileLost?: boolean;
}

export function createBrowserGatewaySocket(opts: BrowserGatewayOptions = {}): GatewaySocket {
  const gate: Gate = { heldUntil: 0 };
  const socket = new GatewaySocket({
    transport: webSocketTransport(opts.path ?? GATEWAY_PATH, gate),
    env: browserEnvironment,
    checkAuth: opts.checkAuth ?? hasSession,
    blockInputWhileLost: opts.blockInputWhileLost ?? false,
  });
  gates.set(socket, gate);
  return socket;
}

/** The workspace page's socket: its terminal panel shows a lost connection and blocks typing
 * meanwhile (ConnectionLostBanner), so typing is dropped then rather than replayed on resume. */
export function createWorkspaceGatewaySocket(): GatewaySocket {
  return createBrowserGatewaySocket({ blockInputWhileLost: true });
}
