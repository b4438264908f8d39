import { PostgresDialect } from 'kysely';
import pg from 'pg';
import type { SqlDialectOptions } from '../sql-engine.ts';
import { PostgresCursor } from './postgres-cursor.ts';
import { postgresSnapshotOpener } from './postgres-snapshot.ts';
import type { SnapshotOpener } from '../sql-snapshot.ts';

/**
 * node-postgres for kysely. The dialect gets a cursor, so kysely's `.stream()` declares a
 * server-side cursor and fetches it a batch at a time instead of receiving the whole result set.
 */
export function createPostgresDialect(url: string, opts: SqlDialectOptions): { dialect: PostgresDialect; openSnapshot: SnapshotOpener } {
  const pool = new pg.Pool({ connectionString: url, max: opts.poolSize });
  // An idle client losing its server (restart, admin command) must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  // A checked-out client losing its server emits 'error' between cursor reads; without a listener
  // that is an uncaught exception. The pending or next read fails instead.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return { dialect: new PostgresDialect({ pool, cursor: PostgresCursor }), openSnapshot: postgresSnapshotOpener(pool) };
}
