'use client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import Link from 'next/link';
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { EditorPane } from '@/components/editor/EditorPane';
import { ShareDialog } from '@/components/share/ShareDialog';
import { FileTree } from '@/components/files/FileTree';
import { QuickOpen } from '@/components/files/QuickOpen';
import { SearchPanel } from '@/components/files/SearchPanel';
import { SplitHandle } from '@/components/workspace/SplitHandle';
import { TerminalPanel } from '@/components/terminal/TerminalPanel';
import { createFilesBus, type FilesBus } from '@/lib/client/files-bus';
import { createBrowserGatewaySocket } from '@/lib/client/browser-gateway';
import type { ConnectionStatus, GatewaySocket } from '@/lib/client/gateway-socket';
import { registerConnection } from '@/lib/client/test-hook';
import { trpcErrorCode, useTRPC } from '@/lib/client/trpc';
import { ConnectionIndicator } from './ConnectionIndicator';
import { MoveWorkspace } from './MoveWorkspace';
import { RuntimeBadge } from './RuntimeBadge';
import { Toasts, useToasts } from './Toasts';

const noSubscribe = () => () => {};
const connecting = (): ConnectionStatus => 'connecting';

function useConnectionStatus(socket: GatewaySocket | null): ConnectionStatus {
  return useSyncExternalStore(socket?.subscribeStatus ?? noSubscribe, socket?.getStatus ?? connecting, connecting);
}

type Pane = 'files' | 'editor' | 'terminal';
const PANES: ReadonlyArray<readonly [Pane, string]> = [
  ['files', 'Files'],
  ['editor', 'Editor'],
  ['terminal', 'Terminal'],
];

