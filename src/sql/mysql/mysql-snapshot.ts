import type { CompiledQuery } from 'kysely';
import type { Pool, PoolConnection } from 'mysql2';
import type { SnapshotOpener, SqlSnapshot } from '../sql-snapshot.ts';

/** Connections already given a no-op 'error' listener (an idle dead one must not crash the process). */
const quieted = new WeakSet<PoolConnection>();

/**
 * A snapshot on a connection taken from mysql2's pool (the one kysely uses). InnoDB's
 * `START TRANSACTION WITH CONSISTENT SNAPSHOT` creates the read view at once, so the snapshot is
 * fixed when the statement returns. Rows are read with `rowsAsArray` from the query's 'result'
 * events, the socket paused while a full batch waits for its consumer.
 */
export function mysqlSnapshotOpener(pool: Pool): SnapshotOpener {
  return async () => {
    const conn = await new Promise<PoolConnection>((resolve, reject) => pool.getConnection((err, c) => (err ? reject(err) : resolve(c))));
    if (!quieted.has(conn)) {
      conn.on('error', () => undefined);
      quieted.add(conn);
    }
    const snapshot = new MysqlSnapshot(conn);
    try {
      await snapshot.run('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      await snapshot.run('START TRANSACTION WITH CONSISTENT SNAPSHOT');
    } catch (err) {
      snapshot.broken = true;
      await snapshot.close();
      throw err;
    }
    return snapshot;
  };
}

class MysqlSnapshot implements SqlSnapshot {
  /** The connection may be mid-result or dead: destroyed on close, never given back to the pool. */
  broken = false;
  private closed = false;

  constructor(private readonly conn: PoolConnection) {}

  run(sql: string, values: readonly unknown[] = []): Promise<unknown[][]> {
    return new Promise((resolve, reject) =>
      this.conn.query({ sql, values: [...values], rowsAsArray: true }, (err, rows) => (err ? reject(err) : resolve(rows as unknown[][]))),
    );
  }

  collectArrays(query: CompiledQuery): Promise<unknown[][]> {
    return this.run(query.sql, query.parameters);
  }

  async *streamArrays(query: CompiledQuery, batchSize: number): AsyncIterable<unknown[][]> {
    const conn = this.conn;
    let batch: unknown[][] = [];
    let ended = false;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const notify = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const fail = (err: Error) => {
      failure ??= err;
      notify();
    };
    // mysql2 reports a connection lost mid-result on the connection, not on the query.
    conn.on('error', fail);
    const rows = conn.query({ sql: query.sql, values: [...query.parameters], rowsAsArray: true });
    rows.on('result', (row: unknown) => {
      batch.push(row as unknown[]);
      if (batch.length === batchSize) {
        conn.pause();
        notify();
      }
    });
    rows.on('error', fail);
    rows.on('end', () => {
      ended = true;
      notify();
    });
    try {
      for (;;) {
        if (failure) throw failure;
        if (batch.length >= batchSize || (ended && batch.length > 0)) {
          const out = batch;
          batch = [];
          yield out;
          if (!ended) conn.resume();
          continue;
        }
        if (ended) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      conn.removeListener('error', fail);
      if (!ended || failure) this.broken = true;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.broken) {
      try {
        await this.run('COMMIT');
      } catch {
        this.broken = true;
      }
    }
    if (this.broken) this.conn.destroy();
    else this.conn.release();
  }
}
