/**
 * `npm run tether -- migrate-db [--from tether.db] [--to postgres://…]`: copy the SQLite database
 * (DATA_DIR's by default) into the Postgres database of DATABASE_URL (or --to). Stop the gateway
 * first; the target must be empty. Prints what it copied; the URL is shown without its password.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isPostgresUrl, redactUrl } from '../db/database';
import { CopyError, copySqliteToPostgres } from '../db/copy-database';
import type { CliIo } from './users-cli';

export const MIGRATE_DB_USAGE = `Usage: npm run tether -- migrate-db [--from FILE] [--to URL]

Copies the SQLite database (default: $DATA_DIR/tether.db) into an empty Postgres
database (default: $DATABASE_URL). Stop the gateway first. Then start it with
DATABASE_URL set to the same URL.`;

export async function runMigrateDb(argv: readonly string[], io: Pick<CliIo, 'env' | 'out' | 'err'>): Promise<number> {
  let values: { from?: string; to?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: [...argv], options: { from: { type: 'string' }, to: { type: 'string' }, help: { type: 'boolean' } } }));
  } catch (err) {
    io.err(`tether: ${(err as Error).message}\n\n${MIGRATE_DB_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(MIGRATE_DB_USAGE);
    return 0;
  }
  const from = values.from ?? path.join(path.resolve(io.env.DATA_DIR ?? './data'), 'tether.db');
  const to = values.to ?? io.env.DATABASE_URL ?? '';
  if (!isPostgresUrl(to)) {
    io.err(`tether: say where to copy to: DATABASE_URL=postgres://… or --to postgres://…\n\n${MIGRATE_DB_USAGE}`);
    return 2;
  }
  try {
    const started = Date.now();
    const copied = await copySqliteToPostgres(from, to);
    io.out(`Copied ${from} to ${redactUrl(to)}:`);
    for (const { table, rows } of copied) io.out(`  ${table.padEnd(22)} ${rows} rows`);
    io.out(`${copied.reduce((n, t) => n + t.rows, 0)} rows in ${copied.length} tables, counts verified, in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    io.out(`Start the gateway with DATABASE_URL=${redactUrl(to)} (the password as before).`);
    return 0;
  } catch (err) {
    if (err instanceof CopyError) {
      io.err(`tether: ${err.message}`);
      return 1;
    }
    // A driver error may quote the URL: never print its password.
    io.err(`tether: the copy failed and nothing was written: ${(err as Error).message.split(to).join(redactUrl(to))}`);
    return 1;
  }
}
