'use client';
/**
 * A share guest's terminals, letterboxed to the sessions' own size (the owner's size wins) and
 * read-only for `view` links. The owner's columns stay readable (11 px at least) and the frame
 * scrolls sideways — on a phone a sideways swipe pans, a vertical one scrolls the scrollback —
 * unless the guest presses "Fit to width", which shrinks them to fit. A terminal share shows its one terminal; a workspace share shows a
 * tab per running terminal of the workspace (the list is re-read every few seconds, so terminals
 * the owner opens appear and ones they close go), and a `drive` guest may open more with "+".
 * Guests never close or kill terminals from here.
 */
import { useQuery } from '@tanstack/react-query';
import dynamic from 'next/dynamic';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ErrorInfo, Opened, SessionEvent } from '@/lib/protocol';
import type { GatewaySocket } from '@/lib/client/gateway-socket';
import { setActiveSessionSource } from '@/lib/client/test-hook';
import { useTRPC } from '@/lib/client/trpc';
import { PresenceBar } from '@/components/share/PresenceBar';
import { TerminalTabs } from '@/components/terminal/TerminalTabs';
import type { TerminalTarget } from '@/components/terminal/TerminalView';
import type { Notify } from '@/components/terminal/TerminalPanel';

export type { Notify };

// xterm.js needs `window` at import time: load it in the browser only.
const TerminalView = dynamic(() => import('@/components/terminal/TerminalView').then((m) => m.TerminalView), { ssr: false });

/** How often a workspace guest's terminal list is re-read. */
const LIST_EVERY_MS = 3000;


interface Tab {
  key: string;
  n: number;
  target: TerminalTarget;
  session: string | null;
  title: string;
  /** The session's command, named when it has no title yet. */
  command: string;
  exited: boolean;
  /** The gateway refused to attach (the session is gone). */
  gone: boolean;
  /** The session's size when listed, for the OPEN. */
  size?: { cols: number; rows: number };
}

interface Props {
  socket: GatewaySocket;
  kind: 'terminal' | 'workspace';
  scope: 'view' | 'drive';
  workspaceId: string | null;
  /** The shared terminal (terminal shares). */
  sessionId: string | null;
  notify: Notify;
  /** The active terminal's title, for the banner. */
  onTitle?(title: string): void;
}

