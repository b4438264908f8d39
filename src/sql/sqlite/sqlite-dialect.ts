import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteDialect } from 'kysely';
import { DcError } from '../../core/errors.ts';
import type { SqlDialectOptions } from '../sql-engine.ts';
import type { SnapshotOpener } from '../sql-snapshot.ts';
import { sqliteSnapshotOpener } from './sqlite-snapshot.ts';

/**
 * better-sqlite3 for kysely. WAL lets a check read while another process (Dynamo, an import, a
 * test) writes, and the busy timeout makes a writer wait for the other's lock instead of failing.
 * Without `create` the file must exist: a mistyped path is an error, not a new empty database.
 */
export function createSqliteDialect(url: string, opts: SqlDialectOptions): { dialect: SqliteDialect; openSnapshot?: SnapshotOpener } {
  const path = url.slice('sqlite:'.length);
  let database: Database.Database;
  try {
    if (opts.create && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    database = new Database(path, { fileMustExist: !opts.create });
  } catch (err) {
    throw new DcError('CONFIG', `cannot open SQLite ${opts.role} ${path}: ${(err as Error).message}`, { cause: err });
  }
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 10000');
  // An in-memory database has no second connection to read a snapshot from.
  return { dialect: new SqliteDialect({ database }), openSnapshot: path === ':memory:' ? undefined : sqliteSnapshotOpener(path) };
}
