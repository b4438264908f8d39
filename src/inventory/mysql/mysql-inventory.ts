import { Kysely, MysqlDialect } from 'kysely';
import { createPool } from 'mysql2';
import type { Inventory } from '../inventory.ts';
import { guardedPool } from './mysql-pool.ts';
import { urlWithPassword } from '../inventory-credentials.ts';
import { readySqlInventory } from '../sql/sql-inventory-ready.ts';
import type { DynamoDb } from '../sql/dynamo-schema.ts';

export interface SqlInventoryOptions {
  /** Replaces the URL's password (see resolvePassword). */
  password?: string;
  /** Create Dynamo's tables and the registry queues when absent (tests, trying the tool). */
  create?: boolean;
  /** Generic SQL mode: the operator's query returning (lfn, size, settled) for `:site`. */
  query?: string;
  /** Connections in the pool (default 4): one streams the files, others answer small queries. */
  poolSize?: number;
}

/**
 * A MySQL / MariaDB inventory (Dynamo's own engine). mysql2 streams a result set row by row off
 * the socket and pauses the socket when the consumer lags, so a 10 M-file site flows through
 * with bounded memory; the server keeps the rest of the result.
 */
export async function openMysqlInventory(url: string, opts: SqlInventoryOptions = {}): Promise<Inventory> {
  const uri = urlWithPassword(url, opts.password);
  const pool = createPool({
    uri,
    connectionLimit: opts.poolSize ?? 4,
    supportBigNumbers: true,
    // Sizes beyond 2^53 would lose precision as numbers; none exist, but never guess silently.
    bigNumberStrings: false,
    charset: 'utf8mb4',
  });
  const db = new Kysely<DynamoDb>({ dialect: new MysqlDialect({ pool: guardedPool(pool) }) });
  return readySqlInventory('mysql', 'MySQL', db, url, opts);
}
