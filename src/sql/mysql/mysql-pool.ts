import type { MysqlPool, MysqlPoolConnection, MysqlStreamOptions } from 'kysely';
import type { Pool, PoolConnection } from 'mysql2';

/** Rows buffered ahead of the consumer; mysql2 pauses the socket beyond this (backpressure). */
const STREAM_HIGH_WATER = 2000;

/**
 * mysql2's pool as kysely's MysqlDialect wants it, with one fix: when the connection dies in the
 * middle of a streamed result (server restart, KILL, network loss), mysql2 reports the error on
 * the connection but leaves the row stream open forever, so a check would hang on its inventory
 * read. Here the stream is destroyed with that error, and the read fails.
 */
export function guardedPool(pool: Pool): MysqlPool {
  const wrapped = new WeakMap<PoolConnection, MysqlPoolConnection>();
  return {
    getConnection(callback) {
      pool.getConnection((err, conn) => {
        if (err) return callback(err, undefined as unknown as MysqlPoolConnection);
        let w = wrapped.get(conn);
        if (!w) wrapped.set(conn, (w = guardConnection(conn)));
        callback(null, w);
      });
    },
    end(callback) {
      pool.end(callback);
    },
  };
}

function guardConnection(conn: PoolConnection): MysqlPoolConnection {
  // An idle pooled connection that dies must not become an uncaught 'error' event.
  conn.on('error', () => undefined);
  function query(sql: string, parameters: unknown[]): { stream: <T>(options: MysqlStreamOptions) => any };
  function query(sql: string, parameters: unknown[], callback: (error: unknown, result: any) => void): void;
  function query(sql: string, parameters: unknown[], callback?: (error: unknown, result: any) => void): any {
    if (callback) return conn.query(sql, parameters, callback);
    const q = conn.query(sql, parameters);
    return {
      stream(options: MysqlStreamOptions) {
        const s = q.stream({ ...options, highWaterMark: STREAM_HIGH_WATER });
        const onError = (e: Error) => s.destroy(e);
        conn.once('error', onError);
        s.once('close', () => conn.removeListener('error', onError));
        return s;
      },
    };
  }
  return { query, release: () => conn.release() };
}
