/**
 * The gateway's database: SQLite in DATA_DIR (the embedded default) or Postgres when
 * DATABASE_URL says `postgres://…` (README: Database). Everything above this module holds a
 * DatabaseHandle and writes its queries once, against `dbh.db` and the handle's own tables
 * (`dbh.t.users`): SQLite handles carry schema.ts's tables, Postgres handles schema-pg.ts's twins,
 * so both dialects can live in one process (the contract tests run them side by side).
 *
 * Every query is awaited (`await db.select()…`, `(await q)[0]`); both drivers are asynchronous
 * here — SQLite through drizzle's proxy driver over better-sqlite3 (db/sqlite.ts) — so a query
 * that only one dialect could run does not type-check: `Db` is the Postgres builder's type, which
 * has no synchronous `.all()/.get()/.run()`.
 */
import { MIGRATIONS, type Migration } from './migrations';
import type { DatabaseHandle } from './types';

export type { Dialect, Db, Tables, DatabaseHandle } from './types';

export interface OpenOptions {
  migrations?: readonly Migration[];
  /** Postgres pool size (default 10). */
  poolSize?: number;
}

/** A `postgres://` or `postgresql://` URL (anything else is a SQLite file path). */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/**
 * Open the database at `target` — a SQLite file path (`file:` prefix allowed), created if needed,
 * or a Postgres URL — and bring its schema up to date.
 */
export async function openDatabase(target: string, opts: OpenOptions = {}): Promise<DatabaseHandle> {
  const migrations = opts.migrations ?? MIGRATIONS;
  if (isPostgresUrl(target)) {
    const { openPostgres } = await import('./postgres');
    return openPostgres(target, migrations, opts.poolSize ?? 10);
  }
  const { openSqlite } = await import('./sqlite');
  return openSqlite(target.replace(/^file:(\/\/)?/, ''), migrations);
}

/** Where the gateway's data lives: DATABASE_URL when set, else tether.db in DATA_DIR. */
export function databaseTarget(databaseUrl: string | undefined, dataDir: string): string {
  return databaseUrl?.trim() || `${dataDir.replace(/\/+$/, '')}/tether.db`;
}

/** The URL without its password, for logs and messages. */
export function redactUrl(target: string): string {
  if (!isPostgresUrl(target)) return target;
  try {
    const u = new URL(target);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}
