/**
 * The browser's own gateway client (lib/client/gateway-socket.ts: reconnect with backoff, channels
 * that re-attach with `resumeFrom` = what they already have) run in Node over `ws`, for tests and
 * benchmarks that kill gateways behind a load balancer and check what a browser would see. The
 * transport mirrors lib/client/browser-gateway.ts; a token or cookie stands in for the browser's
 * cookie jar.
 */
import WebSocket from 'ws';
import { GatewaySocket, type Environment, type TransportFactory } from '../../lib/client/gateway-socket';
import { wsUrl } from './ws-client';

const nodeEnvironment: Environment = {
  isOnline: () => true,
  onOnline: () => () => {},
  onOffline: () => () => {},
  onVisible: () => () => {},
  random: () => Math.random(),
};

export function browserSocket(baseUrl: string, auth: { token?: string; cookie?: string; path?: string }): GatewaySocket {
  const headers: Record<string, string> = {};
  if (auth.token) headers.authorization = `Bearer ${auth.token}`;
  if (auth.cookie) headers.cookie = auth.cookie;
  const transport: TransportFactory = (handlers) => {
    const ws = new WebSocket(wsUrl(baseUrl, auth.path), { headers, perMessageDeflate: false });
    ws.binaryType = 'nodebuffer';
    ws.on('open', () => handlers.onOpen());
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) handlers.onMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    });
    ws.on('error', () => {}); // 'close' follows with 1006
    ws.on('close', (code, reason) => handlers.onClose(code, reason.toString()));
    return {
      send: (frame) => {
        if (ws.readyState !== WebSocket.OPEN) return false;
        ws.send(frame);
        return true;
      },
      close: (code, reason) => {
        ws.removeAllListeners('close');
        ws.removeAllListeners('message');
        ws.removeAllListeners('open');
        ws.on('error', () => {});
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        else ws.close(code, reason);
      },
    };
  };
  return new GatewaySocket({ transport, env: nodeEnvironment });
}
