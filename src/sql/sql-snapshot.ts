import type { CompiledQuery } from 'kysely';

/**
 * A read-only, repeatable-read transaction on a connection of its own, whose snapshot is already
 * fixed when it is handed out: every query in it, however long it streams, sees the database as
 * it stood at that moment, whatever is written meanwhile. One file per engine opens it
 * (`<engine>/<engine>-snapshot.ts`), with the engine's own way of fixing the snapshot up front
 * (MariaDB/MySQL `START TRANSACTION WITH CONSISTENT SNAPSHOT`; PostgreSQL and SQLite take it at
 * the transaction's first read, so one is made).
 *
 * Rows come as arrays of column values in select order and in batches, straight from the driver:
 * a million-row inventory read costs no object per row and no promise per row.
 */
export interface SqlSnapshot {
  /** Every row of a small query. */
  collectArrays(query: CompiledQuery): Promise<unknown[][]>;
  /**
   * The rows of `query` in batches of about `batchSize`, read from a cursor or a paused stream as
   * the consumer asks: never the whole result in memory. A connection lost meanwhile fails the
   * read; it never ends early and quietly.
   */
  streamArrays(query: CompiledQuery, batchSize: number): AsyncIterable<unknown[][]>;
  /** Ends the transaction and gives the connection back (closing it when it may be unusable). */
  close(): Promise<void>;
}

/** Opens a snapshot; what a SqlDatabase of a server engine or a SQLite file carries. */
export type SnapshotOpener = () => Promise<SqlSnapshot>;