export function WorkspaceView({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const workspace = useQuery(trpc.workspaces.get.queryOptions({ id: workspaceId }));
  // One socket per browser tab, owned by this view: created on mount, disposed on leave.
  const [socket, setSocket] = useState<GatewaySocket | null>(null);
  const status = useConnectionStatus(socket);
  const { toasts, push, dismiss } = useToasts();

  useEffect(() => {
    const s = createBrowserGatewaySocket();
    setSocket(s);
    const off = s.on('error', (e) => push(e.message));
    let opens = s.status === 'open' ? 1 : 0;
    const offStatus = s.on('status', (st) => {
      if (st === 'open') opens++;
    });
    const unregister = registerConnection({ status: () => s.status, opens: () => opens, drop: () => s.dropConnection() });
    return () => {
      off();
      offStatus();
      unregister();
      s.dispose();
    };
  }, [push]);

  useEffect(() => {
    if (status !== 'unauthenticated') return;
    const back = window.location.pathname + window.location.search;
    window.location.assign(`/login?callbackUrl=${encodeURIComponent(back)}`);
  }, [status]);

  const notFound = trpcErrorCode(workspace.error) === 'NOT_FOUND';
  const [bus] = useState<FilesBus>(createFilesBus);
  const [activePath, setActivePath] = useState<string | null>(null);
  const [treeOpen, setTreeOpen] = useState(true);
  const [sidebar, setSidebar] = useState<'files' | 'search'>('files');
  const [quickOpen, setQuickOpen] = useState(false);
  /** Phones show one pane at a time. */
  const [pane, setPane] = useState<Pane>('terminal');
  /** Editor share of the right-hand column, in percent. */
  const [editorShare, setEditorShare] = useState(55);
  const mainRef = useRef<HTMLDivElement>(null);

  // One watch subscription per view feeds the tree and the editor. A restart (the SSE stream
  // reconnected) may have missed events, so everything shown is re-read.
  const started = useRef(false);
  const watch = useSubscription(
    trpc.fs.watch.subscriptionOptions(
      { workspaceId },
      {
        enabled: !notFound,
        onStarted: () => {
          if (started.current) bus.emit('resync');
          started.current = true;
        },
        onData: (batch) => {
          if ('overflow' in batch && batch.overflow) bus.emit('resync');
          else bus.emit('watch', batch.events);
        },
      },
    ),
  );

  useEffect(() => bus.on('open', () => setPane('editor')), [bus]);

  // After a move the workspace runs elsewhere: re-read where (header), watch the files there
  // (a restarted watch re-reads the tree and open files), and let the terminal panel pick up the
  // sessions reopened there.
  const queryClient = useQueryClient();
  const resetWatch = useRef(watch.reset);
  resetWatch.current = watch.reset;
  const [relist, setRelist] = useState(0);
  const onMoved = useCallback(() => {
    void queryClient.invalidateQueries({ queryKey: trpc.workspaces.get.queryKey({ id: workspaceId }) });
    void queryClient.invalidateQueries({ queryKey: trpc.runtimes.workspace.queryKey({ id: workspaceId }) });
    void queryClient.invalidateQueries({ queryKey: trpc.workspaces.list.queryKey() });
    resetWatch.current();
    setRelist((n) => n + 1);
  }, [queryClient, trpc, workspaceId]);

  // Ctrl/Cmd-P: quick open by name; Ctrl/Cmd-Shift-F: search. A focused terminal keeps its keys.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
      if (e.target instanceof Element && e.target.closest('.term-panel')) return;
      const key = e.key.toLowerCase();
      if (key === 'p' && !e.shiftKey) {
        e.preventDefault();
        setQuickOpen(true);
      } else if (key === 'f' && e.shiftKey) {
        e.preventDefault();
        setTreeOpen(true);
        setSidebar('search');
        setPane('files');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const onResize = useCallback((clientY: number) => {
    const box = mainRef.current?.getBoundingClientRect();
    if (!box || box.height <= 0) return;
    setEditorShare(Math.min(85, Math.max(15, ((clientY - box.top) / box.height) * 100)));
  }, []);
  const name = workspace.data?.name ?? (notFound ? 'Not found' : '');
  const [shareOpen, setShareOpen] = useState(false);
  const shareButtonRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (workspace.data) document.title = `${workspace.data.name} · Tether`;
  }, [workspace.data]);

  return (
    <div className="workspace">
      <header className="topbar">
        <Link href="/" className="btn" aria-label="Back to workspaces" data-testid="back-link">
          ←
        </Link>
        <button
          className="btn tree-toggle"
          aria-label={treeOpen ? 'Hide files' : 'Show files'}
          aria-pressed={treeOpen}
          data-testid="tree-toggle"
          onClick={() => setTreeOpen((v) => !v)}
        >
          ☰
        </button>
        <span className="workspace-title" data-testid="workspace-title">
          {name}
        </span>
        <span className="spacer" />
        {!notFound && workspace.data && <MoveWorkspace workspace={workspace.data} onMoved={onMoved} />}
        {!notFound && workspace.data && (
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
        {!notFound && <RuntimeBadge workspaceId={workspaceId} />}
        <ConnectionIndicator status={status} />
      </header>
      {notFound ? (
        <main className="home">
          <p className="empty">
            This workspace does not exist or is not yours. <Link href="/">Back to your workspaces</Link>
          </p>
        </main>
      ) : (
        <>
          <nav className="pane-switch" aria-label="Panes">
            {PANES.map(([key, label]) => (
              <button key={key} className="pane-switch-btn" aria-pressed={pane === key} data-testid={`pane-${key}`} onClick={() => setPane(key)}>
                {label}
              </button>
            ))}
          </nav>
          <div className="ws-body" data-pane={pane} data-tree={treeOpen}>
            <aside className="ws-files" aria-label="Files and search" data-view={sidebar}>
              <div className="sidebar-tabs" role="tablist">
                <button role="tab" aria-selected={sidebar === 'files'} data-testid="sidebar-files" onClick={() => setSidebar('files')}>
                  Files
                </button>
                <button role="tab" aria-selected={sidebar === 'search'} data-testid="sidebar-search" onClick={() => setSidebar('search')}>
                  Search
                </button>
                <span className="spacer" />
                <button className="sidebar-action" title="Open file by name (Ctrl-P)" data-testid="quick-open-button" onClick={() => setQuickOpen(true)}>
                  Go to file
                </button>
              </div>
              <div className="sidebar-view" hidden={sidebar !== 'files'}>
                <FileTree workspaceId={workspaceId} bus={bus} activePath={activePath} notify={push} />
              </div>
              <div className="sidebar-view" hidden={sidebar !== 'search'}>
                <SearchPanel workspaceId={workspaceId} bus={bus} />
              </div>
            </aside>
            <div className="ws-main" ref={mainRef} style={{ ['--editor-share' as string]: `${editorShare}%` }}>
              <div className="ws-editor">
                <EditorPane workspaceId={workspaceId} bus={bus} onActiveChange={setActivePath} notify={push} />
              </div>
              <SplitHandle onMove={onResize} />
              <div className="ws-term">{socket && <TerminalPanel socket={socket} workspaceId={workspaceId} notify={push} relist={relist} />}</div>
            </div>
          </div>
          {quickOpen && <QuickOpen workspaceId={workspaceId} bus={bus} onClose={() => setQuickOpen(false)} />}
        </>
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
      <Toasts toasts={toasts} onDismiss={dismiss} />
    </div>
  );
}
