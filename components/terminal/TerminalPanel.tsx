'use client';
/**
 * The terminal area of a workspace: one tab per terminal session, all sharing the tab's single
 * gateway socket. Inactive terminals stay mounted and attached (hidden), so they keep parsing —
 * and acknowledging — output; switching tabs is instant and loses nothing.
 */
import { useQueryClient } from '@tanstack/react-query';
import dynamic from 'next/dynamic';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ErrorInfo, ExitInfo, Opened, SessionEvent } from '@/lib/protocol';
import { browserClosingSessions, closeAndForget, type ClosingSessions } from '@/lib/client/closing-sessions';
import { connectionLost } from '@/lib/client/connection-banner';
import type { GatewayChannel } from '@/lib/client/gateway-channel';
import type { GatewaySocket } from '@/lib/client/gateway-socket';
import { useConnectionState } from '@/lib/client/page-socket';
import { browserTerminalNames, normalizeTerminalName } from '@/lib/client/terminal-names';
import { tabLabel } from '@/lib/client/terminal-title';
import { setActiveSessionSource } from '@/lib/client/test-hook';
import { errorMessage, useTRPC, useTRPCClient } from '@/lib/client/trpc';
import { useTerminalKeys } from '@/components/mobile/use-terminal-keys';
import { usePhoneLayout, WorkspaceKeys } from '@/components/mobile/WorkspaceKeys';
import { PresenceBar } from '@/components/share/PresenceBar';
import { ShareDialog } from '@/components/share/ShareDialog';
import { ModalDialog } from '@/components/workspace/ModalDialog';
import { usePanelLayout } from '@/components/workspace/use-layout';
import { ConnectionLostBanner } from './ConnectionLostBanner';
import { TerminalTabs, type TabInfo } from './TerminalTabs';
import { useTerminalCommands } from './use-terminal-commands';
import type { TerminalHandle, TerminalTarget } from './TerminalView';

// xterm.js needs `window` at import time: load it in the browser only — and start fetching it as
// soon as this module runs there, so the terminal's code arrives while the socket opens and the
// session list loads, instead of being asked for only when the first tab renders.
const loadTerminalView = () => import('./TerminalView').then((m) => m.TerminalView);
if (typeof window !== 'undefined') void loadTerminalView();
const TerminalView = dynamic(loadTerminalView, { ssr: false });

interface Tab {
  key: string;
  /** Stable ordinal for the default label ("Terminal 2"). */
  n: number;
  target: TerminalTarget;
  session: string | null;
  /** The program's title (see lib/client/terminal-title.ts). */
  title: string;
  /** The name the session was started with (SessionInfo.name), '' when none. */
  name: string;
  /** The user's name for the tab ("Rename Terminal"), kept in this browser by session id. */
  rename: string | null;
  exited: ExitInfo | null;
  /** The gateway refused to attach (e.g. the session is gone after a gateway restart). */
  gone: boolean;
  /** Bumped by "Reopen terminal": a new TerminalView (and session) replaces the old one. */
  gen: number;
  /** The connection to the session's SSH host dropped: why, as the gateway said it. */
  lost: string | null;
  /** A reopen is in flight; it failed with reopenError. */
  reopening: boolean;
  reopenError: string | null;
}

export type Notify = (message: string, kind?: 'error' | 'info') => void;

interface Props {
  socket: GatewaySocket;
  workspaceId: string;
  notify: Notify;
  /**
   * Bumped when the workspace's sessions changed under the panel (a move ended them and opened
   * new ones at the new place): the list is read again, new sessions get tabs and tabs of
   * sessions the gateway no longer has go.
   */
  relist?: number;
}

