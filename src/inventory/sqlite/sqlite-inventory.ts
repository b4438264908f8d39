import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { DcError } from '../../core/errors.ts';
import type { Inventory } from '../inventory.ts';
import { withQueues } from '../inventory-queues.ts';
import { createDynamoSchema, type DynamoDb } from '../sql/dynamo-schema.ts';
import { DynamoInventory } from '../sql/dynamo-inventory.ts';
import { GenericSqlInventory } from '../sql/generic-sql-inventory.ts';
import { RegistryQueueSource } from '../sql/registry-queues.ts';
import { createRegistrySchema } from '../sql/registry-schema.ts';

function openDatabase(path: string, create: boolean): Kysely<DynamoDb> {
  let database: Database.Database;
  try {
    if (create) mkdirSync(dirname(path), { recursive: true });
    database = new Database(path, { fileMustExist: !create });
  } catch (err) {
    throw new DcError('CONFIG', `cannot open SQLite inventory ${path}: ${(err as Error).message}`, { cause: err });
  }
  database.pragma('journal_mode = WAL');
  // Another process (Dynamo, a test) may be writing while a check reads.
  database.pragma('busy_timeout = 10000');
  return new Kysely<DynamoDb>({ dialect: new SqliteDialect({ database }) });
}

/**
 * Opens (and with `create`, creates) an embedded SQLite inventory with Dynamo's schema and
 * registry queues.
 */
export async function openSqliteInventory(path: string, opts: { create?: boolean } = {}): Promise<Inventory> {
  const db = openDatabase(path, !!opts.create);
  if (opts.create) {
    await createDynamoSchema(db);
    await createRegistrySchema(db);
  }
  return withQueues(new DynamoInventory('sqlite', db), [new RegistryQueueSource(db as Kysely<any>)]);
}

/** Generic SQL mode on an existing SQLite file: the operator's `(lfn, size, settled)` query. */
export async function openSqliteQueryInventory(path: string, query: string): Promise<Inventory> {
  const db = openDatabase(path, false);
  return withQueues(new GenericSqlInventory('sqlite', db, query), [new RegistryQueueSource(db as Kysely<any>)]);
}

export function sqliteKysely(path: string): Kysely<DynamoDb> {
  mkdirSync(dirname(path), { recursive: true });
  const database = new Database(path);
  database.pragma('journal_mode = WAL');
  return new Kysely<DynamoDb>({ dialect: new SqliteDialect({ database }) });
}
