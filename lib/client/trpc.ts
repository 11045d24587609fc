'use client';
/**
 * tRPC client for the gateway's `/api/trpc`: queries and mutations batched over HTTP,
 * subscriptions over SSE. Plain JSON (no transformer), matching the server.
 */
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, type TRPCClient } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import type { AppRouter } from '@/server/trpc/router';

export const TRPC_URL = '/api/trpc';

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** A client for `url`: the app's `/api/trpc`, or a share guest's `/shared/<id>/api/trpc`. */
export function createTrpcClient(url: string = TRPC_URL): TRPCClient<AppRouter> {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({ url }),
        false: httpBatchLink({ url }),
      }),
    ],
  });
}

/** The tRPC error code of a failed call (e.g. 'UNAUTHORIZED', 'CONFLICT'), when there is one. */
export function trpcErrorCode(err: unknown): string | null {
  if (typeof err !== 'object' || err === null || !('data' in err)) return null;
  const data: unknown = err.data;
  if (typeof data !== 'object' || data === null || !('code' in data)) return null;
  return typeof data.code === 'string' ? data.code : null;
}

/** The message of a failed call, fit to show a person. */
export function errorMessage(err: unknown): string {
  return err instanceof Error && err.message ? err.message : 'Something went wrong; try again.';
}
