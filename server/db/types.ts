/** The database handle's types (database.ts opens one; sqlite.ts and postgres.ts build them). */
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type * as pgSchema from './schema-pg';

export type Dialect = 'sqlite' | 'postgres';

/** The query builder both handles expose: drizzle's select/insert/update/delete, nothing dialect-only. */
export type Db = Pick<NodePgDatabase<typeof pgSchema>, 'select' | 'selectDistinct' | 'insert' | 'update' | 'delete' | '$count'>;

/** The tables a handle's queries use (the same names and row types on both dialects). */
export type Tables = typeof pgSchema;

export interface DatabaseHandle {
  readonly dialect: Dialect;
  readonly db: Db;
  readonly t: Tables;
  /**
   * Run `fn` in one transaction; its queries go through `tx`. On SQLite nothing else runs on the
   * connection meanwhile (queries from elsewhere wait for it); a transaction() inside another joins it.
   */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /**
   * Raw SQL with the dialect's placeholders (`?` on SQLite, `$1` on Postgres): rows as objects.
   * For what is not a query on the schema — health checks, migrate-db, tests.
   */
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}
