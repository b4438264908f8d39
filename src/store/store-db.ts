import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, MysqlDialect, PostgresAdapter, PostgresDialect, SqliteDialect, type ColumnDefinitionBuilder, type Dialect } from 'kysely';
import { DcError } from '../core/errors.ts';
import { redactUrl } from '../core/redact-url.ts';

/**
 * Opens a kysely instance for a store URL: `sqlite:<file>`, `postgres://…`, `mysql://…`.
 * One set of queries serves every engine; only the dialect differs (kysely's per-engine folders).
 */
/** The engine a store URL names (`sqlite:`, `postgres://`/`postgresql://`, `mysql://`), or undefined. */
export function storeEngineOf(url: string): 'sqlite' | 'postgres' | 'mysql' | undefined {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgres';
  if (url.startsWith('mysql://')) return 'mysql';
  return undefined;
}

export async function openKysely<DB>(url: string): Promise<{ db: Kysely<DB>; engine: 'sqlite' | 'postgres' | 'mysql' }> {
  let dialect: Dialect;
  const engine = storeEngineOf(url);
  if (engine === 'sqlite') {
    const path = url.slice('sqlite:'.length);
    const { default: Database } = await import('better-sqlite3');
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    let database;
    try {
      database = new Database(path);
    } catch (err) {
      throw new DcError('CONFIG', `cannot open SQLite database ${path}: ${(err as Error).message}`, { cause: err });
    }
    database.pragma('journal_mode = WAL');
    database.pragma('busy_timeout = 10000');
    dialect = new SqliteDialect({ database });
  } else if (engine === 'postgres') {
    const pg = await import('pg');
    const { default: Cursor } = await import('pg-cursor');
    const pool = new pg.default.Pool({ connectionString: url, max: 4 });
    // An idle pooled connection the server ends (restart, admin command) must not crash the process.
    pool.on('error', () => undefined);
    dialect = new PostgresDialect({ pool, cursor: Cursor });
  } else if (engine === 'mysql') {
    const mysql = await import('mysql2');
    dialect = new MysqlDialect({ pool: mysql.createPool({ uri: url, connectionLimit: 4, supportBigNumbers: true }) });
  } else {
    throw new DcError('CONFIG', `unsupported database URL scheme in ${redactUrl(url)} (use sqlite:, postgres:// or mysql://)`);
  }
  return { db: new Kysely<DB>({ dialect }), engine };
}

/** An auto-numbered integer primary key on every engine (PostgreSQL has identity columns, not AUTO_INCREMENT). */
export function serialId(db: Kysely<any>): (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  return (c) => (pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement());
}

/** CREATE INDEX when absent, on every engine (MySQL has no IF NOT EXISTS for indexes). */
export async function createIndexIfAbsent(db: Kysely<any>, name: string, table: string, cols: string[]): Promise<void> {
  try {
    await db.schema.createIndex(name).ifNotExists().on(table).columns(cols).execute();
  } catch (err) {
    try {
      await db.schema.createIndex(name).on(table).columns(cols).execute();
    } catch {
      if (!/exist|duplicate/i.test(String((err as Error).message))) throw err;
    }
  }
}
