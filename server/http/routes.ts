/**
 * The gateway's route table, in the order the router tries it: probes, metrics, next-auth, share
 * links, guest tRPC, file transfer, tRPC. Anything else goes to the UI (`ui.ts`).
 */
import type { AuthOptions } from 'next-auth';
import type { Authenticator } from '../auth/authenticator';
import { AUTH_BASE_PATH, handleAuthRequest } from '../auth/next-auth';
import { FailureLimiter } from '../auth/rate-limit';
import type { DatabaseHandle } from '../db/database';
import type { Logger } from '../log';
import type { Metrics } from '../observability/metrics';
import type { RuntimeRegistry } from '../placements/runtime-registry';
import { GUEST_TRPC_PATH, SHARE_LINK_PREFIX, handleShareLink } from '../sharing/share-routes';
import type { ShareService } from '../sharing/share-service';
import type { WorkspaceService } from '../workspaces/workspace-service';
import { FILES_PATH, handleFileRequest } from './file-routes';
import type { Route, RouteHandler } from './router';
import { TRPC_PATH, type TrpcMounts } from './trpc-mounts';

export interface RouteDeps {
  dbh: DatabaseHandle;
  /** True once the gateway is shutting down (/readyz turns 503). */
  closing: () => boolean;
  authenticator: Authenticator;
  authOptions: AuthOptions;
  metrics: Metrics;
  shares: ShareService;
  workspaces: WorkspaceService;
  runtimes: RuntimeRegistry;
  trpc: TrpcMounts;
  secure: boolean;
  trustedOrigins: readonly string[];
  log: Logger;
}

/** Why the database cannot serve requests, or null when it can (a round trip on Postgres). */
async function databaseProblem(dbh: DatabaseHandle): Promise<string | null> {
  try {
    await dbh.query('SELECT 1');
    return null;
  } catch (err) {
    return `database: ${(err as Error).message}`;
  }
}

/** Prometheus text for admins (session cookie or API token). */
function metricsPage(authenticator: Authenticator, metrics: Metrics): RouteHandler {
  return async (req, res) => {
    const user = await authenticator.authenticate(req);
    if (!user || user.role !== 'admin') {
      res.writeHead(user ? 403 : 401, { 'content-type': 'text/plain' });
      return res.end(user ? 'Metrics are for admins\n' : 'Sign in or send an admin API token\n');
    }
    const body = await metrics.text();
    res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
    res.end(body);
  };
}

export function gatewayRoutes(deps: RouteDeps): Route[] {
  const { authenticator, shares, secure, trustedOrigins, log } = deps;
  const auth: RouteHandler = (req, res) => handleAuthRequest(req, res, deps.authOptions, secure);
  const linkLimiter = new FailureLimiter({ max: 30, windowMs: 60_000 });
  return [
    {
      path: '/healthz',
      handle: (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
      },
    },
    {
      path: '/readyz',
      handle: async (_req, res) => {
        const problem = deps.closing() ? 'shutting down' : await databaseProblem(deps.dbh);
        res.writeHead(problem ? 503 : 200, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
        res.end(problem ? `not ready: ${problem}\n` : 'ready\n');
      },
    },
    { path: '/metrics', handle: metricsPage(authenticator, deps.metrics) },
    { path: AUTH_BASE_PATH, handle: auth },
    { prefix: AUTH_BASE_PATH + '/', handle: auth },
    // A share link's path is its token: it is logged without it (and the logger scrubs tokens too).
    { prefix: SHARE_LINK_PREFIX, logAs: `${SHARE_LINK_PREFIX}…`, handle: (req, res) => handleShareLink(req, res, { shares, secure, limiter: linkLimiter, log }) },
    { pattern: GUEST_TRPC_PATH, sameOrigin: true, handle: deps.trpc.guest },
    { prefix: FILES_PATH, handle: (req, res) => handleFileRequest(req, res, { authenticator, workspaces: deps.workspaces, runtimes: deps.runtimes, trustedOrigins }) },
    { prefix: TRPC_PATH + '/', sameOrigin: true, handle: deps.trpc.member },
  ];
}
