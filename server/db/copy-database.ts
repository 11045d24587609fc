/**
 * Copy a SQLite database into an empty Postgres one (`npm run tether -- migrate-db`): both are
 * first brought to the same migration version, then every table is copied in foreign-key order in
 * one Postgres transaction, the id sequences are moved past the copied ids, and the row counts are
 * compared before COMMIT — a copy is complete or absent. The tables come from schema.ts, so a new
 * table is copied without touching this file; a table in the file that schema.ts does not know
 * stops the copy rather than being left behind.
 */
import { is } from 'drizzle-orm';
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import pg from 'pg';
import { isPostgresUrl, openDatabase } from './database';
import * as schema from './schema';

/** Rows per INSERT (Postgres allows 65,535 parameters per statement). */
const BATCH_ROWS = 500;

export interface TableCopy {
  table: string;
  rows: number;
}

export class CopyError extends Error {}

interface TableInfo {
  name: string;
  columns: string[];
  dependsOn: string[];
}

/** The schema's tables, each after the tables its foreign keys point to. */
export function tablesInCopyOrder(): TableInfo[] {
  const infos = (Object.values(schema) as unknown[])
    .filter((t): t is SQLiteTable => is(t, SQLiteTable))
    .map((t) => {
      const c = getTableConfig(t);
      return {
        name: c.name,
        columns: c.columns.map((col) => col.name),
        dependsOn: c.foreignKeys.map((fk) => getTableConfig(fk.reference().foreignTable).name).filter((n) => n !== c.name),
      };
    });
  const done = new Set<string>();
  const ordered: TableInfo[] = [];
  while (ordered.length < infos.length) {
    const next = infos.filter((t) => !done.has(t.name) && t.dependsOn.every((d) => done.has(d)));
    if (next.length === 0) throw new Error('the schema has a foreign-key cycle');
    for (const t of next.sort((a, b) => a.name.localeCompare(b.name))) {
      ordered.push(t);
      done.add(t.name);
    }
  }
  return ordered;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Copy every table of the SQLite file `from` into the (empty) Postgres database at `to`. */
export async function copySqliteToPostgres(from: string, to: string): Promise<TableCopy[]> {
  if (!isPostgresUrl(to)) throw new CopyError('the target must be a postgres:// URL (DATABASE_URL or --to)');
  if (isPostgresUrl(from)) throw new CopyError('the source must be a SQLite file (DATA_DIR/tether.db or --from)');
  const tables = tablesInCopyOrder();
  const source = await openDatabase(from);
  try {
    // Nothing may be left behind: every table in the file must be one the schema knows.
    const inFile = (await source.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'")).map((r) => String(r.name));
    const unknown = inFile.filter((n) => !tables.some((t) => t.name === n));
    if (unknown.length) throw new CopyError(`the SQLite file has tables this version does not know (${unknown.join(', ')}); run the matching version of Tether`);
    // Migrate the target to the same version, then copy on one connection in one transaction.
    await (await openDatabase(to)).close();
    const client = new pg.Client({ connectionString: to });
    await client.connect();
    try {
      await client.query('BEGIN');
      for (const t of tables) {
        const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${quote(t.name)}`);
        if (Number(rows[0]!.n) > 0) throw new CopyError(`the target database is not empty (${t.name} has rows); copy into a new, empty database`);
      }
      const copied: TableCopy[] = [];
      for (const t of tables) {
        const rows = await source.query(`SELECT ${t.columns.map(quote).join(', ')} FROM ${quote(t.name)}`);
        for (let i = 0; i < rows.length; i += BATCH_ROWS) {
          const batch = rows.slice(i, i + BATCH_ROWS);
          const params: unknown[] = [];
          const tuples = batch.map((row) => `(${t.columns.map((c) => `$${params.push(row[c] ?? null)}`).join(', ')})`);
          await client.query(`INSERT INTO ${quote(t.name)} (${t.columns.map(quote).join(', ')}) VALUES ${tuples.join(', ')}`, params);
        }
        // Serial ids (audit and share events): the next id follows the copied ones.
        if (t.columns.includes('id')) {
          const seq = await client.query<{ s: string | null }>('SELECT pg_get_serial_sequence($1, $2) AS s', [t.name, 'id']);
          const name = seq.rows[0]?.s;
          if (name) await client.query(`SELECT setval($1, COALESCE((SELECT MAX(id) FROM ${quote(t.name)}), 0) + 1, false)`, [name]);
        }
        const { rows: counted } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${quote(t.name)}`);
        if (Number(counted[0]!.n) !== rows.length) throw new CopyError(`${t.name}: ${rows.length} rows read but ${counted[0]!.n} in the target; nothing was copied`);
        copied.push({ table: t.name, rows: rows.length });
      }
      await client.query('COMMIT');
      return copied;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      await client.end();
    }
  } finally {
    await source.close();
  }
}
