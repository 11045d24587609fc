'use client';
/**
 * Where the workspace runs, and how well: "This machine", "<host> · ready · 3 channels" /
 * "<host> · reconnecting in 4 s" for an SSH host (the last error on hover), or "Cloud · ready" /
 * "Cloud · lost" for a cloud worker. Polled every 5 s (every second while a worker starts) and
 * whenever the browser tab regains focus.
 */
import { useQuery } from '@tanstack/react-query';
import { runtimeOverride } from '@/lib/client/connection-banner';
import type { ConnectionStatus } from '@/lib/client/gateway-socket';
import { runtimeBadge } from '@/lib/client/runtime-health';
import { errorMessage, useTRPC } from '@/lib/client/trpc';
import { useNow } from '@/lib/client/use-now';

const POLL_MS = 5_000;
const STARTING_POLL_MS = 1_000;


/** `connection`: the tab's gateway socket status; while it is not open the badge says the runtime
 * is unknown rather than show a stale "ready". */
export function RuntimeBadge({ workspaceId, connection }: { workspaceId: string; connection?: ConnectionStatus }) {
  const trpc = useTRPC();
  const q = useQuery(
    trpc.runtimes.workspace.queryOptions(
      { id: workspaceId },
      {
        refetchInterval: (query) => {
          const data = query.state.data;
          return data && 'worker' in data && data.worker?.state === 'starting' ? STARTING_POLL_MS : POLL_MS;
        },
        refetchOnWindowFocus: 'always',
        retry: false,
      },
    ),
  );
  const now = useNow(q.data?.pool?.state === 'backoff' ? 1000 : null);
  const down = runtimeOverride(connection);
  if (down) {
    return (
      <span className="runtime" data-testid="runtime-health" data-state={down.state} title={down.title} aria-label={down.label}>
        <span className="runtime-dot" aria-hidden="true" />
        <span className="runtime-text">{down.label}</span>
      </span>
    );
  }
  if (!q.data) {
    if (!q.isError) return null;
    return (
      <span className="runtime" data-testid="runtime-health" data-state="error" title={errorMessage(q.error)}>
        <span className="runtime-dot" aria-hidden="true" />
        <span className="runtime-text">Runtime unknown</span>
      </span>
    );
  }
  const badge = runtimeBadge(q.data, now);
  return (
    <span className="runtime" data-testid="runtime-health" data-state={badge.state} title={badge.title} aria-label={`Runs on ${badge.label}`}>
      <span className="runtime-dot" aria-hidden="true" />
      <span className="runtime-text">{badge.label}</span>
    </span>
  );
}
