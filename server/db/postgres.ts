/**
 * Postgres handle: drizzle's node-postgres driver on a `pg` Pool. Migrations run under a session
 * advisory lock, so gateways starting together apply each version once and in order.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Db, DatabaseHandle } from './types';
import type { Migration } from './migrations';
import * as schema from './schema-pg';

/** pg_advisory_lock key for migrations (any fixed bigint; "tether" in ASCII). */
const MIGRATION_LOCK = 0x746574686572;

export async function openPostgres(url: string, migrations: readonly Migration[], poolSize: number): Promise<DatabaseHandle> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client's connection dropping (server restart) must not crash the gateway; the pool replaces it.
  pool.on('error', () => {});
  try {
    await migratePostgres(pool, migrations);
  } catch (err) {
    await pool.end();
    throw err;
  }
  const db: NodePgDatabase<typeof schema> = drizzle(pool, { schema });
  const inside = new AsyncLocalStorage<Db>();
  return {
    dialect: 'postgres',
    db,
    t: schema,
    transaction: (fn) => {
      const open = inside.getStore();
      if (open) return fn(open);
      return db.transaction((tx) => inside.run(tx, () => fn(tx)));
    },
    query: async (text, params = []) => (await pool.query(text, params)).rows as Record<string, unknown>[],
    close: () => pool.end(),
  };
}

async function migratePostgres(pool: pg.Pool, migrations: readonly Migration[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((r) => r.version));
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (applied.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.postgres);
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${m.version} (${m.name}) failed on Postgres: ${(err as Error).message}`);
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}