export function TerminalPanel({ socket, workspaceId, notify, relist = 0 }: Props) {
  const trpcClient = useTRPCClient();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [tabs, setTabs] = useState<Tab[] | null>(null);
  const [activeKey, setActiveKey] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [focusToken, setFocusToken] = useState(0);
  /** The session the share dialog is open for (null: closed). */
  const [sharing, setSharing] = useState<{ session: string; title: string } | null>(null);
  const shareButtonRef = useRef<HTMLButtonElement>(null);
  const connection = useConnectionState(socket);
  const disconnected = connectionLost(connection.status, connection.everOpened);
  const retryNow = useCallback(() => socket.retryNow(), [socket]);
  // Back online: give the keyboard back to the active terminal (focus may have moved to the banner).
  const wasDisconnected = useRef(false);
  useEffect(() => {
    if (wasDisconnected.current && !disconnected) setFocusToken((n) => n + 1);
    wasDisconnected.current = disconnected;
  }, [disconnected]);
  const channels = useRef(new Map<string, GatewayChannel>());
  const handles = useRef(new Map<string, TerminalHandle>());
  const closingRef = useRef<ClosingSessions | null>(null);
  const closing = useCallback(() => (closingRef.current ??= browserClosingSessions()), []);
  /** Kill (if running) and forget a session that has no tab, e.g. one whose close was cut short. */
  const forgetQuietly = useCallback(
    (session: string, exited: boolean) =>
      closeAndForget(socket.attachTerminal({ session, exited, cols: 80, rows: 24 }), closing()),
    [socket, closing],
  );
  const counter = useRef(0);
  /** The first list has arrived (until then it is about to show every session anyway). */
  const loaded = useRef(false);
  const tabsRef = useRef<Tab[]>([]);
  const activeRef = useRef<string | null>(null);
  useEffect(() => {
    tabsRef.current = tabs ?? [];
    activeRef.current = activeKey;
  }, [tabs, activeKey]);

  const names = useMemo(() => browserTerminalNames(workspaceId), [workspaceId]);
  const makeTab = useCallback((target: TerminalTarget, title = '', name = '', rename: string | null = null): Tab => {
    const n = ++counter.current;
    return {
      key: `t${n}`,
      n,
      target,
      session: target.kind === 'attach' ? target.session : null,
      title,
      name,
      rename,
      exited: null,
      gone: false,
      gen: 0,
      lost: null,
      reopening: false,
      reopenError: null,
    };
  }, []);

  // On load, re-attach every session of the workspace in creation order; open one if there is none.
  useEffect(() => {
    let cancelled = false;
    trpcClient.terminals.list.query({ workspaceId }).then(
      (list) => {
        if (cancelled) return;
        names.keepOnly(list.map((s) => s.id));
        const attached: Tab[] = [];
        for (const s of list) {
          if (closing().has(s.id)) forgetQuietly(s.id, s.exited !== null);
          else attached.push(makeTab({ kind: 'attach', session: s.id }, s.title, s.name, names.get(s.id)));
        }
        // Keep any terminal the user opened with + while the list was loading.
        const opened = tabsRef.current;
        const initial =
          attached.length + opened.length > 0 ? [...attached, ...opened] : [makeTab({ kind: 'create', workspace: workspaceId })];
        loaded.current = true;
        setTabs(initial);
        setActiveKey((cur) => cur ?? initial[0]?.key ?? null);
      },
      (err: unknown) => {
        if (!cancelled) setLoadError(`Could not list terminals: ${errorMessage(err)}`);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [trpcClient, workspaceId, makeTab, closing, forgetQuietly, names]);

  // Re-read the sessions after they changed under the panel (see `relist`).
  useEffect(() => {
    if (relist === 0 || !loaded.current) return;
    let cancelled = false;
    // Only tabs whose session was known before the request can be judged by its answer.
    const known = new Set(tabsRef.current.flatMap((t) => (t.session ? [t.session] : [])));
    trpcClient.terminals.list.query({ workspaceId }).then(
      (list) => {
        if (cancelled) return;
        const listed = new Set(list.map((s) => s.id));
        const current = tabsRef.current;
        const shown = new Set(current.flatMap((t) => (t.session ? [t.session] : [])));
        const kept = current.filter((t) => !t.session || !known.has(t.session) || listed.has(t.session));
        const added = list
          .filter((s) => !shown.has(s.id) && s.exited === null && !closing().has(s.id))
          .map((s) => makeTab({ kind: 'attach', session: s.id }, s.title, s.name, names.get(s.id)));
        const next = [...kept, ...added];
        setTabs(next);
        // Leave an ended or removed tab, or one of the sessions from before, for a new live one.
        const active = next.find((t) => t.key === activeRef.current);
        const stale = active?.session != null && known.has(active.session) && added.length > 0;
        if (!active || active.exited !== null || active.gone || stale) {
          const live = added[0] ?? next.find((t) => t.exited === null && !t.gone) ?? next[0];
          setActiveKey(live?.key ?? null);
          setFocusToken((n) => n + 1);
        }
      },
      (err: unknown) => {
        if (!cancelled) notify(`Could not list terminals: ${errorMessage(err)}`);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [relist, trpcClient, workspaceId, makeTab, closing, notify, names]);

  useEffect(
    () =>
      setActiveSessionSource(() => tabsRef.current.find((t) => t.key === activeRef.current)?.session ?? null),
    [],
  );

  const update = useCallback((key: string, patch: Partial<Tab>) => {
    setTabs((all) => all && all.map((t) => (t.key === key ? { ...t, ...patch } : t)));
  }, []);

  const newTerminal = useCallback(() => {
    const tab = makeTab({ kind: 'create', workspace: workspaceId });
    setTabs((all) => [...(all ?? []), tab]);
    setActiveKey(tab.key);
  }, [makeTab, workspaceId]);

  const closeTab = useCallback(
    (key: string) => {
      if (!tabs) return;
      // Kill a running process, then have the gateway forget the session, so the tab does not
      // come back on the next page load (closing-sessions.ts covers a reload in between).
      const tab = tabs.find((t) => t.key === key);
      const ch = channels.current.get(key);
      if (ch) closeAndForget(ch, closing());
      else if (tab?.session && !tab.gone) forgetQuietly(tab.session, tab.exited !== null);
      if (tab?.session) names.set(tab.session, '');
      const i = tabs.findIndex((t) => t.key === key);
      const rest = tabs.filter((t) => t.key !== key);
      setTabs(rest);
      if (activeKey === key) setActiveKey(rest[Math.min(i, rest.length - 1)]?.key ?? null);
    },
    [tabs, activeKey, closing, forgetQuietly, names],
  );

  /**
   * Closing a terminal that still runs asks first: whether a program other than the shell runs in
   * it is not known here (the gateway does not say), so every running terminal counts.
   */
  const [confirmClose, setConfirmClose] = useState<string | null>(null);
  const requestClose = useCallback(
    (key: string) => {
      const tab = tabsRef.current.find((t) => t.key === key);
      if (tab && tab.exited === null && !tab.gone && tab.lost === null) setConfirmClose(key);
      else closeTab(key);
    },
    [closeTab],
  );
  const endConfirm = (close: boolean) => {
    const key = confirmClose;
    setConfirmClose(null);
    if (close && key) closeTab(key);
    setFocusToken((n) => n + 1);
  };

  const [renaming, setRenaming] = useState<string | null>(null);
  const rename = useCallback(
    (key: string, name: string | null) => {
      setRenaming(null);
      setFocusToken((n) => n + 1);
      if (name === null) return;
      const clean = normalizeTerminalName(name);
      const tab = tabsRef.current.find((t) => t.key === key);
      update(key, { rename: clean || null });
      if (tab?.session) names.set(tab.session, clean);
    },
    [names, update],
  );

  /**
   * Replace a lost terminal with a new one in the same workspace (and folder, when the tab was
   * opened in one). The old session only holds what it printed before the loss: the gateway is
   * told to forget it, so it does not come back as a tab. A failed attempt keeps the bar.
   */
  const reopen = useCallback(
    (key: string) => {
      const tab = tabsRef.current.find((t) => t.key === key);
      if (!tab || tab.reopening) return;
      const ch = channels.current.get(key);
      if (ch && ch.state !== 'closed') closeAndForget(ch, closing());
      else if (!ch && tab.session && !tab.gone) forgetQuietly(tab.session, true);
      const cwd = tab.target.kind === 'create' ? tab.target.cwd : undefined;
      update(key, {
        target: { kind: 'create', workspace: workspaceId, ...(cwd !== undefined ? { cwd } : {}) },
        session: null,
        title: '',
        exited: null,
        gone: false,
        gen: tab.gen + 1,
        reopening: true,
        reopenError: null,
      });
      setActiveKey(key);
      setFocusToken((n) => n + 1);
    },
    [workspaceId, closing, forgetQuietly, update],
  );

  const selectTab = useCallback((key: string) => {
    setActiveKey(key);
    setFocusToken((n) => n + 1);
  }, []);

  const startRename = useCallback((key: string) => {
    setActiveKey(key);
    setRenaming(key);
  }, []);

  const killActive = useCallback(() => {
    if (activeKey) channels.current.get(activeKey)?.kill();
  }, [activeKey]);

  /** The tab `step` places after (1) or before (-1) the active one, wrapping around. */
  const stepTab = (step: 1 | -1) => {
    const all = tabs ?? [];
    const i = all.findIndex((t) => t.key === activeKey);
    const next = all[(i + step + all.length) % all.length];
    if (next) selectTab(next.key);
  };

  const active = tabs?.find((t) => t.key === activeKey) ?? null;
  const label = (t: Tab) => tabLabel({ rename: t.rename, title: t.title, name: t.name, ended: t.exited !== null || t.gone, n: t.n });
  const tabInfos: TabInfo[] = (tabs ?? []).map((t) => ({
    key: t.key,
    label: label(t),
    session: t.session,
    exited: t.exited !== null || t.gone || t.lost !== null,
  }));
  const panelLayout = usePanelLayout();
  /** The active tab's session, while the gateway still has it (for presence). */
  const activeSession = active?.session != null && !active.gone ? active.session : null;
  const canShare = active?.session != null && active.exited === null && !active.gone && active.lost === null;
  const shareActive = () => {
    if (active?.session && canShare) setSharing({ session: active.session, title: label(active) });
  };
  const canKill = active !== null && active.exited === null && !active.gone && active.lost === null && active.session !== null;
  useTerminalCommands({
    tabCount: tabs?.length ?? 0,
    activeKey,
    handles,
    newTerminal,
    stepTab,
    killActive,
    canKill,
    closeTab: requestClose,
    canShare,
    shareActive,
    renameActive: () => {
      if (activeKey) startRename(activeKey);
    },
  });
  // On a phone: the composer and key bar drive the active tab.
  const phone = usePhoneLayout();
  const keys = useTerminalKeys(
    {
      write: (data) => (activeRef.current ? channels.current.get(activeRef.current)?.write(data) : undefined),
      terminal: () => (activeRef.current ? (handles.current.get(activeRef.current) ?? null) : null),
    },
    notify,
  );
  const closeShare = useCallback(() => {
    setSharing(null);
    requestAnimationFrame(() => shareButtonRef.current?.focus());
  }, []);

  return (
    <section className="term-panel">
      <div className="term-head">
        <TerminalTabs
          tabs={tabInfos}
          activeKey={activeKey}
          onSelect={selectTab}
          onClose={requestClose}
          onNew={newTerminal}
          onKill={killActive}
          canKill={canKill}
          renaming={renaming}
          onStartRename={startRename}
          onRename={rename}
          renameValue={(key) => {
            const t = tabsRef.current.find((x) => x.key === key);
            return t ? label(t) : '';
          }}
        >
          {panelLayout && (
            <button
              className="tab-action panel-maximize"
              data-testid="panel-maximize"
              aria-pressed={panelLayout.maximized}
              aria-label={panelLayout.maximized ? 'Restore panel size' : 'Maximize panel size'}
              title={panelLayout.maximized ? 'Restore Panel Size' : 'Maximize Panel Size'}
              onClick={panelLayout.toggleMaximized}
            >
              {panelLayout.maximized ? '▾' : '▴'}
            </button>
          )}
        </TerminalTabs>
        <div className="term-head-extra">
          {activeSession && <PresenceBar key={activeSession} sessionId={activeSession} canKick notify={notify} />}
          <button
            ref={shareButtonRef}
            className="tab-action"
            data-testid="share-terminal"
            aria-haspopup="dialog"
            disabled={!canShare}
            title={canShare ? 'Share this terminal with a link' : 'Only a running terminal can be shared'}
            onClick={shareActive}
          >
            Share
          </button>
        </div>
      </div>
      {sharing && (
        <ShareDialog
          workspaceId={workspaceId}
          sessionId={sharing.session}
          sessionTitle={sharing.title}
          onClose={closeShare}
          notify={notify}
        />
      )}
      {confirmClose !== null && (
        <ModalDialog className="confirm-dialog" title="Kill the terminal and close it?" onClose={() => endConfirm(false)} data-testid="confirm-close-dialog">
          <p>
            “{tabInfos.find((t) => t.key === confirmClose)?.label ?? 'The terminal'}” is still running. Closing it ends its process and
            any program in it — unsaved work in an editor there is lost.
          </p>
          <div className="modal-actions">
            <button className="btn btn-danger" data-testid="confirm-close" onClick={() => endConfirm(true)}>
              Kill and close
            </button>
            <button className="btn" data-testid="cancel-close" onClick={() => endConfirm(false)}>
              Cancel
            </button>
          </div>
        </ModalDialog>
      )}
      <div className="term-stack" data-disconnected={disconnected || undefined}>
        <ConnectionLostBanner state={connection} onRetry={retryNow} />
        {loadError && <div className="term-empty">{loadError}</div>}
        {!loadError && tabs === null && <div className="term-empty">Loading terminals…</div>}
        {tabs !== null && tabs.length === 0 && (
          <div className="term-empty">No terminals open. Press + to start one.</div>
        )}
        {tabs?.map((tab) => (
          <div key={tab.key} className="term-view" data-active={tab.key === activeKey}>
            <TerminalView
              key={tab.gen}
              socket={socket}
              target={tab.target}
              active={tab.key === activeKey}
              focusToken={tab.key === activeKey ? focusToken : 0}
              {...(phone ? { mapInput: keys.mapInput } : {})}
              onChannel={(ch: GatewayChannel | null) => {
                if (ch) channels.current.set(tab.key, ch);
                else channels.current.delete(tab.key);
              }}
              onTerminal={(handle: TerminalHandle | null) => {
                if (handle) handles.current.set(tab.key, handle);
                else handles.current.delete(tab.key);
              }}
              onOpened={(o: Opened) => {
                // A name given before the terminal had a session is kept under it now.
                if (tab.rename && tab.session !== o.session) names.set(o.session, tab.rename);
                update(tab.key, {
                  session: o.session,
                  ...(tab.reopening ? { lost: null, reopening: false, reopenError: null } : {}),
                });
              }}
              onTitle={(title: string) => update(tab.key, { title })}
              onExit={(exit: ExitInfo) => update(tab.key, { exited: exit })}
              onError={(e: ErrorInfo, fatal: boolean) => {
                if (fatal && tab.reopening) {
                  // Still cannot reach the host: say so on the bar, which keeps its button.
                  update(tab.key, { gone: true, reopening: false, reopenError: e.message });
                  return;
                }
                if (fatal) update(tab.key, { gone: true });
                notify(fatal ? `Terminal ${tab.n}: ${e.message}` : e.message, 'error');
              }}
              onEvent={(ev: SessionEvent) => {
                // Titles come from onTitle: the terminal's parser sees them in order with the screen switches.
                if (ev.type === 'status' && ev.status === 'lost') {
                  update(tab.key, { lost: ev.message ?? 'The connection to the host was lost.' });
                  void queryClient.invalidateQueries({ queryKey: trpc.runtimes.workspace.queryKey({ id: workspaceId }) });
                }
                else if (ev.type === 'notify') notify(ev.title ? `${ev.title}: ${ev.body}` : ev.body, 'info');
              }}
              onInputDropped={(bytes: number) =>
                notify(`Offline: ${bytes} bytes of typing were dropped (only 64 KiB are kept while disconnected).`)
              }
            />
            {tab.lost !== null && (
              <div className="term-lost" role="alert" data-testid="terminal-lost">
                <div className="term-lost-text">
                  <strong>Connection to the host lost</strong>
                  {tab.reopenError ? (
                    <span className="field-error" data-testid="terminal-reopen-error">
                      Could not open a new terminal: {tab.reopenError}
                    </span>
                  ) : (
                    <span className="muted">{tab.reopening ? 'Opening a new terminal…' : tab.lost}</span>
                  )}
                </div>
                <button className="btn btn-primary" data-testid="terminal-reopen" onClick={() => reopen(tab.key)} disabled={tab.reopening}>
                  {tab.reopening ? 'Reopening…' : 'Reopen terminal'}
                </button>
              </div>
            )}
          </div>
        ))}
      </div>
      {phone && <WorkspaceKeys keys={keys} />}
    </section>
  );
}
