import { sql, type ColumnDefinitionBuilder, type CreateTableBuilder } from 'kysely';
import type { SqlDatabase } from './sql-database.ts';
import type { SqlEngine } from './sql-engine.ts';

/**
 * The DDL that differs per engine, for the migrations of the history store, Dynamo's inventory
 * and the registry queues (kysely's schema builder covers the rest).
 */

/** An auto-numbered integer primary key on every engine (PostgreSQL has identity columns, not AUTO_INCREMENT). */
export function serialId(engine: SqlEngine): (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder {
  return (c) => (engine === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement());
}

/**
 * CREATE TABLE for a table holding names: on MySQL/MariaDB with a binary UTF-8 collation, since
 * LFNs and dataset names are byte-exact (the server default `utf8mb4_general_ci` would treat
 * `/a/É` and `/a/e` as the same name).
 */
export function createByteExactTable<DB>(database: SqlDatabase<DB>, name: string): CreateTableBuilder<string, never> {
  const t = database.db.schema.createTable(name);
  return database.engine === 'mysql' ? t.modifyEnd(sql`default character set utf8mb4 collate utf8mb4_bin`) : t;
}

/** CREATE INDEX when absent, on every engine (MySQL has no IF NOT EXISTS for indexes). */
export async function createIndexIfAbsent<DB>(database: SqlDatabase<DB>, name: string, table: string, cols: string[]): Promise<void> {
  const schema = database.db.schema;
  try {
    await schema.createIndex(name).ifNotExists().on(table).columns(cols).execute();
  } catch (err) {
    try {
      await schema.createIndex(name).on(table).columns(cols).execute();
    } catch {
      if (!/exist|duplicate/i.test(String((err as Error).message))) throw err;
    }
  }
}
