import type { IncomingMessage } from 'node:http';

/**
 * Cross-origin guard for cookie-authenticated requests and WebSocket upgrades.
 * No Origin header → not a browser cross-site request (scripts, curl): allowed, auth still applies.
 * `Origin: null` (sandboxed iframes, file://) and any origin whose host differs from Host and from
 * the configured trusted origins → refused.
 */
export function originAllowed(req: IncomingMessage, trustedOrigins: readonly string[] = []): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (trustedOrigins.includes(origin)) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const host = req.headers.host;
  return host !== undefined && url.host.toLowerCase() === host.toLowerCase();
}

/** The peer address; never taken from client-supplied forwarding headers. */
export function remoteAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}
