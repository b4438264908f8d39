import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { DcError } from '../../core/errors.ts';
import { createDynamoSchema, type DynamoDb } from '../sql/dynamo-schema.ts';
import { DynamoInventory } from '../sql/dynamo-inventory.ts';

/** Opens (and with `create`, creates) an embedded SQLite inventory with Dynamo's schema. */
export async function openSqliteInventory(path: string, opts: { create?: boolean } = {}): Promise<DynamoInventory> {
  let database: Database.Database;
  try {
    if (opts.create) mkdirSync(dirname(path), { recursive: true });
    database = new Database(path, { fileMustExist: !opts.create });
  } catch (err) {
    throw new DcError('CONFIG', `cannot open SQLite inventory ${path}: ${(err as Error).message}`, { cause: err });
  }
  database.pragma('journal_mode = WAL');
  const db = new Kysely<DynamoDb>({ dialect: new SqliteDialect({ database }) });
  if (opts.create) await createDynamoSchema(db);
  return new DynamoInventory('sqlite', db);
}

export function sqliteKysely(path: string): Kysely<DynamoDb> {
  mkdirSync(dirname(path), { recursive: true });
  const database = new Database(path);
  database.pragma('journal_mode = WAL');
  return new Kysely<DynamoDb>({ dialect: new SqliteDialect({ database }) });
}
