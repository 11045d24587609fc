'use client';
/**
 * The body of a workspace — file tree and search, editor, terminals, and on phones one pane at a
 * time — for its owner (WorkspaceView) and for a guest of a workspace share (GuestWorkspace).
 * One fs.watch subscription feeds the tree and the editor through a files bus; a restarted stream
 * may have missed events, so everything shown is re-read.
 */
import { useSubscription } from '@trpc/tanstack-react-query';
import { useCallback, useEffect, useId, useMemo, useRef, useState, type KeyboardEvent, type ReactNode, type RefObject } from 'react';
import { LazyEditorPane, preloadEditor } from '@/components/editor/LazyEditorPane';
import { FileTree } from '@/components/files/FileTree';
import { QuickOpen } from '@/components/files/QuickOpen';
import { SearchPanel } from '@/components/files/SearchPanel';
import { useRegisterCommands } from '@/components/commands/commands-context';
import type { Notify } from '@/components/terminal/TerminalPanel';
import { COMMAND_KEYS } from '@/lib/client/command-keys';
import { createFilesBus, type FilesBus } from '@/lib/client/files-bus';
import { nextRegion, REGIONS, toggleTarget, type Region } from '@/lib/client/focus-regions';
import {
  clampEditorShare,
  clampSidebarWidth,
  DEFAULT_LAYOUT,
  EDITOR_SHARE_MAX,
  EDITOR_SHARE_MIN,
  SIDEBAR_MAX_PX,
  SIDEBAR_MIN_PX,
  type Layout,
} from '@/lib/client/layout';
import { useTRPC } from '@/lib/client/trpc';
import { focusRegion, regionOf } from './focus-region';
import { SplitHandle } from './SplitHandle';
import { PanelLayoutContext, type LayoutPatch, type PanelLayout } from './use-layout';

type Pane = 'files' | 'editor' | 'terminal';
type SidebarView = 'files' | 'search';
const SIDEBAR_VIEWS: ReadonlyArray<readonly [SidebarView, string]> = [
  ['files', 'Files'],
  ['search', 'Search'],
];
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
  /**
   * The sidebar, the splits and the panel's maximize (useStoredLayout); without it, a layout for
   * this page only (a share guest's). Search in files and focusing the tree show the sidebar.
   */
  layout?: Layout;
  onLayout?: (patch: LayoutPatch) => void;
  /** Nothing in the tree or the editor can change files (a `view` share). */
  readOnly?: boolean;
  /** Upload and download (`/api/files`, signed-in users only). */
  fileTransfers?: boolean;
  /** Filled with a function that restarts the file watch (after the workspace moved). */
  resetWatchRef?: RefObject<(() => void) | null>;
}

