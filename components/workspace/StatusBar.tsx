'use client';
/**
 * The workspace's status bar: the git branch of its folder (none outside a repository), where it
 * runs (RuntimeBadge) and the tab's connection to the gateway (ConnectionIndicator). Only the
 * connection is a live region: the branch and the runtime are polled and would otherwise be
 * read out again and again.
 */
import { useQuery } from '@tanstack/react-query';
import type { ConnectionStatus } from '@/lib/client/connection-status';
import { displayName } from '@/lib/client/file-paths';
import { useTRPC } from '@/lib/client/trpc';
import { ConnectionIndicator } from './ConnectionIndicator';
import { RuntimeBadge } from './RuntimeBadge';

/** A `git checkout` in a terminal shows within this long (and at once when the tab regains focus). */
const BRANCH_POLL_MS = 5_000;

/** `exists` false: a workspace that is not there (or not the user's) has no branch or runtime to show. */
export function StatusBar({ workspaceId, connection, exists = true }: { workspaceId: string; connection: ConnectionStatus; exists?: boolean }) {
  const trpc = useTRPC();
  const git = useQuery(
    trpc.workspaces.gitBranch.queryOptions({ id: workspaceId }, { enabled: exists, refetchInterval: BRANCH_POLL_MS, refetchOnWindowFocus: 'always', retry: false }),
  );
  const branch = exists ? (git.data?.branch ?? null) : null;
  return (
    <footer className="statusbar" data-testid="status-bar">
      {branch && (
        <span className="status-item status-branch" data-testid="status-branch" data-detached={branch.detached} title={branch.detached ? 'Detached HEAD' : 'Git branch'}>
          <span aria-hidden="true">⎇ </span>
          <span className="visually-hidden">{branch.detached ? 'Detached at ' : 'Git branch '}</span>
          {displayName(branch.name)}
        </span>
      )}
      {exists && <RuntimeBadge workspaceId={workspaceId} connection={connection} />}
      <span className="spacer" />
      <ConnectionIndicator status={connection} />
    </footer>
  );
}
