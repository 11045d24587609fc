/**
 * What the workspace shows while its gateway socket is down: a banner over the terminals with a
 * "Retry now" button, the terminals dimmed and typing blocked. Typing is dropped, not queued, while
 * the banner shows (the workspace's socket is made with `blockInputWhileLost`; pages without the
 * banner keep the bounded queue) — the promise is "blocked visibly until resumed", so nothing typed into a
 * terminal that says it is disconnected runs later. (Input queued for other reasons is unchanged:
 * a terminal still opening on a live socket, or a send that failed on a socket not yet known to be
 * dead, is replayed once the channel opens; see gateway-channel.ts.)
 *
 * Pure functions of the socket's status, its reconnect attempt count and whether it was ever open,
 * so they are unit-tested without a browser.
 */
import { acceptsInput, connectionLost, type ConnectionStatus } from './connection-status';

export { acceptsInput, connectionLost };

export interface ConnectionState {
  status: ConnectionStatus;
  /** Reconnect attempts started since the connection was last open (0: none yet). */
  attempt: number;
  /** The socket reached `open` at least once. */
  everOpened: boolean;
}

export interface BannerText {
  /** The headline, e.g. "Connection to Tether lost — reconnecting (attempt 2)…". */
  title: string;
  /** What it means for the user. */
  detail: string;
}

export const INPUT_BLOCKED_DETAIL = 'Typing is paused: keys pressed now are not sent. Terminals resume when the connection is back.';

/** The banner for a connection state, or null when none shows. */
export function bannerText({ status, attempt, everOpened }: ConnectionState): BannerText | null {
  if (!connectionLost(status, everOpened)) return null;
  if (status === 'offline') return { title: 'You are offline — waiting for the network', detail: INPUT_BLOCKED_DETAIL };
  const tries = attempt > 0 ? ` (attempt ${attempt})` : '';
  const title = everOpened ? `Connection to Tether lost — reconnecting${tries}…` : `Cannot reach Tether — retrying${tries}…`;
  return { title, detail: INPUT_BLOCKED_DETAIL };
}

export interface RuntimeConnectionOverride {
  /** `data-state` of the runtime badge; never "ready" (the badge's dot is not green). */
  state: 'disconnected';
  label: string;
  title: string;
}

/**
 * The runtime badge polls over HTTP and can still say "ready" while the terminals' socket is down;
 * until the socket is open again the badge says the runtime is unknown instead. Null: show the
 * runtime's own health (socket open, or no socket status known).
 */
export function runtimeOverride(status: ConnectionStatus | undefined): RuntimeConnectionOverride | null {
  if (status === undefined || status === 'open') return null;
  const why =
    status === 'offline'
      ? 'offline'
      : status === 'unauthenticated'
        ? 'signed out'
        : status === 'forbidden'
          ? 'access ended'
          : status === 'connecting'
            ? 'connecting'
            : 'disconnected';
  return {
    state: 'disconnected',
    label: `Runtime unknown · ${why}`,
    title: 'Not connected to the Tether gateway, so the runtime cannot be reached from this tab.',
  };
}
