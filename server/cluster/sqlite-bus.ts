/**
 * Cluster bus over the shared SQLite file (several gateways on one machine, one DATA_DIR; WAL lets
 * them all read while one writes): a sent event is a row of `cluster_events` (migration 15), and
 * every gateway polls for rows after the last one it saw. Rows older than RETAIN_MS are pruned by
 * whichever gateway gets there; AUTOINCREMENT never reuses an id, so "after id" stays exact.
 */
import { and, gt, lt, max, ne } from 'drizzle-orm';
import type { DatabaseHandle } from '../db/database';
import type { Logger } from '../log';
import { parseWire, type BusTransport, type WireEvent } from './bus';

export const POLL_MS = 200;
const RETAIN_MS = 60_000;
const PRUNE_EVERY_MS = 10_000;

export function sqliteTransport(dbh: DatabaseHandle, log: Logger, opts: { pollMs?: number; now?: () => number } = {}): BusTransport {
  const { db } = dbh;
  const { clusterEvents } = dbh.t;
  const now = opts.now ?? Date.now;
  let after = 0;
  let timer: NodeJS.Timeout | undefined;
  let lastPrune = 0;
  let closed = false;
  let me = '';

  const poll = async (deliver: (e: WireEvent) => void) => {
    try {
      const rows = await db.select().from(clusterEvents).where(and(gt(clusterEvents.id, after), ne(clusterEvents.sender, me))).orderBy(clusterEvents.id);
      for (const r of rows) {
        after = Math.max(after, r.id);
        const e = parseWire(r.payload);
        if (e) deliver(e);
      }
      if (now() - lastPrune > PRUNE_EVERY_MS) {
        lastPrune = now();
        await db.delete(clusterEvents).where(lt(clusterEvents.createdAt, now() - RETAIN_MS));
      }
    } catch (err) {
      // SQLITE_BUSY past busy_timeout, or the file closing at shutdown: the next poll tries again.
      if (!closed) log.warn('cluster events poll failed', { error: (err as Error).message });
    }
    if (!closed) timer = setTimeout(() => void poll(deliver), opts.pollMs ?? POLL_MS).unref();
  };

  return {
    kind: 'sqlite',
    async start(deliver) {
      // Only what is sent from now on: older rows were for gateways that were running then.
      after = (await db.select({ id: max(clusterEvents.id) }).from(clusterEvents))[0]?.id ?? 0;
      timer = setTimeout(() => void poll(deliver), opts.pollMs ?? POLL_MS).unref();
    },
    send(e) {
      me = e.s;
      void Promise.resolve(db.insert(clusterEvents).values({ sender: e.s, topic: e.t, payload: JSON.stringify(e), createdAt: now() })).catch((err: Error) =>
        log.warn('cluster event not written', { topic: e.t, error: err.message }),
      );
    },
    async close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
