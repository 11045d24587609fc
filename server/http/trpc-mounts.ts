/**
 * tRPC's two mounts: members at `/api/trpc/…` (session cookie or API token) and share guests at
 * `/shared/<shareId>/api/trpc/…` (that share's guest cookie). Both serve the same router; the
 * context says who is calling. The origin check of both is the router's (`sameOrigin` routes).
 */
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { IncomingMessage } from 'node:http';
import type { Authenticator } from '../auth/authenticator';
import type { Logger } from '../log';
import { GUEST_COOKIE, type ShareService } from '../sharing/share-service';
import type { TrpcServices } from '../trpc/init';
import { appRouter } from '../trpc/router';
import { parseCookies } from './cookies';
import { remoteAddress } from './origin';
import type { RequestIds, RouteHandler } from './router';

export const TRPC_PATH = '/api/trpc';

export interface TrpcMountOptions {
  /** Everything a procedure may use except its request's logger. */
  services: Omit<TrpcServices, 'log'>;
  authenticator: Authenticator;
  requestIds: RequestIds;
  log: Logger;
}

export interface TrpcMounts {
  /** `/api/trpc/…` */
  member: RouteHandler;
  /** `/shared/<shareId>/api/trpc/…`: the route's pattern captures the share id first. */
  guest: RouteHandler;
}

export function createTrpcMounts(opts: TrpcMountOptions): TrpcMounts {
  const { services, authenticator, requestIds, log } = opts;
  const { shares } = services;
  /** Requests that came in under a share's path, with what their cookie is worth. */
  const guestRequests = new WeakMap<IncomingMessage, Awaited<ReturnType<ShareService['authenticate']>>>();
  const handler = createHTTPHandler({
    router: appRouter,
    basePath: `${TRPC_PATH}/`,
    createContext: async ({ req }) => {
      const perRequest = { ...services, log: log.child({ req: requestIds.get(req) }), peer: remoteAddress(req) };
      const guest = guestRequests.get(req);
      if (guest) return { ...perRequest, user: null, guest: guest.ok ? guest.value : null, guestDenial: guest.ok ? null : guest.denial };
      return { ...perRequest, user: await authenticator.authenticate(req), guest: null, guestDenial: null };
    },
    onError: ({ error, path: p, req }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') log.error('trpc error', { req: requestIds.get(req), path: p, error: error.message });
    },
  });
  return {
    member: (req, res) => handler(req, res),
    guest: async (req, res, match) => {
      const shareId = match![1]!;
      const auth = await shares.authenticate(shareId, parseCookies(req.headers.cookie)[GUEST_COOKIE]);
      guestRequests.set(req, auth);
      // Revoking the link (or its expiry, or a kick) cuts open streams such as presence or watch.
      if (auth.ok) res.once('close', shares.attach(auth.value, () => res.destroy()));
      req.url = req.url!.slice(`/shared/${shareId}`.length);
      return handler(req, res);
    },
  };
}