export function WorkspaceBody({ workspaceId, notify, terminals, layout: givenLayout, onLayout, readOnly = false, fileTransfers = true, resetWatchRef }: Props) {
  const trpc = useTRPC();
  const [bus] = useState<FilesBus>(createFilesBus);
  const [activePath, setActivePath] = useState<string | null>(null);
  const [sidebar, setSidebar] = useState<SidebarView>('files');
  const sidebarIds = useId();
  /** Tabs keys: the arrows (and Home/End) move between Files and Search, and show it. */
  const onSidebarTabKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = SIDEBAR_VIEWS.findIndex(([key]) => key === sidebar);
    const n = SIDEBAR_VIEWS.length;
    const moves: Record<string, number> = { ArrowRight: (i + 1) % n, ArrowLeft: (i - 1 + n) % n, Home: 0, End: n - 1 };
    const next = moves[e.key];
    if (next === undefined) return;
    e.preventDefault();
    const [key] = SIDEBAR_VIEWS[next]!;
    setSidebar(key);
    e.currentTarget.querySelector<HTMLElement>(`[data-testid="sidebar-${key}"]`)?.focus();
  };
  const [quickOpen, setQuickOpen] = useState(false);
  /** Phones show one pane at a time. */
  const [pane, setPane] = useState<Pane>('terminal');
  const [ownLayout, setOwnLayout] = useState<Layout>(DEFAULT_LAYOUT);
  const layout = givenLayout ?? ownLayout;
  const setLayout = useCallback(
    (patch: LayoutPatch) => {
      if (onLayout) onLayout(patch);
      else setOwnLayout((l) => ({ ...l, ...(typeof patch === 'function' ? patch(l) : patch) }));
    },
    [onLayout],
  );
  const treeOpen = layout.sidebarOpen;
  const maximized = layout.panelMaximized;
  /** No file is open: the editor shrinks to one line and the terminals take the room. */
  const editorEmpty = activePath === null;
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

  // Opening a file shows it: on a phone its pane, on a desktop the editor under a maximized panel.
  useEffect(
    () =>
      bus.on('open', () => {
        setPane('editor');
        setLayout({ panelMaximized: false });
      }),
    [bus, setLayout],
  );

  const bodyRef = useRef<HTMLElement>(null);
  /** Give `region` the keyboard (on a phone, show its pane first; a pane shown just now is laid out on the next frame). */
  const focus = (region: Region, afterRender = false) => {
    setPane(region);
    if (region === 'files') setLayout({ sidebarOpen: true });
    if (region === 'editor' && maximized) {
      setLayout({ panelMaximized: false });
      afterRender = true;
    }
    if (afterRender || !focusRegion(bodyRef.current, region)) requestAnimationFrame(() => focusRegion(bodyRef.current, region));
  };
  const cycle = (step: 1 | -1) => {
    const next = nextRegion(regionOf(document.activeElement), treeOpen ? REGIONS : ['editor', 'terminal'], step);
    if (next) focus(next);
  };
  // `global` commands take their keys from a focused terminal too (see lib/client/commands.ts).
  useRegisterCommands([
    {
      ...COMMAND_KEYS['workbench.quickOpen'],
      run: () => {
        preloadEditor();
        setQuickOpen(true);
      },
    },
    {
      ...COMMAND_KEYS['workbench.findInFiles'],
      run: () => {
        setSidebar('search');
        focus('files', true);
      },
    },
    {
      ...COMMAND_KEYS['workbench.showFiles'],
      run: () => {
        setSidebar('files');
        focus('files', true);
      },
    },
    { id: 'workbench.focusEditor', title: 'View: Focus Editor', run: () => focus('editor') },
    { id: 'workbench.focusTerminal', title: 'Terminal: Focus Terminal', run: () => focus('terminal') },
    {
      ...COMMAND_KEYS['workbench.toggleTerminalFocus'],
      run: () => focus(toggleTarget(regionOf(document.activeElement))),
    },
    { ...COMMAND_KEYS['workbench.focusNextPart'], run: () => cycle(1) },
    { ...COMMAND_KEYS['workbench.focusPreviousPart'], run: () => cycle(-1) },
    {
      id: 'workbench.toggleMaximizedPanel',
      title: 'View: Toggle Maximized Panel',
      run: () => setLayout((l) => ({ panelMaximized: !l.panelMaximized })),
    },
    {
      id: 'workbench.resetLayout',
      title: 'View: Reset Layout',
      run: () => setLayout({ ...DEFAULT_LAYOUT }),
    },
  ]);

  const onEditorDrag = useCallback(
    (clientY: number) => {
      const box = mainRef.current?.getBoundingClientRect();
      if (!box || box.height <= 0) return;
      setLayout({ editorShare: clampEditorShare(((clientY - box.top) / box.height) * 100) });
    },
    [setLayout],
  );
  const [bodyWidth, setBodyWidth] = useState(0);
  useEffect(() => {
    const body = bodyRef.current;
    if (!body) return;
    const observer = new ResizeObserver(() => setBodyWidth(body.clientWidth));
    observer.observe(body);
    return () => observer.disconnect();
  }, []);
  const onSidebarDrag = useCallback(
    (clientX: number) => {
      const body = bodyRef.current;
      if (!body) return;
      const box = body.getBoundingClientRect();
      setLayout({ sidebarWidth: clampSidebarWidth(clientX - box.left, box.width) });
    },
    [setLayout],
  );
  const sidebarWidth = clampSidebarWidth(layout.sidebarWidth, bodyWidth || undefined);
  const sidebarMax = bodyWidth ? clampSidebarWidth(SIDEBAR_MAX_PX, bodyWidth) : SIDEBAR_MAX_PX;
  const panel: PanelLayout = useMemo(
    () => ({ maximized, toggleMaximized: () => setLayout((l) => ({ panelMaximized: !l.panelMaximized })) }),
    [maximized, setLayout],
  );

  return (
    <>
      <nav className="pane-switch" aria-label="Panes">
        {PANES.map(([key, label]) => (
          <button key={key} className="pane-switch-btn" aria-pressed={pane === key} data-testid={`pane-${key}`} onClick={() => setPane(key)}>
            {label}
          </button>
        ))}
      </nav>
      <main className="ws-body" data-pane={pane} data-tree={treeOpen} ref={bodyRef} style={{ ['--sidebar-width' as string]: `${sidebarWidth}px` }}>
        <aside
          className="ws-files"
          aria-label="Files and search"
          data-view={sidebar}
          data-region="files"
          // Reaching for the files is the sign a file will be opened: fetch the editor's code now.
          onPointerEnter={preloadEditor}
          onFocus={preloadEditor}
        >
          <div className="sidebar-tabs">
            {/* The tablist holds only its two tabs; Go to file is a button beside it. */}
            <div className="sidebar-tablist" role="tablist" aria-label="Sidebar" onKeyDown={onSidebarTabKey}>
              {SIDEBAR_VIEWS.map(([key, label]) => (
                <button
                  key={key}
                  role="tab"
                  id={`${sidebarIds}-${key}-tab`}
                  aria-controls={`${sidebarIds}-${key}`}
                  aria-selected={sidebar === key}
                  tabIndex={sidebar === key ? 0 : -1}
                  data-testid={`sidebar-${key}`}
                  onClick={() => setSidebar(key)}
                >
                  {label}
                </button>
              ))}
            </div>
            <span className="spacer" />
            <button className="sidebar-action" title="Open file by name (Ctrl-P)" data-testid="quick-open-button" onClick={() => setQuickOpen(true)}>
              Go to file
            </button>
          </div>
          <div className="sidebar-view" role="tabpanel" id={`${sidebarIds}-files`} aria-labelledby={`${sidebarIds}-files-tab`} hidden={sidebar !== 'files'}>
            <FileTree workspaceId={workspaceId} bus={bus} activePath={activePath} notify={notify} readOnly={readOnly} fileTransfers={fileTransfers} />
          </div>
          <div className="sidebar-view" role="tabpanel" id={`${sidebarIds}-search`} aria-labelledby={`${sidebarIds}-search-tab`} hidden={sidebar !== 'search'}>
            <SearchPanel workspaceId={workspaceId} bus={bus} />
          </div>
        </aside>
        {treeOpen && (
          <SplitHandle
            className="ws-vsplit"
            testId="sidebar-split"
            orientation="vertical"
            label="Resize files sidebar"
            value={sidebarWidth}
            min={SIDEBAR_MIN_PX}
            max={sidebarMax}
            step={10}
            valueText={`${sidebarWidth} pixels`}
            onDrag={onSidebarDrag}
            onValue={(v) => setLayout({ sidebarWidth: clampSidebarWidth(v, bodyWidth || undefined) })}
            onReset={() => setLayout({ sidebarWidth: DEFAULT_LAYOUT.sidebarWidth })}
            onEnter={() => setLayout({ sidebarOpen: false })}
          />
        )}
        <div
          className="ws-main"
          ref={mainRef}
          data-editor={editorEmpty ? 'empty' : 'open'}
          data-maximized={maximized}
          style={{ ['--editor-share' as string]: `${layout.editorShare}%` }}
        >
          <div className="ws-editor" data-region="editor">
            <LazyEditorPane workspaceId={workspaceId} bus={bus} onActiveChange={setActivePath} notify={notify} readOnly={readOnly} fileTransfers={fileTransfers} />
          </div>
          <SplitHandle
            className="ws-split"
            testId="editor-split"
            orientation="horizontal"
            label="Resize editor and terminals"
            value={layout.editorShare}
            min={EDITOR_SHARE_MIN}
            max={EDITOR_SHARE_MAX}
            step={2}
            valueText={`editor ${Math.round(layout.editorShare)}%`}
            onDrag={onEditorDrag}
            onValue={(v) => setLayout({ editorShare: clampEditorShare(v) })}
            onReset={() => setLayout({ editorShare: DEFAULT_LAYOUT.editorShare })}
            onEnter={() => setLayout({ panelMaximized: true })}
          />
          <div className="ws-term" data-region="terminal">
            <PanelLayoutContext.Provider value={panel}>{terminals}</PanelLayoutContext.Provider>
          </div>
        </div>
      </main>
      {quickOpen && <QuickOpen workspaceId={workspaceId} bus={bus} onClose={() => setQuickOpen(false)} />}
    </>
  );
}
