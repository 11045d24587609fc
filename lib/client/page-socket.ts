'use client';
/**
 * React glue for a page's gateway socket (the workspace, the agents view, a share guest's page):
 * one socket per page, made on mount and disposed on leave, registered with the e2e test hook,
 * and its status as React state.
 */
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { holdConnection } from './browser-gateway';
import type { ConnectionState } from './connection-banner';
import type { ConnectionStatus, GatewaySocket } from './gateway-socket';
import { registerConnection } from './test-hook';

const noSubscribe = () => () => {};
const connecting = (): ConnectionStatus => 'connecting';

export function useConnectionStatus(socket: GatewaySocket | null): ConnectionStatus {
  return useSyncExternalStore(socket?.subscribeStatus ?? noSubscribe, socket?.getStatus ?? connecting, connecting);
}

function readState(socket: GatewaySocket): ConnectionState {
  return { status: socket.status, attempt: socket.reconnectAttempt, everOpened: socket.hasOpened };
}

/** The socket's status with its reconnect attempt count and whether it was ever open (for the
 * connection-lost banner); re-rendered on every status change and reconnect attempt. */
export function useConnectionState(socket: GatewaySocket): ConnectionState {
  const [state, setState] = useState(() => readState(socket));
  useEffect(() => {
    const update = () =>
      setState((prev) => {
        const next = readState(socket);
        return prev.status === next.status && prev.attempt === next.attempt && prev.everOpened === next.everOpened ? prev : next;
      });
    update();
    const offStatus = socket.on('status', update);
    const offAttempt = socket.on('attempt', update);
    return () => {
      offStatus();
      offAttempt();
    };
  }, [socket]);
  return state;
}

/**
 * The page's socket, made by `create` (null: not yet — e.g. a guest page still asking what it
 * may see). A new `create` replaces the socket; `onError` gets the socket's ERROR messages.
 */
export function usePageSocket(create: (() => GatewaySocket) | null, onError?: (message: string) => void): GatewaySocket | null {
  const [socket, setSocket] = useState<GatewaySocket | null>(null);
  const errorRef = useRef(onError);
  errorRef.current = onError;
  useEffect(() => {
    if (!create) return;
    const s = create();
    setSocket(s);
    const offError = s.on('error', (e) => errorRef.current?.(e.message));
    let opens = s.status === 'open' ? 1 : 0;
    const offStatus = s.on('status', (st) => {
      if (st === 'open') opens++;
    });
    const unregister = registerConnection({
      status: () => s.status,
      opens: () => opens,
      drop: () => s.dropConnection(),
      hold: (ms) => holdConnection(s, ms),
      attempt: () => s.reconnectAttempt,
    });
    return () => {
      offError();
      offStatus();
      unregister();
      s.dispose();
      setSocket(null);
    };
  }, [create]);
  return socket;
}
