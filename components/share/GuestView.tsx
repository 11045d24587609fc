'use client';
/**
 * The page a share guest lands on (`/shared/<shareId>`, after `/s/<token>` set the share's
 * cookie). The guest's cookie is only sent under that path, so everything here talks to the
 * share's own endpoints: tRPC at `/shared/<id>/api/trpc` (a nested TRPCProvider, so every hook
 * below — file tree, editor, presence — uses it) and the terminal socket at `/shared/<id>/ws`.
 *
 * When the link is revoked, expires or the guest is removed, the server closes the socket with
 * 4403 and its reason; the page then shows only why (`share-ended`).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ConnectionIndicator } from '@/components/workspace/ConnectionIndicator';
import { Toasts, useToasts } from '@/components/workspace/Toasts';
import { createBrowserGatewaySocket } from '@/lib/client/browser-gateway';
import type { ConnectionStatus } from '@/lib/client/gateway-socket';
import { expiryText, SHARE_END_TITLES, shareEndReason } from '@/lib/client/guest-share';
import { useConnectionStatus, usePageSocket } from '@/lib/client/page-socket';
import { createTrpcClient, errorMessage, trpcErrorCode, TRPCProvider, useTRPC, useTRPCClient } from '@/lib/client/trpc';
import { GuestTerminals } from './GuestTerminals';
import { GuestWorkspace } from './GuestWorkspace';
import './guest.css';
import { useNow } from '@/lib/client/use-now';
import { useFocusOnce } from '@/lib/client/use-focus-once';

declare global {
  interface Window {
    /** When this page learned that its share ended (for the end-to-end revocation latency test). */
    __tetherShareEndedAt?: number;
  }
}

/** What the server says for a link or cookie that opens nothing (share-service DENIAL_MESSAGES). */
const NOT_VALID = 'This link is not valid. Ask the person who shared it for a new one.';

export function guestBase(shareId: string): string {
  return `/shared/${encodeURIComponent(shareId)}`;
}

export function GuestView({ shareId }: { shareId: string }) {
  const queryClient = useQueryClient();
  const [trpcClient] = useState(() => createTrpcClient(`${guestBase(shareId)}/api/trpc`));
  return (
    <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
      <GuestRoot shareId={shareId} />
    </TRPCProvider>
  );
}

