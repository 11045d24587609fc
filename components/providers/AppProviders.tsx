'use client';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { SettingsProvider } from '@/components/settings/SettingsProvider';
import { TRPCProvider, createTrpcClient, trpcErrorCode } from '@/lib/client/trpc';

/** A session that expired mid-visit: send the person to sign in again and come back here. */
function onApiError(err: unknown): void {
  if (trpcErrorCode(err) !== 'UNAUTHORIZED' || typeof window === 'undefined') return;
  if (window.location.pathname === '/login') return;
  const back = window.location.pathname + window.location.search;
  window.location.assign(`/login?callbackUrl=${encodeURIComponent(back)}`);
}

export function AppProviders({ children }: { children: ReactNode }) {
  // One client per browser tab, created lazily so server rendering never shares one between users.
  const [queryClient] = useState(
    () =>
      new QueryClient({
        queryCache: new QueryCache({ onError: onApiError }),
        mutationCache: new MutationCache({ onError: onApiError }),
        defaultOptions: {
          queries: {
            staleTime: 10_000,
            retry: (count, err) => trpcErrorCode(err) === null && count < 2,
          },
        },
      }),
  );
  const [trpcClient] = useState(createTrpcClient);
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <SettingsProvider>{children}</SettingsProvider>
      </TRPCProvider>
    </QueryClientProvider>
  );
}
