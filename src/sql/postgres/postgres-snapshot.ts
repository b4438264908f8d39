import type { CompiledQuery } from 'kysely';
import type pg from 'pg';
import type { SnapshotOpener, SqlSnapshot } from '../sql-snapshot.ts';
import { PostgresCursor } from './postgres-cursor.ts';

/**
 * A snapshot on a client of node-postgres' pool (the one kysely uses). A REPEATABLE READ
 * transaction takes its snapshot at its first statement, not at BEGIN: a `SELECT 1` fixes it
 * before the snapshot is handed out. Rows come from a cursor in array mode, one batch a read.
 */
export function postgresSnapshotOpener(pool: pg.Pool): SnapshotOpener {
  return async () => {
    const client = await pool.connect();
    const snapshot = new PostgresSnapshot(client);
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query('SELECT 1');
    } catch (err) {
      snapshot.broken = err instanceof Error ? err : new Error(String(err));
      await snapshot.close();
      throw err;
    }
    return snapshot;
  };
}

class PostgresSnapshot implements SqlSnapshot {
  /** Set when the client may be unusable: it is then dropped from the pool, not reused. */
  broken: Error | undefined;
  private closed = false;

  constructor(private readonly client: pg.PoolClient) {}

  async collectArrays(query: CompiledQuery): Promise<unknown[][]> {
    const r = await this.client.query({ text: query.sql, values: [...query.parameters], rowMode: 'array' });
    return r.rows as unknown[][];
  }

  async *streamArrays(query: CompiledQuery, batchSize: number): AsyncIterable<unknown[][]> {
    const cursor = this.client.query(new PostgresCursor<unknown[]>(query.sql, [...query.parameters], { rowMode: 'array' }));
    try {
      for (;;) {
        const rows = await cursor.read(batchSize);
        if (rows.length === 0) return;
        yield rows;
      }
    } catch (err) {
      this.broken = err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      await cursor.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.broken) {
      try {
        await this.client.query('COMMIT');
      } catch (err) {
        this.broken = err instanceof Error ? err : new Error(String(err));
      }
    }
    this.client.release(this.broken);
  }
}