export function GuestTerminals({ socket, kind, scope, workspaceId, sessionId, notify, onTitle }: Props) {
  const trpc = useTRPC();
  const readOnly = scope === 'view';
  const list = useQuery(
    trpc.terminals.list.queryOptions(
      { workspaceId: workspaceId ?? '' },
      {
        enabled: workspaceId !== null,
        refetchInterval: kind === 'workspace' ? LIST_EVERY_MS : false,
        refetchOnWindowFocus: kind === 'workspace',
        retry: false,
        staleTime: 0,
      },
    ),
  );
  const [tabs, setTabs] = useState<Tab[]>([]);
  const [activeKey, setActiveKey] = useState<string | null>(null);
  const [focusToken, setFocusToken] = useState(0);
  const [fit, setFit] = useState(false);
  const counter = useRef(0);
  /** Sessions any list has shown: a tab's session missing from a later list has ended. */
  const seen = useRef(new Set<string>());
  const started = useRef(false);

  const makeTab = useCallback((target: TerminalTarget, listed?: { title: string; command: string; cols: number; rows: number }): Tab => {
    const n = ++counter.current;
    return {
      key: `g${n}`,
      n,
      target,
      session: target.kind === 'attach' ? target.session : null,
      title: listed?.title ?? '',
      command: listed?.command ?? '',
      exited: false,
      gone: false,
      ...(listed ? { size: { cols: listed.cols, rows: listed.rows } } : {}),
    };
  }, []);

  // A terminal share: its one terminal, once we know its size (or know we cannot learn it).
  const listSettled = workspaceId === null || list.isFetched || list.isError;
  useEffect(() => {
    if (kind !== 'terminal' || started.current || !sessionId || !listSettled) return;
    started.current = true;
    const entry = list.data?.find((s) => s.id === sessionId);
    const tab = makeTab({ kind: 'attach', session: sessionId }, entry);
    setTabs([tab]);
    setActiveKey(tab.key);
  }, [kind, sessionId, listSettled, list.data, makeTab]);

  // A workspace share: follow the list.
  useEffect(() => {
    if (kind !== 'workspace' || !list.data) return;
    const data = list.data;
    const before = new Set(seen.current);
    for (const s of data) seen.current.add(s.id);
    const listed = new Map(data.map((s) => [s.id, s]));
    setTabs((cur) => {
      // Gone: sessions an earlier list showed and this one does not (closed by the owner), and
      // attachments the gateway refused. A terminal this guest just opened is kept until listed.
      const kept = cur.filter((t) => !t.gone && (!t.session || listed.has(t.session) || !before.has(t.session)));
      const shown = new Set(kept.flatMap((t) => (t.session ? [t.session] : [])));
      const added = data
        .filter((s) => s.exited === null && !shown.has(s.id))
        .map((s) => makeTab({ kind: 'attach', session: s.id }, s));
      if (added.length === 0 && kept.length === cur.length) return cur;
      return [...kept, ...added];
    });
  }, [kind, list.data, makeTab]);

  // Keep a tab active.
  useEffect(() => {
    if (tabs.length === 0) {
      if (activeKey !== null) setActiveKey(null);
      return;
    }
    if (!tabs.some((t) => t.key === activeKey)) setActiveKey(tabs.find((t) => !t.exited)?.key ?? tabs[0]!.key);
  }, [tabs, activeKey]);

  const active = tabs.find((t) => t.key === activeKey) ?? null;
  const activeSession = useRef<string | null>(null);
  activeSession.current = active?.session ?? null;
  useEffect(() => setActiveSessionSource(() => activeSession.current), []);

  // Tabs are named like the owner's (title, else "Terminal N"); the banner names the command.
  const label = (t: Tab) => t.title || `Terminal ${t.n}`;
  const activeTitle = active ? active.title || (active.command.split('/').pop() ?? '') : '';
  useEffect(() => {
    onTitle?.(activeTitle);
  }, [onTitle, activeTitle]);

  const update = useCallback((key: string, patch: Partial<Tab>) => {
    setTabs((all) => all.map((t) => (t.key === key ? { ...t, ...patch } : t)));
  }, []);

  const select = (key: string) => {
    setActiveKey(key);
    setFocusToken((n) => n + 1);
  };

  const newTerminal = () => {
    if (!workspaceId) return;
    const tab = makeTab({ kind: 'create', workspace: workspaceId });
    setTabs((all) => [...all, tab]);
    setActiveKey(tab.key);
  };

  const loading = kind === 'workspace' ? list.isPending && workspaceId !== null : tabs.length === 0 && sessionId !== null;

  return (
    <section className="term-panel guest-terms" data-testid="guest-terminals">
      {kind === 'workspace' && (
        <TerminalTabs
          tabs={tabs.map((t) => ({ key: t.key, label: label(t), session: t.session, exited: t.exited || t.gone }))}
          activeKey={activeKey}
          onSelect={select}
          {...(scope === 'drive' && workspaceId ? { onNew: newTerminal } : {})}
        />
      )}
      <div className="guest-subbar">
        {active?.session && <PresenceBar sessionId={active.session} canKick={false} />}
        <button
          type="button"
          className="guest-fit"
          data-testid="guest-fit-width"
          aria-pressed={fit}
          title={fit ? 'Back to a readable size, scrolling sideways' : 'Shrink the terminal to fit the window'}
          onClick={() => setFit((f) => !f)}
        >
          Fit to width
        </button>
        {readOnly && (
          <span className="guest-readonly-hint" data-testid="guest-readonly-hint">
            View only — your keys are not sent
          </span>
        )}
      </div>
      <div className="guest-term-stack">
        {loading && <div className="term-empty">Loading terminals…</div>}
        {!loading && list.isError && kind === 'workspace' && <div className="term-empty">Could not list the terminals.</div>}
        {!loading && !list.isError && tabs.length === 0 && (
          <div className="term-empty" data-testid="guest-no-terminals">
            {kind === 'workspace'
              ? scope === 'drive'
                ? 'No terminals are running. Press + to start one.'
                : 'No terminals are running in this workspace.'
              : 'This terminal is not available.'}
          </div>
        )}
        {tabs.map((tab) => (
          <div key={tab.key} className="guest-term-view" data-active={tab.key === activeKey}>
            <TerminalView
              socket={socket}
              target={tab.target}
              active={tab.key === activeKey}
              focusToken={tab.key === activeKey ? focusToken : 0}
              letterbox
              letterboxFit={fit}
              readOnly={readOnly}
              {...(tab.size ? { initialSize: tab.size } : {})}
              onChannel={() => {}}
              onOpened={(o: Opened) => update(tab.key, { session: o.session, ...(o.title ? { title: o.title } : {}) })}
              onExit={() => update(tab.key, { exited: true })}
              onError={(e: ErrorInfo, fatal: boolean) => {
                if (fatal) update(tab.key, { gone: kind === 'workspace', exited: true });
                notify(e.message, 'error');
              }}
              onEvent={(ev: SessionEvent) => {
                if (ev.type === 'title') update(tab.key, { title: ev.title });
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