function GuestRoot({ shareId }: { shareId: string }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const whoami = useQuery(
    trpc.shares.whoami.queryOptions(undefined, { retry: false, staleTime: Infinity, refetchOnWindowFocus: false, refetchOnReconnect: false }),
  );
  const me = whoami.data ?? null;
  const { toasts, push, dismiss } = useToasts();
  /** Why the share ended while this page was open (socket closed with 4403, or access refused). */
  const [ended, setEnded] = useState<string | null>(null);
  const [title, setTitle] = useState('');

  const ready = me !== null;
  /** The words of the last refusal the socket's auth check got. */
  const refusal = useRef<string | null>(null);
  const createSocket = useMemo(() => {
    if (!ready) return null;
    return () =>
      createBrowserGatewaySocket({
      path: `${guestBase(shareId)}/ws`,
      // A refused upgrade (HTTP 403) looks like a network error to a browser: ask whether the
      // share still lets us in. A refusal ends the page; a failure to ask keeps retrying.
      checkAuth: async () => {
        try {
          const who = await client.shares.whoami.query();
          if (who) return true;
          refusal.current = NOT_VALID;
          return false;
        } catch (err) {
          if (trpcErrorCode(err) === null) throw err;
          refusal.current = errorMessage(err);
          return false;
        }
      },
    });
  }, [ready, shareId, client]);
  const socket = usePageSocket(createSocket, push);
  const status = useConnectionStatus(socket);
  // The share ended under us (4403, or the auth check refused): say why, at once — the e2e test
  // times revocation to this moment.
  useEffect(() => {
    if (!socket) return;
    const onStatus = (st: ConnectionStatus) => {
      if (st !== 'forbidden' && st !== 'unauthenticated') return;
      window.__tetherShareEndedAt = Date.now();
      setEnded(st === 'forbidden' ? (socket.closeReason ?? NOT_VALID) : (refusal.current ?? NOT_VALID));
    };
    onStatus(socket.status);
    return socket.on('status', onStatus);
  }, [socket]);

  const what = me ? (me.kind === 'terminal' ? title || 'a terminal' : (me.workspace?.name ?? 'a workspace')) : '';
  useEffect(() => {
    if (me) document.title = `${what} · shared · Tether`;
  }, [me, what]);

  // Refused by the server (revoked, expired, removed, not valid): that is the page.
  const refused = whoami.error && trpcErrorCode(whoami.error) !== null ? errorMessage(whoami.error) : null;
  const endedMessage = ended ?? refused ?? (whoami.isSuccess && me === null ? NOT_VALID : null);
  if (endedMessage !== null) return <ShareEnded message={endedMessage} />;

  if (whoami.isError) {
    return (
      <main className="share-ended" data-testid="guest-error">
        <div className="share-ended-box">
          <h1>Could not open the share</h1>
          <p>{errorMessage(whoami.error)}</p>
          <button className="btn" onClick={() => void whoami.refetch()}>
            Try again
          </button>
        </div>
      </main>
    );
  }
  if (!me) {
    return (
      <main className="share-ended" data-testid="guest-loading">
        <p className="muted">Opening the share…</p>
      </main>
    );
  }

  return (
    <div className="guest workspace" data-testid="guest-view" data-scope={me.scope} data-kind={me.kind}>
      <GuestBanner owner={me.owner} what={what} guest={me.guest.name} scope={me.scope} expiresAt={me.expiresAt} label={me.label} status={status} />
      {socket &&
        (me.kind === 'terminal' ? (
          <main className="guest-single">
            <GuestTerminals
              socket={socket}
              kind="terminal"
              scope={me.scope}
              workspaceId={me.workspace?.id ?? null}
              sessionId={me.sessionId}
              notify={push}
              onTitle={setTitle}
            />
          </main>
        ) : me.workspace ? (
          <GuestWorkspace socket={socket} workspaceId={me.workspace.id} scope={me.scope} notify={push} />
        ) : (
          <main className="home">
            <p className="empty">This workspace no longer exists.</p>
          </main>
        ))}
      <Toasts toasts={toasts} onDismiss={dismiss} />
    </div>
  );
}

interface BannerProps {
  owner: string | null;
  what: string;
  guest: string;
  scope: 'view' | 'drive';
  expiresAt: number | null;
  label: string;
  status: ConnectionStatus;
}

function GuestBanner({ owner, what, guest, scope, expiresAt, label, status }: BannerProps) {
  const now = useNow(expiresAt === null ? null : 15_000);
  return (
    <header className="guest-banner" data-testid="guest-banner" title={label || undefined}>
      <h1 className="visually-hidden">{`${owner ?? 'Someone'} shared ${what}`}</h1>
      <p className="guest-banner-text">
        <strong>{owner ?? 'Someone'}</strong> shared <strong data-testid="guest-shared-what">{what}</strong> with you
        <span className="guest-sep"> · </span>
        You are <strong data-testid="guest-name">{guest}</strong>
        <span className="guest-sep"> · </span>
        <span className="guest-scope" data-scope={scope} data-testid="guest-scope">
          {scope === 'view' ? 'View only' : 'Can type'}
        </span>
        <span className="guest-sep"> · </span>
        <span data-testid="guest-expiry">{expiryText(expiresAt, now)}</span>
      </p>
      <ConnectionIndicator status={status} />
    </header>
  );
}


function ShareEnded({ message }: { message: string }) {
  const reason = shareEndReason(message);
  const focus = useFocusOnce<HTMLHeadingElement>();
  useEffect(() => {
    document.title = `${SHARE_END_TITLES[reason]} · Tether`;
  }, [reason]);
  return (
    <main className="share-ended" data-testid="share-ended" data-reason={reason} role="alert">
      <div className="share-ended-box">
        <h1 tabIndex={-1} ref={focus}>
          {SHARE_END_TITLES[reason]}
        </h1>
        <p data-testid="share-ended-message">{message}</p>
      </div>
    </main>
  );
}
