/**
 * The cluster bus: small JSON events between the gateways that share one database, so that what
 * one gateway does (a share revoked, a user signed out) takes effect on every gateway's sockets.
 *
 * Three transports behind one interface, chosen once at start (app.ts):
 * - `memory`: one gateway alone — events go to this process's subscribers only;
 * - `sqlite` (sqlite-bus.ts): several gateways on one machine sharing DATA_DIR's SQLite file —
 *   an events table polled every ~200 ms, old rows pruned;
 * - `postgres` (pg-bus.ts): LISTEN/NOTIFY on a dedicated connection that reconnects.
 *
 * Every gateway process has its own id (`sender`); events carry it, and a gateway ignores its own
 * when they come back (it already acted on them when it published). Delivery is at most once, in
 * order per sender; an event's effect must therefore be idempotent and also enforced at the next
 * request by the database (a revoked share's cookie is refused by every gateway's next check even
 * if an event were lost — the event only closes what is already open, at once).
 *
 * Every event is declared once here with its zod schema and parsed at the edge.
 */
import { z } from 'zod';
import { randomId } from '../../lib/shared/ids';
import type { Logger } from '../log';

export const CLUSTER_EVENTS = {
  /** A sign-in session ended (signed out, revoked): close its sockets. */
  'sockets.session': z.object({ sid: z.string().min(1).max(200), reason: z.string().max(200) }),
  /** An account was disabled, deleted or signed out everywhere: close every socket it holds. */
  'sockets.user': z.object({ userId: z.string().min(1).max(200), reason: z.string().max(200) }),
  /** Something held live under a grant ended (sharing/live-handles.ts): a share revoked, expired or
   * a guest kicked (`group: share`), a member removed or demoted, a workspace deleted (`workspace`). */
  'live.close': z.object({ group: z.enum(['share', 'workspace']), key: z.string().min(1).max(200), reason: z.string().max(300), holder: z.string().max(200).optional() }),
  /** Who is attached to a terminal through the sending gateway, in full (sharing/shared-session.ts). */
  'presence.changed': z.object({
    sessionId: z.string().min(1).max(200),
    entries: z
      .array(
        z.object({
          id: z.string().min(1).max(200),
          name: z.string().max(200),
          role: z.enum(['owner', 'guest', 'member']),
          scope: z.enum(['owner', 'view', 'drive']),
          shareId: z.string().max(200).optional(),
          guestId: z.string().max(200).optional(),
          typing: z.boolean(),
        }),
      )
      .max(40),
  }),
  /** A local workspace was pinned to the node holding its folder (node-pins.ts). */
  'workspace.pinned': z.object({ workspaceId: z.string().min(1).max(200), node: z.string().min(1).max(200), root: z.string().min(1).max(4096) }),
} as const;

export type ClusterTopic = keyof typeof CLUSTER_EVENTS;
export type ClusterPayload<T extends ClusterTopic> = z.infer<(typeof CLUSTER_EVENTS)[T]>;

/** An event as it travels between gateways. */
export interface WireEvent {
  /** The sending gateway's id. */
  s: string;
  /** Topic. */
  t: string;
  /** Payload (checked against the topic's schema on arrival). */
  d: unknown;
}

/** The transport under a bus: ships events out, hands the others' events in. */
export interface BusTransport {
  readonly kind: 'memory' | 'sqlite' | 'postgres';
  /** Whether events flow now (false while a Postgres connection is being re-established). */
  readonly connected?: boolean;
  /** Start delivering other gateways' events to `deliver`. */
  start(deliver: (e: WireEvent) => void): Promise<void>;
  send(e: WireEvent): void;
  close(): Promise<void>;
}

type Handler<T extends ClusterTopic> = (data: ClusterPayload<T>, sender: string) => void;

export class ClusterBus {
  /** This gateway process's id (events it sent come back and are skipped). */
  readonly gatewayId: string;
  private readonly handlers = new Map<ClusterTopic, Set<Handler<ClusterTopic>>>();

  constructor(
    private readonly transport: BusTransport,
    private readonly log: Logger,
    gatewayId = randomId(),
  ) {
    this.gatewayId = gatewayId;
  }

  get kind(): BusTransport['kind'] {
    return this.transport.kind;
  }

  start(): Promise<void> {
    return this.transport.start((e) => this.deliver(e));
  }

  get connected(): boolean {
    return this.transport.connected ?? true;
  }

  /** Tell the other gateways (this one has already acted). */
  publish<T extends ClusterTopic>(topic: T, data: ClusterPayload<T>): void {
    try {
      this.transport.send({ s: this.gatewayId, t: topic, d: data });
    } catch (err) {
      this.log.warn('cluster event not sent', { topic, error: (err as Error).message });
    }
  }

  /** Act on other gateways' events of `topic`; returns the unsubscribe function. */
  subscribe<T extends ClusterTopic>(topic: T, handler: Handler<T>): () => void {
    let set = this.handlers.get(topic);
    if (!set) this.handlers.set(topic, (set = new Set()));
    set.add(handler as Handler<ClusterTopic>);
    return () => set.delete(handler as Handler<ClusterTopic>);
  }

  close(): Promise<void> {
    this.handlers.clear();
    return this.transport.close();
  }

  private deliver(e: WireEvent): void {
    if (e.s === this.gatewayId || !(e.t in CLUSTER_EVENTS)) return;
    const topic = e.t as ClusterTopic;
    const parsed = CLUSTER_EVENTS[topic].safeParse(e.d);
    if (!parsed.success) {
      this.log.warn('malformed cluster event dropped', { topic, from: e.s });
      return;
    }
    for (const h of this.handlers.get(topic) ?? []) {
      try {
        h(parsed.data, e.s);
      } catch (err) {
        this.log.warn('cluster event handler failed', { topic, error: (err as Error).message });
      }
    }
  }
}

/** One gateway alone: nobody else to tell. */
export function memoryTransport(): BusTransport {
  return { kind: 'memory', start: async () => {}, send: () => {}, close: async () => {} };
}

/** Parse a wire event from text (SQLite row, NOTIFY payload); null if it is not one. */
export function parseWire(text: string): WireEvent | null {
  try {
    const v = JSON.parse(text) as Partial<WireEvent>;
    return typeof v?.s === 'string' && typeof v.t === 'string' ? { s: v.s, t: v.t, d: v.d } : null;
  } catch {
    return null;
  }
}
