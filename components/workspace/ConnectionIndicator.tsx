'use client';
import type { ConnectionStatus } from '@/lib/client/gateway-socket';

const LABELS: Record<ConnectionStatus, string> = {
  connecting: 'Connecting…',
  open: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
  unauthenticated: 'Signed out',
  forbidden: 'Access ended',
};

export function ConnectionIndicator({ status }: { status: ConnectionStatus }) {
  return (
    <span className="conn" data-testid="connection-status" data-status={status} role="status" title={LABELS[status]}>
      <span className="conn-dot" aria-hidden="true" />
      <span className="conn-text">{LABELS[status]}</span>
    </span>
  );
}
