/**
 * The Next.js UI behind the gateway: loading it, and the router's fallback that serves it (pages
 * that need a signed-in user redirect to /login before Next renders them).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import type { Authenticator } from '../auth/authenticator';
import type { Config } from '../config';
import type { RouteHandler } from './router';

/** Pages that need a signed-in user; the gateway redirects to /login before Next renders them. */
const PROTECTED_PAGE = /^\/(?:$|w\/|agents$|account$|hosts$|tokens$|shares$|cloud$|settings$)/;

export interface UiHandler {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Next's own upgrade handling (dev HMR); null in production. */
  upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  close(): Promise<void>;
}

export async function loadUi(config: Config): Promise<UiHandler> {
  const { default: next } = await import('next');
  const app = next({ dev: config.dev, dir: path.resolve(import.meta.dirname, '..', '..'), hostname: config.host, port: config.port || undefined });
  await app.prepare();
  const handle = app.getRequestHandler();
  const upgrade = config.dev ? app.getUpgradeHandler() : undefined;
  return {
    handle: (req, res) => handle(req, res),
    upgrade,
    close: () => app.close(),
  };
}

/** What answers requests no route takes: the UI, or 404 when the gateway runs without one. */
export function uiFallback(ui: UiHandler | null, authenticator: Authenticator): RouteHandler {
  return (req, res) => {
    if (!ui) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return void res.end('Not found');
    }
    if (req.method === 'GET' && PROTECTED_PAGE.test((req.url ?? '/').split('?')[0]!)) {
      return authenticator.authenticate(req).then((user) => {
        if (user) return ui.handle(req, res);
        res.writeHead(302, { location: `/login?callbackUrl=${encodeURIComponent(req.url ?? '/')}` });
        res.end();
      });
    }
    return ui.handle(req, res);
  };
}
