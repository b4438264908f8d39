import { MysqlDialect } from 'kysely';
import { createPool } from 'mysql2';
import type { SqlDialectOptions } from '../sql-engine.ts';
import { guardedPool } from './mysql-pool.ts';
import { mysqlSnapshotOpener } from './mysql-snapshot.ts';
import type { SnapshotOpener } from '../sql-snapshot.ts';

/**
 * mysql2 for kysely (MySQL and MariaDB). mysql2 streams a result set row by row off the socket and
 * pauses the socket when the consumer lags, so a 10 M-file site flows through with bounded memory.
 * Names are byte-exact UTF-8 (utf8mb4); integers beyond 2^53 would lose precision as numbers:
 * none exist (sizes, ids), and bigNumberStrings: false keeps every smaller one a number.
 */
export function createMysqlDialect(url: string, opts: SqlDialectOptions): { dialect: MysqlDialect; openSnapshot: SnapshotOpener } {
  const pool = createPool({
    uri: url,
    connectionLimit: opts.poolSize,
    supportBigNumbers: true,
    bigNumberStrings: false,
    charset: 'utf8mb4',
  });
  return { dialect: new MysqlDialect({ pool: guardedPool(pool) }), openSnapshot: mysqlSnapshotOpener(pool) };
}
