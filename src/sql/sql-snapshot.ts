import type { ControlledTransaction } from 'kysely';
import type { SqlDatabase } from './sql-database.ts';

/**
 * Begins a read-only, repeatable-read transaction. Its snapshot is taken by its first read, not by
 * BEGIN (InnoDB: "the snapshot is established by the first read"; PostgreSQL: by the first
 * statement; SQLite in WAL mode: a read transaction starts at its first read), so the caller runs
 * one query inside it first: once that query has answered, every later statement in the
 * transaction, however long it streams, sees the database as it stood then.
 *
 * The transaction holds one connection of the pool (SQLite: its only one) until committed or
 * rolled back.
 */
export function beginReadSnapshot<DB>(database: SqlDatabase<DB>): Promise<ControlledTransaction<DB>> {
  const builder = database.db.startTransaction();
  // SQLite knows no isolation levels: a WAL read transaction is already a snapshot.
  if (database.engine === 'sqlite') return builder.execute();
  return builder.setIsolationLevel('repeatable read').setAccessMode('read only').execute();
}
