/**
 * SQLite handle: better-sqlite3 under drizzle's proxy driver, so queries are awaited exactly as on
 * Postgres. better-sqlite3 itself is synchronous and has one connection, which makes a transaction
 * tricky: between the awaits inside it, any other request's query would run inside it too (and be
 * rolled back with it). So a transaction holds a gate: it runs under an AsyncLocalStorage token,
 * and a query from any other async context waits until the gate is open again. Transactions queue
 * on the same gate (BEGIN IMMEDIATE … COMMIT, one at a time).
 */
import Database from 'better-sqlite3';
import { AsyncLocalStorage } from 'node:async_hooks';
import { drizzle } from 'drizzle-orm/sqlite-proxy';
import type { Db, DatabaseHandle } from './types';
import type { Migration } from './migrations';
import * as schema from './schema';

/** Prepared statements kept per connection (the queries are a fixed set; this bounds odd ones). */
const STATEMENT_CACHE = 500;

export function openSqlite(file: string, migrations: readonly Migration[]): DatabaseHandle {
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  migrateSqlite(sqlite, migrations);

  const statements = new Map<string, Database.Statement>();
  const prepare = (text: string): Database.Statement => {
    let stmt = statements.get(text);
    if (!stmt) {
      stmt = sqlite.prepare(text);
      if (stmt.reader) stmt.raw(true);
      if (statements.size >= STATEMENT_CACHE) statements.delete(statements.keys().next().value!);
      statements.set(text, stmt);
    }
    return stmt;
  };
  const gate = new Gate();
  const db = drizzle(
    async (text, params, method) => {
      if (gate.closedTo()) await gate.open();
      const stmt = prepare(text);
      if (method === 'run' || !stmt.reader) {
        stmt.run(...params);
        return { rows: [] };
      }
      // 'get' answers one row (an array of values) in `rows`, as the proxy driver expects.
      return { rows: (method === 'get' ? stmt.get(...params) : stmt.all(...params)) as unknown[] };
    },
    { schema },
  ) as unknown as Db;

  return {
    dialect: 'sqlite',
    db,
    t: schema as unknown as DatabaseHandle['t'],
    transaction: (fn) => gate.transaction(sqlite, () => fn(db)),
    query: async (text, params = []) => {
      if (gate.closedTo()) await gate.open();
      const stmt = sqlite.prepare(text);
      return stmt.reader ? (stmt.all(...params) as Record<string, unknown>[]) : (stmt.run(...params), []);
    },
    close: async () => {
      await gate.idle();
      sqlite.close();
    },
  };
}

/** One transaction at a time; while one is open, queries from outside it wait. */
class Gate {
  private readonly als = new AsyncLocalStorage<object>();
  /** The open transaction's token. */
  private holder: object | null = null;
  /** Resolves when the open transaction ends. */
  private ended: Promise<void> = Promise.resolve();
  /** The tail of the queue of transactions. */
  private tail: Promise<void> = Promise.resolve();

  /** A transaction is open and the caller is not inside it. */
  closedTo(): boolean {
    return this.holder !== null && this.als.getStore() !== this.holder;
  }

  async open(): Promise<void> {
    while (this.closedTo()) await this.ended;
  }

  idle(): Promise<void> {
    return this.tail;
  }

  async transaction<T>(sqlite: Database.Database, fn: () => Promise<T>): Promise<T> {
    // Inside the open transaction already: join it.
    if (this.holder !== null && this.als.getStore() === this.holder) return fn();
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await previous;
    const token = {};
    let end!: () => void;
    this.ended = new Promise<void>((r) => (end = r));
    this.holder = token;
    try {
      sqlite.exec('BEGIN IMMEDIATE');
      try {
        const result = await this.als.run(token, fn);
        sqlite.exec('COMMIT');
        return result;
      } catch (err) {
        if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
        throw err;
      }
    } finally {
      this.holder = null;
      end();
      release();
    }
  }
}

function migrateSqlite(sqlite: Database.Database, migrations: readonly Migration[]): void {
  sqlite.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = new Set((sqlite.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  const record = sqlite.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    sqlite.transaction(() => {
      sqlite.exec(m.sqlite);
      record.run(m.version, m.name, Date.now());
    })();
  }
}
