/**
 * `GET /s/<token>`: a teammate opens a share link. The token is exchanged for a guest cookie
 * (HttpOnly, SameSite=Strict, Path=/shared/<shareId>) and the browser is sent on to
 * `/shared/<shareId>`, a URL without the token — so after first use the token is in no access log,
 * Referer or history entry. A link that does not work gets a plain page saying why.
 *
 * The token is never logged: the request line is not logged anywhere in the gateway, and failures
 * here log only the share id.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FailureLimiter } from '../auth/rate-limit';
import { serializeCookie } from '../http/cookies';
import { remoteAddress } from '../http/origin';
import type { Logger } from '../log';
import { DENIAL_MESSAGES, GUEST_COOKIE, type Denial, type ShareService } from './share-service';

export const SHARE_LINK_PREFIX = '/s/';
/** tRPC for guests: `/shared/<shareId>/api/trpc/...` (the guest cookie's path). */
export const GUEST_TRPC_PATH = /^\/shared\/([A-Za-z0-9_-]{1,64})(\/api\/trpc\/.*)$/;

export interface ShareRouteDeps {
  shares: ShareService;
  secure: boolean;
  /** Failed link lookups per IP (guessing). */
  limiter: FailureLimiter;
  log: Logger;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const TITLES: Record<Denial | 'limited', string> = {
  not_found: 'Link not valid',
  revoked: 'Link revoked',
  expired: 'Link expired',
  kicked: 'Removed from this share',
  full: 'Link used up',
  limited: 'Too many attempts',
};

/** A self-contained page (no scripts, no external resources) saying why a link does not open. */
export function deniedPage(res: ServerResponse, status: number, denial: Denial | 'limited', message: string): void {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(TITLES[denial])} · Tether</title>
<style>body{margin:0;min-height:100vh;display:grid;place-items:center;background:#0d1117;color:#e6edf3;font:16px/1.5 system-ui,sans-serif}
main{max-width:28rem;padding:2rem;border:1px solid #30363d;border-radius:8px;background:#161b22}h1{font-size:1.25rem;margin:0 0 .5rem}p{margin:0;color:#9da7b3}</style></head>
<body><main data-share-denied="${denial}"><h1>${escapeHtml(TITLES[denial])}</h1><p>${escapeHtml(message)}</p></main></body></html>`;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
  });
  res.end(body);
}

export async function handleShareLink(req: IncomingMessage, res: ServerResponse, deps: ShareRouteDeps): Promise<void> {
  if (req.method !== 'GET') {
    res.writeHead(405, { allow: 'GET', 'content-type': 'text/plain' });
    return void res.end('Method not allowed');
  }
  const ip = remoteAddress(req);
  const wait = deps.limiter.retryAfterMs(ip);
  if (wait > 0) {
    res.setHeader('retry-after', String(Math.ceil(wait / 1000)));
    return deniedPage(res, 429, 'limited', 'Too many links that did not work were tried from this address. Wait a minute and try again.');
  }
  const token = (req.url ?? '').split('?')[0]!.slice(SHARE_LINK_PREFIX.length);
  const joined = await deps.shares.join(token, ip);
  if (!joined.ok) {
    if (joined.denial === 'not_found') deps.limiter.fail(ip);
    return deniedPage(res, joined.denial === 'not_found' ? 404 : joined.denial === 'full' ? 403 : 410, joined.denial, DENIAL_MESSAGES[joined.denial]);
  }
  const { principal, cookie, maxAgeSeconds } = joined.value;
  const home = `/shared/${principal.share.id}`;
  res.writeHead(303, {
    location: home,
    'cache-control': 'no-store',
    'set-cookie': serializeCookie(GUEST_COOKIE, cookie, { path: home, httpOnly: true, sameSite: 'strict', secure: deps.secure, maxAge: maxAgeSeconds }),
  });
  res.end();
}
