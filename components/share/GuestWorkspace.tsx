'use client';
/**
 * A workspace share, as its guest sees it: the file tree (and search), the editor and the
 * workspace's terminals — wired like WorkspaceView (one fs.watch subscription feeding a files bus),
 * but everything read-only for a `view` link, and no upload or download (those endpoints are for
 * signed-in users). Phones show one pane at a time.
 */
import { useSubscription } from '@trpc/tanstack-react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { EditorPane } from '@/components/editor/EditorPane';
import { FileTree } from '@/components/files/FileTree';
import { QuickOpen } from '@/components/files/QuickOpen';
import { SearchPanel } from '@/components/files/SearchPanel';
import { SplitHandle } from '@/components/workspace/SplitHandle';
import { createFilesBus, type FilesBus } from '@/lib/client/files-bus';
import type { GatewaySocket } from '@/lib/client/gateway-socket';
import { useTRPC } from '@/lib/client/trpc';
import { GuestTerminals, type Notify } from './GuestTerminals';

type Pane = 'files' | 'editor' | 'terminal';
const PANES: ReadonlyArray<readonly [Pane, string]> = [
  ['files', 'Files'],
  ['editor', 'Editor'],
  ['terminal', 'Terminal'],
];

interface Props {
  socket: GatewaySocket;
  workspaceId: string;
  scope: 'view' | 'drive';
  notify: Notify;
}

export function GuestWorkspace({ socket, workspaceId, scope, notify }: Props) {
  const trpc = useTRPC();
  const readOnly = scope === 'view';
  const [bus] = useState<FilesBus>(createFilesBus);
  const [activePath, setActivePath] = useState<string | null>(null);
  const [sidebar, setSidebar] = useState<'files' | 'search'>('files');
  const [quickOpen, setQuickOpen] = useState(false);
  const [pane, setPane] = useState<Pane>('terminal');
  const [editorShare, setEditorShare] = useState(55);
  const mainRef = useRef<HTMLDivElement>(null);

  // One watch subscription feeds the tree and the editor; a restarted stream may have missed
  // events, so everything shown is re-read.
  const started = useRef(false);
  useSubscription(
    trpc.fs.watch.subscriptionOptions(
      { workspaceId },
      {
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

  // Ctrl/Cmd-P: quick open; Ctrl/Cmd-Shift-F: search. A focused terminal keeps its keys.
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

  return (
    <>
      <nav className="pane-switch" aria-label="Panes">
        {PANES.map(([key, label]) => (
          <button key={key} className="pane-switch-btn" aria-pressed={pane === key} data-testid={`pane-${key}`} onClick={() => setPane(key)}>
            {label}
          </button>
        ))}
      </nav>
      <div className="ws-body" data-pane={pane} data-tree="true">
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
            <FileTree workspaceId={workspaceId} bus={bus} activePath={activePath} notify={notify} readOnly={readOnly} fileTransfers={false} />
          </div>
          <div className="sidebar-view" hidden={sidebar !== 'search'}>
            <SearchPanel workspaceId={workspaceId} bus={bus} />
          </div>
        </aside>
        <div className="ws-main" ref={mainRef} style={{ ['--editor-share' as string]: `${editorShare}%` }}>
          <div className="ws-editor">
            <EditorPane workspaceId={workspaceId} bus={bus} onActiveChange={setActivePath} notify={notify} readOnly={readOnly} fileTransfers={false} />
          </div>
          <SplitHandle onMove={onResize} />
          <div className="ws-term">
            <GuestTerminals socket={socket} kind="workspace" scope={scope} workspaceId={workspaceId} sessionId={null} notify={notify} />
          </div>
        </div>
      </div>
      {quickOpen && <QuickOpen workspaceId={workspaceId} bus={bus} onClose={() => setQuickOpen(false)} />}
    </>
  );
}
