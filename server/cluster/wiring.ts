/**
 * What the gateways tell each other (bus.ts), wired to what each one holds open: sockets of a
 * sign-in session or an account (gateway/ws-server.ts), and what guests and members hold under a
 * share or a workspace membership (sharing/live-handles.ts). Whatever ends on one gateway closes
 * on every gateway within one bus delivery (Postgres: milliseconds; SQLite: one ~200 ms poll).
 */
import type { WsGateway } from '../gateway/ws-server';
import type { LiveHandles } from '../sharing/live-handles';
import type { PresenceBoard } from '../sharing/shared-session';
import type { ClusterBus } from './bus';

export interface ClusterSockets {
  /** Close a sign-in session's sockets here and on every gateway; how many were open here. */
  closeSession(sid: string, reason: string): number;
  /** Close an account's sockets here and on every gateway; how many were open here. */
  closeUser(userId: string, reason: string): number;
  dispose(): void;
}

/** Each gateway repeats who is attached through it this often (others forget it after a minute). */
const PRESENCE_REPEAT_MS = 20_000;

export function wireCluster(bus: ClusterBus, deps: { gateway: () => WsGateway; shareLive: LiveHandles; memberLive: LiveHandles; presence: PresenceBoard }): ClusterSockets {
  const { shareLive, memberLive, presence } = deps;
  let repeat: NodeJS.Timeout | undefined;
  if (bus.kind !== 'memory') {
    // Presence is the same on every gateway: each says who is attached through it.
    presence.relayTo((sessionId, entries) => bus.publish('presence.changed', { sessionId, entries: entries.slice(0, 40) }));
    bus.subscribe('presence.changed', ({ sessionId, entries }, from) => presence.remoteChanged(sessionId, from, entries));
    repeat = setInterval(() => presence.republish(), PRESENCE_REPEAT_MS);
    repeat.unref();
  }
  bus.subscribe('sockets.session', ({ sid, reason }) => deps.gateway().closeSession(sid, reason));
  bus.subscribe('sockets.user', ({ userId, reason }) => deps.gateway().closeUser(userId, reason));
  const groups = { share: shareLive, workspace: memberLive } as const;
  for (const [group, live] of Object.entries(groups) as [keyof typeof groups, LiveHandles][]) {
    live.relayTo((key, reason, holder) => bus.publish('live.close', { group, key, reason, ...(holder === undefined ? {} : { holder }) }));
  }
  bus.subscribe('live.close', ({ group, key, reason, holder }) => groups[group].closeHere(key, reason, holder));
  return {
    closeSession(sid, reason) {
      bus.publish('sockets.session', { sid, reason });
      return deps.gateway().closeSession(sid, reason);
    },
    closeUser(userId, reason) {
      bus.publish('sockets.user', { userId, reason });
      return deps.gateway().closeUser(userId, reason);
    },
    dispose: () => clearInterval(repeat),
  };
}
