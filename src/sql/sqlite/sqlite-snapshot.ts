import type { CompiledQuery } from 'kysely';
import Database from 'better-sqlite3';
import type { SnapshotOpener, SqlSnapshot } from '../sql-snapshot.ts';

/**
 * A snapshot on a second connection to the SQLite file: kysely's own connection must stay free
 * for the other queries of the run (which must see the database as it is, not this snapshot).
 * In WAL mode a read transaction takes its snapshot at its first read; one is made before the
 * snapshot is handed out, and writers go on meanwhile.
 */
export function sqliteSnapshotOpener(path: string): SnapshotOpener {
  return async () => {
    const db = new Database(path, { fileMustExist: true });
    try {
      db.pragma('busy_timeout = 10000');
      db.exec('BEGIN');
      db.prepare('SELECT count(*) FROM sqlite_master').get();
    } catch (err) {
      db.close();
      throw err;
    }
    return new SqliteSnapshot(db);
  };
}

class SqliteSnapshot implements SqlSnapshot {
  constructor(private readonly db: Database.Database) {}

  async collectArrays(query: CompiledQuery): Promise<unknown[][]> {
    return this.db.prepare(query.sql).raw(true).all(...query.parameters) as unknown[][];
  }

  async *streamArrays(query: CompiledQuery, batchSize: number): AsyncIterable<unknown[][]> {
    let batch: unknown[][] = [];
    // better-sqlite3 steps the statement as the loop asks: one batch at a time off the file.
    for (const row of this.db.prepare(query.sql).raw(true).iterate(...query.parameters)) {
      batch.push(row as unknown[]);
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    if (this.db.inTransaction) this.db.exec('COMMIT');
    this.db.close();
  }
}
