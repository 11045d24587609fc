/**
 * Cluster bus over Postgres LISTEN/NOTIFY, on a dedicated connection (never a pooled one: a
 * LISTEN belongs to its session). Events are NOTIFY payloads on one channel; Postgres delivers
 * them to every listening session, in commit order, within milliseconds.
 *
 * The connection reconnects with backoff when it drops (a restarted or failed-over database) and
 * LISTENs again; events sent meanwhile are queued (a bounded number) and sent once it is back.
 * Events other gateways sent while it was down are not replayed: what they would have closed is
 * refused anyway by the database at the next request (the bus only makes it immediate).
 */
import pg from 'pg';
import { backoffDelay } from '../../lib/protocol';
import type { Logger } from '../log';
import { parseWire, type BusTransport, type WireEvent } from './bus';

export const PG_CHANNEL = 'tether_cluster';
/** NOTIFY payloads must stay under 8000 bytes. */
const MAX_PAYLOAD_BYTES = 7900;
const MAX_QUEUED = 1000;
const BACKOFF = { baseMs: 200, capMs: 5000, jitter: 'equal', immediateFirst: false } as const;

export function postgresTransport(url: string, log: Logger): BusTransport {
  let client: pg.Client | null = null;
  let closed = false;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;
  const queue: string[] = [];
  let deliver: (e: WireEvent) => void = () => {};

  const flush = () => {
    while (client && queue.length > 0) {
      const c = client;
      const payload = queue.shift()!;
      c.query('SELECT pg_notify($1, $2)', [PG_CHANNEL, payload]).catch((err: Error) => {
        // A NOTIFY that failed was not sent (it commits or not at all): on a connection that died
        // meanwhile it goes out again after the reconnect.
        if (client !== c && !closed) queue.unshift(payload);
        else log.warn('cluster event not sent', { error: err.message });
      });
    }
  };

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url, application_name: 'tether-cluster-bus' });
    c.on('error', (err) => log.warn('cluster bus connection error', { error: err.message }));
    c.on('notification', (n) => {
      if (n.channel !== PG_CHANNEL || !n.payload) return;
      const e = parseWire(n.payload);
      if (e) deliver(e);
    });
    c.on('end', () => {
      if (client === c) client = null;
      if (!closed) schedule();
    });
    await c.connect();
    await c.query(`LISTEN ${PG_CHANNEL}`);
    if (closed) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    if (failures > 0) log.info('cluster bus reconnected');
    failures = 0;
    flush();
  };

  const schedule = () => {
    clearTimeout(retry);
    retry = setTimeout(() => {
      connect().catch((err: Error) => {
        failures++;
        if (failures === 1 || failures % 10 === 0) log.warn('cluster bus cannot reach Postgres', { error: err.message, attempts: failures });
        if (!closed) schedule();
      });
    }, backoffDelay(failures, BACKOFF));
    retry.unref();
  };

  return {
    kind: 'postgres',
    get connected() {
      return client !== null;
    },
    async start(d) {
      deliver = d;
      await connect();
    },
    send(e) {
      const payload = JSON.stringify(e);
      if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) throw new Error(`cluster event ${e.t} is too large for NOTIFY`);
      if (queue.length >= MAX_QUEUED) queue.shift();
      queue.push(payload);
      flush();
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
