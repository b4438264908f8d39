import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { PostgresCursor } from './postgres-cursor.ts';
import type { Inventory } from '../inventory.ts';
import { urlWithPassword } from '../inventory-credentials.ts';
import { readySqlInventory } from '../sql/sql-inventory-ready.ts';
import type { SqlInventoryOptions } from '../mysql/mysql-inventory.ts';
import type { DynamoDb } from '../sql/dynamo-schema.ts';

/**
 * A PostgreSQL inventory with Dynamo's schema (or an operator query). The dialect gets pg-cursor,
 * so kysely's `.stream()` declares a server-side cursor and fetches it a batch at a time instead
 * of receiving the whole result set.
 */
export async function openPostgresInventory(url: string, opts: SqlInventoryOptions = {}): Promise<Inventory> {
  const connectionString = urlWithPassword(url, opts.password);
  const pool = new pg.Pool({ connectionString, max: opts.poolSize ?? 4 });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  // A checked-out client losing its server emits 'error' between cursor reads; without a listener
  // that is an uncaught exception. The pending or next read fails instead (see streamFiles).
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<DynamoDb>({ dialect: new PostgresDialect({ pool, cursor: PostgresCursor }) });
  return readySqlInventory('postgres', 'PostgreSQL', db, url, opts);
}
