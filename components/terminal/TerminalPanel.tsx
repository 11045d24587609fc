'use client';
/**
 * The terminal area of a workspace: one tab per terminal session, all sharing the tab's single
 * gateway socket. Inactive terminals stay mounted and attached (hidden), so they keep parsing —
 * and acknowledging — output; switching tabs is instant and loses nothing.
 */
import dynamic from 'next/dynamic';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ErrorInfo, ExitInfo, Opened, SessionEvent } from '@/lib/protocol';
import { browserClosingSessions, closeAndForget, type ClosingSessions } from '@/lib/client/closing-sessions';
import type { GatewayChannel } from '@/lib/client/gateway-channel';
import type { GatewaySocket } from '@/lib/client/gateway-socket';
import { setActiveSessionSource } from '@/lib/client/test-hook';
import { errorMessage, useTRPCClient } from '@/lib/client/trpc';
import { TerminalTabs, type TabInfo } from './TerminalTabs';
import type { TerminalTarget } from './TerminalView';

// xterm.js needs `window` at import time: load it in the browser only.
const TerminalView = dynamic(() => import('./TerminalView').then((m) => m.TerminalView), { ssr: false });

interface Tab {
  key: string;
  /** Stable ordinal for the default label ("Terminal 2"). */
  n: number;
  target: TerminalTarget;
  session: string | null;
  title: string;
  exited: ExitInfo | null;
  /** The gateway refused to attach (e.g. the session is gone after a gateway restart). */
  gone: boolean;
}

export type Notify = (message: string, kind?: 'error' | 'info') => void;

interface Props {
  socket: GatewaySocket;
  workspaceId: string;
  notify: Notify;
}

export function TerminalPanel({ socket, workspaceId, notify }: Props) {
  const trpcClient = useTRPCClient();
  const [tabs, setTabs] = useState<Tab[] | null>(null);
  const [activeKey, setActiveKey] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [focusToken, setFocusToken] = useState(0);
  const channels = useRef(new Map<string, GatewayChannel>());
  const closingRef = useRef<ClosingSessions | null>(null);
  const closing = useCallback(() => (closingRef.current ??= browserClosingSessions()), []);
  /** Kill (if running) and forget a session that has no tab, e.g. one whose close was cut short. */
  const forgetQuietly = useCallback(
    (session: string, exited: boolean) =>
      closeAndForget(socket.attachTerminal({ session, exited, cols: 80, rows: 24 }), closing()),
    [socket, closing],
  );
  const counter = useRef(0);
  const tabsRef = useRef<Tab[]>([]);
  const activeRef = useRef<string | null>(null);
  useEffect(() => {
    tabsRef.current = tabs ?? [];
    activeRef.current = activeKey;
  }, [tabs, activeKey]);

  const makeTab = useCallback((target: TerminalTarget, title = ''): Tab => {
    const n = ++counter.current;
    return { key: `t${n}`, n, target, session: target.kind === 'attach' ? target.session : null, title, exited: null, gone: false };
  }, []);

  // On load, re-attach every session of the workspace in creation order; open one if there is none.
  useEffect(() => {
    let cancelled = false;
    trpcClient.terminals.list.query({ workspaceId }).then(
      (list) => {
        if (cancelled) return;
        const attached: Tab[] = [];
        for (const s of list) {
          if (closing().has(s.id)) forgetQuietly(s.id, s.exited !== null);
          else attached.push(makeTab({ kind: 'attach', session: s.id }, s.title));
        }
        // Keep any terminal the user opened with + while the list was loading.
        const opened = tabsRef.current;
        const initial =
          attached.length + opened.length > 0 ? [...attached, ...opened] : [makeTab({ kind: 'create', workspace: workspaceId })];
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
  }, [trpcClient, workspaceId, makeTab, closing, forgetQuietly]);

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
      const i = tabs.findIndex((t) => t.key === key);
      const rest = tabs.filter((t) => t.key !== key);
      setTabs(rest);
      if (activeKey === key) setActiveKey(rest[Math.min(i, rest.length - 1)]?.key ?? null);
    },
    [tabs, activeKey, closing, forgetQuietly],
  );

  const selectTab = useCallback((key: string) => {
    setActiveKey(key);
    setFocusToken((n) => n + 1);
  }, []);

  const killActive = useCallback(() => {
    if (activeKey) channels.current.get(activeKey)?.kill();
  }, [activeKey]);

  const active = tabs?.find((t) => t.key === activeKey) ?? null;
  const tabInfos: TabInfo[] = (tabs ?? []).map((t) => ({
    key: t.key,
    label: t.title || `Terminal ${t.n}`,
    session: t.session,
    exited: t.exited !== null || t.gone,
  }));

  return (
    <section className="term-panel">
      <TerminalTabs
        tabs={tabInfos}
        activeKey={activeKey}
        onSelect={selectTab}
        onClose={closeTab}
        onNew={newTerminal}
        onKill={killActive}
        canKill={active !== null && active.exited === null && !active.gone && active.session !== null}
      />
      <div className="term-stack">
        {loadError && <div className="term-empty">{loadError}</div>}
        {!loadError && tabs === null && <div className="term-empty">Loading terminals…</div>}
        {tabs !== null && tabs.length === 0 && (
          <div className="term-empty">No terminals open. Press + to start one.</div>
        )}
        {tabs?.map((tab) => (
          <div key={tab.key} className="term-view" data-active={tab.key === activeKey}>
            <TerminalView
              socket={socket}
              target={tab.target}
              active={tab.key === activeKey}
              focusToken={tab.key === activeKey ? focusToken : 0}
              onChannel={(ch: GatewayChannel | null) => {
                if (ch) channels.current.set(tab.key, ch);
                else channels.current.delete(tab.key);
              }}
              onOpened={(o: Opened) => update(tab.key, o.title ? { session: o.session, title: o.title } : { session: o.session })}
              onExit={(exit: ExitInfo) => update(tab.key, { exited: exit })}
              onError={(e: ErrorInfo, fatal: boolean) => {
                if (fatal) update(tab.key, { gone: true });
                notify(fatal ? `Terminal ${tab.n}: ${e.message}` : e.message, 'error');
              }}
              onEvent={(ev: SessionEvent) => {
                if (ev.type === 'title') update(tab.key, { title: ev.title });
                else if (ev.type === 'notify') notify(ev.title ? `${ev.title}: ${ev.body}` : ev.body, 'info');
              }}
              onInputDropped={(bytes: number) =>
                notify(`Offline: ${bytes} bytes of typing were dropped (only 64 KiB are kept while disconnected).`)
              }
            />
          </div>
        ))}
      </div>
    </section>
  );
}
