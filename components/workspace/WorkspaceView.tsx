'use client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useRef, useState } from 'react';
import { CommandsProvider } from '@/components/commands/CommandsProvider';
import { useRegisterCommands } from '@/components/commands/commands-context';
import { GuestTerminals } from '@/components/share/GuestTerminals';
import { ShareDialog } from '@/components/share/ShareDialog';
import { TerminalPanel } from '@/components/terminal/TerminalPanel';
import { createWorkspaceGatewaySocket } from '@/lib/client/browser-gateway';
import { COMMAND_KEYS } from '@/lib/client/command-keys';
import { CommandRegistry } from '@/lib/client/commands';
import { useConnectionStatus, usePageSocket } from '@/lib/client/page-socket';
import { trpcErrorCode, useTRPC } from '@/lib/client/trpc';
import { MirrorStatus } from './MirrorStatus';
import { MoveWorkspace } from './MoveWorkspace';
import { StatusBar } from './StatusBar';
import { Toasts, useToasts } from './Toasts';
import { useStoredLayout } from './use-layout';
import { MemberBadge, MemberEnded } from './MemberParts';
import { WorkspaceBody } from './WorkspaceBody';

export function WorkspaceView({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const workspace = useQuery(trpc.workspaces.get.queryOptions({ id: workspaceId }));
  const { toasts, push, dismiss } = useToasts();
  // One socket per browser tab, owned by this view: created on mount, disposed on leave.
  const socket = usePageSocket(createWorkspaceGatewaySocket, push);
  const status = useConnectionStatus(socket);

  useEffect(() => {
    if (status !== 'unauthenticated') return;
    const back = window.location.pathname + window.location.search;
    window.location.assign(`/login?callbackUrl=${encodeURIComponent(back)}`);
  }, [status]);

  const notFound = trpcErrorCode(workspace.error) === 'NOT_FOUND';
  // Someone else's workspace this user is a member of: their own sign-in, the role's limits, and
  // nothing of the owner's (move, share, delete, status of where it runs).
  const membership = workspace.data?.membership ?? null;
  const owned = workspace.data !== undefined && membership === null;
  // Removed, made a viewer, or the workspace went: the gateway closed the socket (4403) and why.
  const ended = status === 'forbidden' ? (socket?.closeReason ?? 'This workspace is no longer shared with you.') : null;
  // The layout is the user's, whichever workspace they open (lib/client/layout.ts).
  const me = useQuery(trpc.me.queryOptions());
  const [layout, setLayout] = useStoredLayout(me.data?.id ?? null);
  const treeOpen = layout.sidebarOpen;
  const toggleTree = useCallback(() => setLayout((l) => ({ sidebarOpen: !l.sidebarOpen })), [setLayout]);

  // After a move the workspace runs elsewhere: re-read where (header), watch the files there
  // (a restarted watch re-reads the tree and open files), and let the terminal panel pick up the
  // sessions reopened there.
  const queryClient = useQueryClient();
  const resetWatch = useRef<(() => void) | null>(null);
  const [relist, setRelist] = useState(0);
  const onMoved = useCallback(() => {
    void queryClient.invalidateQueries({ queryKey: trpc.workspaces.get.queryKey({ id: workspaceId }) });
    void queryClient.invalidateQueries({ queryKey: trpc.runtimes.workspace.queryKey({ id: workspaceId }) });
    void queryClient.invalidateQueries({ queryKey: trpc.workspaces.list.queryKey() });
    resetWatch.current?.();
    setRelist((n) => n + 1);
  }, [queryClient, trpc, workspaceId]);

  const name = workspace.data?.name ?? (notFound ? 'Not found' : '');
  const [shareOpen, setShareOpen] = useState(false);
  const shareButtonRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (workspace.data) document.title = `${workspace.data.name} · Tether`;
  }, [workspace.data]);

  const [commands] = useState(() => new CommandRegistry());
  const router = useRouter();
  useRegisterCommands(
    [
      { ...COMMAND_KEYS['workbench.toggleFiles'], run: toggleTree },
      { ...COMMAND_KEYS['workbench.openSettings'], run: () => router.push(`/settings?from=${encodeURIComponent(`/w/${workspaceId}`)}`) },
      {
        id: 'workspace.share',
        title: 'Workspace: Share Workspace…',
        enabled: () => !notFound && owned,
        run: () => setShareOpen(true),
      },
      { id: 'workspace.back', title: 'Workspace: Back to Workspaces', run: () => router.push('/') },
    ],
    commands,
  );

  return (
    <CommandsProvider registry={commands}>
      <div className="workspace">
        <header className="topbar">
          <Link href="/" prefetch={false} className="btn" aria-label="Back to workspaces" data-testid="back-link">
            ←
          </Link>
          <button
            className="btn tree-toggle"
            aria-label={treeOpen ? 'Hide files' : 'Show files'}
            aria-pressed={treeOpen}
            data-testid="tree-toggle"
            onClick={toggleTree}
          >
            ☰
          </button>
          <h1 className="workspace-title" data-testid="workspace-title">
            {name}
          </h1>
          <span className="spacer" />
          {membership && <MemberBadge owner={membership.owner} role={membership.role} />}
          {owned && <MirrorStatus workspaceId={workspaceId} />}
          {owned && workspace.data && <MoveWorkspace workspace={workspace.data} onMoved={onMoved} />}
          {owned && (
            <button
              ref={shareButtonRef}
              className="btn share-workspace-button"
              data-testid="share-workspace"
              aria-haspopup="dialog"
              aria-expanded={shareOpen}
              title="Share this workspace with a link"
              onClick={() => setShareOpen(true)}
            >
              Share<span className="share-workspace-long"> workspace</span>
            </button>
          )}
        </header>
        {ended !== null ? (
          <MemberEnded message={ended} />
        ) : notFound ? (
          <main className="home">
            <p className="empty">
              This workspace does not exist or is not yours. <Link href="/">Back to your workspaces</Link>
            </p>
          </main>
        ) : (
          <WorkspaceBody
            workspaceId={workspaceId}
            notify={push}
            layout={layout}
            onLayout={setLayout}
            resetWatchRef={resetWatch}
            readOnly={membership?.role === 'viewer'}
            fileTransfers={!membership}
            terminals={
              socket &&
              workspace.data &&
              (membership ? (
                <GuestTerminals socket={socket} kind="workspace" scope={membership.role === 'viewer' ? 'view' : 'drive'} workspaceId={workspaceId} sessionId={null} notify={push} />
              ) : (
                <TerminalPanel socket={socket} workspaceId={workspaceId} notify={push} relist={relist} />
              ))
            }
          />
        )}
        {shareOpen && workspace.data && (
          <ShareDialog
            workspaceId={workspaceId}
            workspaceName={workspace.data.name}
            onClose={() => {
              setShareOpen(false);
              requestAnimationFrame(() => shareButtonRef.current?.focus());
            }}
            notify={push}
          />
        )}
        <StatusBar workspaceId={workspaceId} connection={status} exists={owned} />
        <Toasts toasts={toasts} onDismiss={dismiss} />
      </div>
    </CommandsProvider>
  );
}
