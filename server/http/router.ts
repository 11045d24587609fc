/**
 * The gateway's HTTP front: a table of routes (exact path, path prefix or pattern → handler) in
 * front of a fallback (the UI). Every request gets the security headers and a request id (the
 * caller's `X-Request-Id` when sane, else a new one, echoed back); all but the quiet paths are
 * access-logged when the response finishes. A route marked `sameOrigin` is refused with 403 when
 * its Origin is cross-site (the one origin check of both tRPC mounts). A handler's rejected promise
 * is logged and answered with 500.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { randomId } from '../../lib/shared/ids';
import type { Logger } from '../log';
import { originAllowed } from './origin';

/** `match` is the pattern's match for a pattern route, else null. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, match: RegExpExecArray | null) => void | Promise<unknown>;

export type Route = ({ path: string } | { prefix: string } | { pattern: RegExp }) & {
  /** Refuse cross-origin requests (cookie-authenticated APIs) before the handler runs. */
  sameOrigin?: boolean;
  /** What the access log shows instead of the path (a path that carries a secret). */
  logAs?: string;
  handle: RouteHandler;
};

/** Request → its id, for handlers that log (tRPC's context and error hook). */
export type RequestIds = WeakMap<IncomingMessage, string>;

export interface RouterOptions {
  routes: readonly Route[];
  /** Requests no route takes. */
  fallback: RouteHandler;
  trustedOrigins: readonly string[];
  requestIds: RequestIds;
  log: Logger;
}

/** Not access-logged: Next's static assets and the probes. */
const QUIET_PATH = /^\/(?:_next\/|favicon|healthz$|readyz$|icon|apple-touch|sw\.js$|manifest)/;
const REQUEST_ID = /^[A-Za-z0-9_-]{8,64}$/;

/** The caller's `X-Request-Id` when it is a sane one (a proxy's), else a new id. */
function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomId(9);
}

function securityHeaders(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
}

/** The first route that takes `pathname`, with its pattern's match. */
function findRoute(routes: readonly Route[], pathname: string): { route: Route; match: RegExpExecArray | null } | null {
  for (const route of routes) {
    if ('path' in route && pathname === route.path) return { route, match: null };
    if ('prefix' in route && pathname.startsWith(route.prefix)) return { route, match: null };
    if ('pattern' in route) {
      const match = route.pattern.exec(pathname);
      if (match) return { route, match };
    }
  }
  return null;
}

export function createRouter(opts: RouterOptions): RequestListener {
  const { routes, fallback, trustedOrigins, requestIds, log } = opts;
  return (req, res) => {
    securityHeaders(res);
    const pathname = (req.url ?? '/').split('?')[0]!;
    const found = findRoute(routes, pathname);
    const logPath = found?.route.logAs ?? pathname;
    const reqId = requestId(req);
    res.setHeader('x-request-id', reqId);
    requestIds.set(req, reqId);
    if (!QUIET_PATH.test(pathname)) {
      const started = performance.now();
      res.once('finish', () =>
        log.info('request', { req: reqId, method: req.method, path: logPath, status: res.statusCode, ms: Math.round(performance.now() - started) }),
      );
    }
    const fail = (err: unknown) => {
      log.error('request failed', { req: reqId, path: logPath, error: (err as Error).message });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('Internal error');
    };
    if (found?.route.sameOrigin && !originAllowed(req, trustedOrigins)) {
      res.writeHead(403, { 'content-type': 'text/plain' });
      return void res.end('Cross-origin request refused');
    }
    const handled = found ? found.route.handle(req, res, found.match) : fallback(req, res, null);
    if (handled) handled.catch(fail);
  };
}
