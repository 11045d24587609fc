'use client';
/**
 * The body of a workspace — file tree and search, editor, terminals, and on phones one pane at a
 * time — for its owner (WorkspaceView) and for a guest of a workspace share (GuestWorkspace).
 * One fs.watch subscription feeds the tree and the editor through a files bus; a restarted stream
 * may have missed events, so everything shown is re-read.
 */
import { useSubscription } from '@trpc/tanstack-react-query';
import { useCallback, useEffect, useRef, useState, type ReactNode, type RefObject } from 'react';
import { EditorPane } from '@/components/editor/EditorPane';
import { FileTree } from '@/components/files/FileTree';
import { QuickOpen } from '@/components/files/QuickOpen';
import { SearchPanel } from '@/components/files/SearchPanel';
import { useRegisterCommands } from '@/components/commands/commands-context';
import type { Notify } from '@/components/terminal/TerminalPanel';
import { createFilesBus, type FilesBus } from '@/lib/client/files-bus';
import { nextRegion, REGIONS, toggleTarget, type Region } from '@/lib/client/focus-regions';
import { useTRPC } from '@/lib/client/trpc';
import { focusRegion, regionOf } from './focus-region';
import { SplitHandle } from './SplitHandle';

type Pane = 'files' | 'editor' | 'terminal';
const PANES: ReadonlyArray<readonly [Pane, string]> = [
  ['files', 'Files'],
  ['editor', 'Editor'],
  ['terminal', 'Terminal'],
];

interface Props {
  workspaceId: string;
  notify: Notify;
  /** The terminal panel (the owner's, or a guest's). */
  terminals: ReactNode;
  treeOpen?: boolean;
  /** Search in files (Ctrl/Cmd-Shift-F) and focusing the tree ask for the tree to be shown. */
  onShowTree?: () => void;
  /** Nothing in the tree or the editor can change files (a `view` share). */
  readOnly?: boolean;
  /** Upload and download (`/api/files`, signed-in users only). */
  fileTransfers?: boolean;
  /** Filled with a function that restarts the file watch (after the workspace moved). */
  resetWatchRef?: RefObject<(() => void) | null>;
}

export function WorkspaceBody({ workspaceId, notify, terminals, treeOpen = true, onShowTree, readOnly = false, fileTransfers = true, resetWatchRef }: Props) {
  const trpc = useTRPC();
  const [bus] = useState<FilesBus>(createFilesBus);
  const [activePath, setActivePath] = useState<string | null>(null);
  const [sidebar, setSidebar] = useState<'files' | 'search'>('files');
  const [quickOpen, setQuickOpen] = useState(false);
  /** Phones show one pane at a time. */
  const [pane, setPane] = useState<Pane>('terminal');
  /** Editor share of the right-hand column, in percent. */
  const [editorShare, setEditorShare] = useState(55);
  const mainRef = useRef<HTMLDivElement>(null);

  const started = useRef(false);
  const watch = useSubscription(
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
  if (resetWatchRef) resetWatchRef.current = watch.reset;

  useEffect(() => bus.on('open', () => setPane('editor')), [bus]);

  const showTree = useRef(onShowTree);
  showTree.current = onShowTree;
  const bodyRef = useRef<HTMLDivElement>(null);
  /** Give `region` the keyboard (on a phone, show its pane first; a pane shown just now is laid out on the next frame). */
  const focus = (region: Region, afterRender = false) => {
    setPane(region);
    if (region === 'files') showTree.current?.();
    if (afterRender || !focusRegion(bodyRef.current, region)) requestAnimationFrame(() => focusRegion(bodyRef.current, region));
  };
  const cycle = (step: 1 | -1) => {
    const next = nextRegion(regionOf(document.activeElement), treeOpen ? REGIONS : ['editor', 'terminal'], step);
    if (next) focus(next);
  };
  // `global` commands take their keys from a focused terminal too (see lib/client/commands.ts).
  useRegisterCommands([
    { id: 'workbench.quickOpen', title: 'Go to File…', keybindings: [{ key: 'ctrl+p', mac: 'cmd+p' }], scope: 'global', run: () => setQuickOpen(true) },
    {
      id: 'workbench.findInFiles',
      title: 'Search: Find in Files',
      keybindings: [{ key: 'ctrl+shift+f', mac: 'cmd+shift+f' }],
      scope: 'global',
      run: () => {
        setSidebar('search');
        focus('files', true);
      },
    },
    {
      id: 'workbench.showFiles',
      title: 'View: Show Files',
      keybindings: [{ key: 'ctrl+shift+e', mac: 'cmd+shift+e' }],
      run: () => {
        setSidebar('files');
        focus('files', true);
      },
    },
    { id: 'workbench.focusEditor', title: 'View: Focus Editor', run: () => focus('editor') },
    { id: 'workbench.focusTerminal', title: 'Terminal: Focus Terminal', run: () => focus('terminal') },
    {
      id: 'workbench.toggleTerminalFocus',
      title: 'View: Toggle Focus Between Terminal and Editor',
      keybindings: [{ key: 'ctrl+`' }],
      scope: 'global',
      run: () => focus(toggleTarget(regionOf(document.activeElement))),
    },
    { id: 'workbench.focusNextPart', title: 'View: Focus Next Part', keybindings: [{ key: 'f6' }], scope: 'global', run: () => cycle(1) },
    { id: 'workbench.focusPreviousPart', title: 'View: Focus Previous Part', keybindings: [{ key: 'shift+f6' }], scope: 'global', run: () => cycle(-1) },
  ]);

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
      <div className="ws-body" data-pane={pane} data-tree={treeOpen} ref={bodyRef}>
        <aside className="ws-files" aria-label="Files and search" data-view={sidebar} data-region="files">
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
            <FileTree workspaceId={workspaceId} bus={bus} activePath={activePath} notify={notify} readOnly={readOnly} fileTransfers={fileTransfers} />
          </div>
          <div className="sidebar-view" hidden={sidebar !== 'search'}>
            <SearchPanel workspaceId={workspaceId} bus={bus} />
          </div>
        </aside>
        <div className="ws-main" ref={mainRef} style={{ ['--editor-share' as string]: `${editorShare}%` }}>
          <div className="ws-editor" data-region="editor">
            <EditorPane workspaceId={workspaceId} bus={bus} onActiveChange={setActivePath} notify={notify} readOnly={readOnly} fileTransfers={fileTransfers} />
          </div>
          <SplitHandle onMove={onResize} />
          <div className="ws-term" data-region="terminal">
            {terminals}
          </div>
        </div>
      </div>
      {quickOpen && <QuickOpen workspaceId={workspaceId} bus={bus} onClose={() => setQuickOpen(false)} />}
    </>
  );
}
