'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { TerminalPanel } from '@/components/terminal/TerminalPanel';
import { createBrowserGatewaySocket } from '@/lib/client/browser-gateway';
import type { ConnectionStatus, GatewaySocket } from '@/lib/client/gateway-socket';
import { registerConnection } from '@/lib/client/test-hook';
import { trpcErrorCode, useTRPC } from '@/lib/client/trpc';
import { ConnectionIndicator } from './ConnectionIndicator';
import { Toasts, useToasts } from './Toasts';

const noSubscribe = () => () => {};
const connecting = (): ConnectionStatus => 'connecting';

function useConnectionStatus(socket: GatewaySocket | null): ConnectionStatus {
  return useSyncExternalStore(socket?.subscribeStatus ?? noSubscribe, socket?.getStatus ?? connecting, connecting);
}

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
    const unregister = registerConnection({ status: () => s.status, drop: () => s.dropConnection() });
    return () => {
      off();
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
  const name = workspace.data?.name ?? (notFound ? 'Not found' : '');

  useEffect(() => {
    if (workspace.data) document.title = `${workspace.data.name} · Tether`;
  }, [workspace.data]);

  return (
    <div className="workspace">
      <header className="topbar">
        <Link href="/" className="btn" aria-label="Back to workspaces" data-testid="back-link">
          ←
        </Link>
        <span className="workspace-title" data-testid="workspace-title">
          {name}
        </span>
        <span className="spacer" />
        <ConnectionIndicator status={status} />
      </header>
      {notFound ? (
        <main className="home">
          <p className="empty">
            This workspace does not exist or is not yours. <Link href="/">Back to your workspaces</Link>
          </p>
        </main>
      ) : (
        socket && <TerminalPanel socket={socket} workspaceId={workspaceId} notify={push} />
      )}
      <Toasts toasts={toasts} onDismiss={dismiss} />
    </div>
  );
}
