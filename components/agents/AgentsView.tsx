'use client';
/**
 * /agents: every terminal of the person across workspaces — coding agents, long builds — with
 * what each is doing (working / waiting / idle / exited, from the server) and its last lines,
 * streamed by `agents.watch`. Made for checking in from a phone: tap a row to get its terminal
 * (`?s=<sessionId>`, so Back returns to the list), start an agent, and get told when one waits
 * for you or ends.
 */
import { useSubscription } from '@trpc/tanstack-react-query';
import { useSearchParams } from 'next/navigation';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { PhoneTerminal } from '@/components/mobile/PhoneTerminal';
import { AppHeader } from '@/components/nav/AppHeader';
import { ConnectionIndicator } from '@/components/workspace/ConnectionIndicator';
import { createBrowserGatewaySocket } from '@/lib/client/browser-gateway';
import { AgentNotifier, agentLabel, agentUrl, showsToast, type AgentNotification } from '@/lib/client/notifications';
import { useConnectionStatus, usePageSocket } from '@/lib/client/page-socket';
import { errorMessage, trpcErrorCode, useTRPC } from '@/lib/client/trpc';
import type { AgentRow } from '@/server/agents/agents-service';
import { byActivity } from './agent-format';
import { AgentRowItem } from './AgentRowItem';
import { AgentToasts, useAgentToasts } from './AgentToasts';
import { StartAgentForm } from './StartAgentForm';
import { showSystemNotification, useNotificationPermission, useServiceWorker } from './system-notifications';
import './agents.css';

const TICK_MS = 5000;
const FRESH_MS = 4000;

function toLogin(): void {
  const back = window.location.pathname + window.location.search;
  window.location.assign(`/login?callbackUrl=${encodeURIComponent(back)}`);
}

/** The clock relative times are shown against: ticks every few seconds, and with every list. */
function useNow(): [number, () => void] {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), TICK_MS);
    return () => clearInterval(t);
  }, []);
  const bump = useCallback(() => setNow(Date.now()), []);
  return [now, bump];
}

/** The `s` of an `/agents?s=…` address, or null. */
function sessionOf(url: string): string | null {
  try {
    const u = new URL(url, window.location.origin);
    return u.pathname === '/agents' ? u.searchParams.get('s') : null;
  } catch {
    return null;
  }
}

export function AgentsView() {
  const trpc = useTRPC();
  const [rows, setRows] = useState<AgentRow[] | null>(null);
  const [now, bumpNow] = useNow();
  const { toasts, push: pushToast, dismiss } = useAgentToasts();
  const { permission, request } = useNotificationPermission();

  // One gateway socket for the page; the phone terminal opens its channel on it.
  const socket = usePageSocket(createBrowserGatewaySocket);
  const status = useConnectionStatus(socket);
  useEffect(() => {
    if (status === 'unauthenticated') toLogin();
  }, [status]);

  // The open terminal lives in the address (?s=…): Back (the browser's or the terminal's) closes it.
  const params = useSearchParams();
  const openId = params.get('s');
  const pushedHere = useRef(false);
  const openSession = useCallback((sessionId: string) => {
    if (sessionOf(window.location.href) === sessionId) return;
    window.history.pushState(null, '', agentUrl(sessionId));
    pushedHere.current = true;
  }, []);
  const openUrl = useCallback(
    (url: string) => {
      const id = sessionOf(url);
      if (id) openSession(id);
    },
    [openSession],
  );
  const closeSession = useCallback(() => {
    if (pushedHere.current) {
      pushedHere.current = false;
      window.history.back();
    } else {
      window.history.replaceState(null, '', '/agents'); // arrived on ?s= (a notification, a link)
    }
  }, []);
  useEffect(() => {
    const onPop = () => {
      if (!sessionOf(window.location.href)) pushedHere.current = false;
    };
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  useServiceWorker(openUrl);

  const notifier = useRef<AgentNotifier>(null);
  // Read when a notice arrives: the terminal on the screen gets no toast over its own question.
  const openIdRef = useRef(openId);
  useLayoutEffect(() => {
    openIdRef.current = openId;
  }, [openId]);
  // Opening a terminal answers its toast.
  useEffect(() => {
    for (const t of toasts) if (t.sessionId === openId) dismiss(t.key);
  }, [openId, toasts, dismiss]);
  const onNotice = useCallback(
    (n: AgentNotification) => {
      const view = { openSessionId: openIdRef.current, visible: document.visibilityState === 'visible', focused: document.hasFocus() };
      if (showsToast(n, view)) pushToast(n);
      void showSystemNotification(n, openUrl);
    },
    [pushToast, openUrl],
  );
  const watch = useSubscription(
    trpc.agents.watch.subscriptionOptions(undefined, {
      onData: (list) => {
        setRows(list);
        bumpNow();
        notifier.current ??= new AgentNotifier();
        for (const n of notifier.current.update(list)) onNotice(n);
      },
      onError: (err) => {
        if (trpcErrorCode(err) === 'UNAUTHORIZED') toLogin();
      },
    }),
  );

  const [fresh, setFresh] = useState<string | null>(null);
  useEffect(() => {
    if (!fresh) return;
    const t = setTimeout(() => setFresh(null), FRESH_MS);
    return () => clearTimeout(t);
  }, [fresh]);

  const sorted = rows ? byActivity(rows) : [];
  const openRow = openId ? rows?.find((r) => r.sessionId === openId) : undefined;
  const title = openRow ? agentLabel(openRow) : 'Terminal';

  useEffect(() => {
    const waiting = rows?.filter((r) => r.status === 'waiting').length ?? 0;
    document.title = openId ? `${title} · Tether` : `${waiting ? `(${waiting}) ` : ''}Agents · Tether`;
  }, [openId, title, rows]);

  return (
    <div className="agents-page" data-testid="agents-view" data-terminal-open={openId ? 'true' : undefined}>
      <div className="agents-list-view" hidden={Boolean(openId)}>
        <AppHeader className="agents-topbar">
          {permission === 'default' && (
            <button className="btn agents-notify" data-testid="notify-enable" onClick={() => void request()} title="Get told when an agent waits for you or exits">
              Enable notifications
            </button>
          )}
          <ConnectionIndicator status={status} />
        </AppHeader>
        <main className="agents-main">
          <h1 className="agents-title">Agents</h1>
          <StartAgentForm onStarted={setFresh} />
          {watch.status === 'error' && trpcErrorCode(watch.error) !== 'UNAUTHORIZED' && (
            <p className="field-error" role="alert">
              Lost the live list: {errorMessage(watch.error)}
            </p>
          )}
          {rows === null && watch.status !== 'error' && <p className="muted">Loading terminals…</p>}
          {rows !== null && rows.length === 0 && (
            <p className="empty" data-testid="agents-empty">
              No terminals are running. Agents you start here, and terminals opened in a workspace, show up in this list.
            </p>
          )}
          {sorted.length > 0 && (
            <ul className="agent-list" data-testid="agent-list">
              {sorted.map((row) => (
                <AgentRowItem key={row.sessionId} row={row} now={Math.max(now, row.since)} fresh={row.sessionId === fresh} onOpen={openSession} />
              ))}
            </ul>
          )}
        </main>
      </div>
      {openId && socket && (
        <div className="agents-terminal" data-testid="agents-terminal">
          <PhoneTerminal key={openId} socket={socket} sessionId={openId} title={title} onBack={closeSession} />
        </div>
      )}
      <AgentToasts
        toasts={toasts}
        onOpen={(n) => {
          dismiss(n.key);
          openSession(n.sessionId);
        }}
        onDismiss={dismiss}
      />
    </div>
  );
}
