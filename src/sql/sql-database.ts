import { Kysely, type Dialect } from 'kysely';
import type { SnapshotOpener, SqlSnapshot } from './sql-snapshot.ts';
import { DcError } from '../core/errors.ts';
import { SQL_ENGINE_NAMES, sqlEngineOfUrl, type SqlDialectOptions, type SqlEngine } from './sql-engine.ts';
import { redactUrl } from '../core/redact-url.ts';

export interface SqlOpenOptions {
  /**
   * The engine, when the caller knows it from elsewhere (`Inventory.Type`); otherwise read from
   * the URL (sqlEngineOfUrl).
   */
  engine?: SqlEngine;
  /** SQLite: create the file and its directory when absent (default true). */
  create?: boolean;
  /** Connections in a server engine's pool (default 4): one streams rows, others answer small queries. */
  poolSize?: number;
  /** What the database is, for messages: "SQLite inventory /x: …" (default "database"). */
  role?: string;
}

/**
 * An open database: the kysely instance typed by the tables its user reads (`DB`), and the engine
 * it talks to, known once at open and carried from then on (DDL differs in a few places, see
 * sql-ddl.ts; the catalogue is read differently, see sql-columns.ts).
 */
export class SqlDatabase<DB> {
  constructor(
    readonly db: Kysely<DB>,
    readonly engine: SqlEngine,
    private readonly snapshotOpener?: SnapshotOpener,
  ) {}

  /** Whether openSnapshot() works (not for an in-memory SQLite database). */
  get hasSnapshots(): boolean {
    return this.snapshotOpener !== undefined;
  }

  /** A read-only transaction with its snapshot fixed (sql-snapshot.ts); close it when done. */
  openSnapshot(): Promise<SqlSnapshot> {
    if (!this.snapshotOpener) throw new DcError('UNSUPPORTED', `${this.engineName} in memory: no snapshot reads`);
    return this.snapshotOpener();
  }

  /** "SQLite", "MySQL", "PostgreSQL". */
  get engineName(): string {
    return SQL_ENGINE_NAMES[this.engine];
  }

  close(): Promise<void> {
    return this.db.destroy();
  }
}

/**
 * Opens SQLite (`sqlite:<file>`), MySQL/MariaDB (`mysql://…`) or PostgreSQL (`postgres://…`) with
 * the driver settings every user of a database needs (one folder per engine: sqlite/, mysql/,
 * postgres/). Only the driver of the engine in use is loaded. Nothing is sent to a server here: a
 * bad host or password shows at the first query.
 */
export async function openSql<DB>(url: string, opts: SqlOpenOptions = {}): Promise<SqlDatabase<DB>> {
  const engine = opts.engine ?? sqlEngineOfUrl(url);
  const options: SqlDialectOptions = { create: opts.create ?? true, poolSize: opts.poolSize ?? 4, role: opts.role ?? 'database' };
  let made: { dialect: Dialect; openSnapshot?: SnapshotOpener };
  if (engine === 'sqlite') made = (await import('./sqlite/sqlite-dialect.ts')).createSqliteDialect(url, options);
  else if (engine === 'mysql') made = (await import('./mysql/mysql-dialect.ts')).createMysqlDialect(url, options);
  else if (engine === 'postgres') made = (await import('./postgres/postgres-dialect.ts')).createPostgresDialect(url, options);
  else throw new DcError('CONFIG', `unsupported database URL scheme in ${redactUrl(url)} (use sqlite:, postgres:// or mysql://)`);
  return new SqlDatabase(new Kysely<DB>({ dialect: made.dialect }), engine, made.openSnapshot);
}
