/**
 * A gateway socket's status, and what it means for the page: whether it is final, whether the
 * connection counts as lost (the workspace's banner, connection-banner.ts) and so whether terminals
 * take keystrokes. Apart from both so the socket and the banner depend on it, not on each other.
 */
export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'offline' | 'unauthenticated' | 'forbidden';

/** Statuses nothing recovers from: the socket never reconnects after reaching one. */
export function isFinalStatus(status: ConnectionStatus): boolean {
  return status === 'unauthenticated' || status === 'forbidden';
}

/**
 * Whether the connection counts as lost: reconnecting, offline, or connecting after having been
 * open. The first `connecting` of a page load is not a loss, and the final statuses
 * (unauthenticated / forbidden) keep their own UI.
 */
export function connectionLost(status: ConnectionStatus, everOpened: boolean): boolean {
  return status === 'reconnecting' || status === 'offline' || (status === 'connecting' && everOpened);
}

/** Whether terminals take keystrokes now; false while the connection-lost banner shows. */
export function acceptsInput(status: ConnectionStatus, everOpened: boolean): boolean {
  return !connectionLost(status, everOpened);
}
