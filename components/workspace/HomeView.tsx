'use client';
/**
 * The home page: the person's workspaces, each with where it runs, how many terminals run there,
 * how many wait for input (linking to /agents) and when it was last active — `workspaces.overview`,
 * refreshed every 10 s while the tab is visible. "New workspace" opens the create form in a dialog.
 * Below them, the workspaces other accounts shared with the person ("Shared with you"). Hosts,
 * share links, API tokens and the cloud pool have their own pages (see AppHeader).
 */
import { useQuery } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useRef, useState } from 'react';
import { PageFrame } from '@/components/nav/PageFrame';
import { landOnAgents } from '@/lib/client/phone-landing';
import { errorMessage, useTRPC } from '@/lib/client/trpc';
import { CreateWorkspaceForm } from './CreateWorkspaceForm';
import { ModalDialog } from './ModalDialog';
import { SharedWithYou } from './SharedWithYou';
import { WorkspaceCard } from './WorkspaceCard';
import './home.css';
import { useNow } from '@/lib/client/use-now';

/** How often the statuses are refreshed while the page is visible. */
const POLL_MS = 10_000;
/** How often relative times ("active 2 min ago") move on between refreshes. */
const TICK_MS = 15_000;


export function HomeView() {
  const trpc = useTRPC();
  // react-query pauses the interval while the tab is hidden and refetches when it is shown again.
  const list = useQuery(trpc.workspaces.overview.queryOptions(undefined, { refetchInterval: POLL_MS, staleTime: 0 }));
  const tick = useNow(TICK_MS);
  const now = Math.max(tick, list.dataUpdatedAt);
  const router = useRouter();
  const [creating, setCreating] = useState(false);
  /** A workspace just created: its link gets the focus once it is listed. */
  const [focusId, setFocusId] = useState<string | null>(null);
  const newButton = useRef<HTMLButtonElement>(null);
  const listRef = useRef<HTMLUListElement>(null);

  useEffect(() => {
    if (landOnAgents()) router.replace('/agents');
  }, [router]);

  const closeDialog = useCallback(() => {
    setCreating(false);
    newButton.current?.focus();
  }, []);

  useEffect(() => {
    if (!focusId || !list.data?.some((w) => w.id === focusId)) return;
    listRef.current?.querySelector<HTMLElement>(`[data-testid="workspace-link"][data-workspace-id="${CSS.escape(focusId)}"]`)?.focus();
    setFocusId(null);
  }, [focusId, list.data]);

  const count = list.data?.length ?? 0;
  return (
    <PageFrame className="home" testId="home">
      <div className="page-head">
        <h1>Workspaces</h1>
        <button ref={newButton} className="btn btn-primary" data-testid="new-workspace" aria-haspopup="dialog" onClick={() => setCreating(true)}>
          New workspace
        </button>
      </div>
      {creating && (
        <ModalDialog className="create-dialog" title="New workspace" onClose={closeDialog} data-testid="create-dialog">
          <CreateWorkspaceForm
            onCancel={closeDialog}
            onCreated={(ws) => {
              setCreating(false);
              setFocusId(ws.id);
            }}
          />
        </ModalDialog>
      )}
      {list.isPending && <p className="muted">Loading workspaces…</p>}
      {list.isError && !list.data && <p className="field-error">Could not load workspaces: {errorMessage(list.error)}</p>}
      {list.data && count === 0 && (
        <div className="empty" data-testid="workspaces-empty">
          <p>No workspaces yet.</p>
          <p>
            A workspace is a folder with its terminals and files — on this machine, on an SSH host (add one under Hosts) or on a
            cloud worker. Choose <strong>New workspace</strong> to make one; it opens with a terminal.
          </p>
        </div>
      )}
      {list.data && count > 0 && (
        <ul className="workspace-cards" ref={listRef} aria-label="Your workspaces">
          {list.data.map((ws) => (
            <WorkspaceCard key={ws.id} ws={ws} now={now} />
          ))}
        </ul>
      )}
      <SharedWithYou />
    </PageFrame>
  );
}
