import { sql } from 'kysely';
import type { SqlDatabase } from './sql-database.ts';

/**
 * The column names of `table` in a database; an empty set when the table does not exist. Read from
 * the catalogue (SQLite's `pragma_table_info`, MySQL/MariaDB's and PostgreSQL's
 * `information_schema`), never by running a query that may fail: a failed statement would abort a
 * PostgreSQL transaction and log an error on the server.
 *
 * This is how the inventory and the registry tell Dynamo's table layouts apart (the published
 * `files` table has no `dataset_id`; the seed's registry queues have no `start`/`finish`/`batchid`).
 */
export async function collectColumns<DB>(database: SqlDatabase<DB>, table: string): Promise<Set<string>> {
  let query;
  if (database.engine === 'sqlite') {
    query = sql<{ name: string }>`select name from pragma_table_info(${table})`;
  } else if (database.engine === 'mysql') {
    query = sql<{ name: string }>`select column_name as name from information_schema.columns where table_schema = database() and table_name = ${table}`;
  } else {
    // The first schema on the search path that holds the table, as an unqualified name resolves.
    query = sql<{ name: string }>`
      select c.column_name as name from information_schema.columns c
      where c.table_name = ${table} and c.table_schema = (
        select t.table_schema from information_schema.tables t
        where t.table_name = ${table} and t.table_schema::name = any(current_schemas(false))
        order by array_position(current_schemas(false), t.table_schema::name) limit 1)`;
  }
  const { rows } = await query.execute(database.db);
  // MySQL 8 answers information_schema columns in upper case whatever the alias says.
  return new Set(rows.map((r) => String((r as Record<string, unknown>).name ?? (r as Record<string, unknown>).NAME).toLowerCase()));
}

/**
 * `row` without the keys `columns` lacks: a write that fits a table with fewer columns than ours.
 * The columns left out are the optional ones of the table interface (Dynamo's bookkeeping columns,
 * the registry's progress columns), so the result is typed as a row of the table.
 */
export function onlyColumns<T extends object>(row: T, columns: ReadonlySet<string>): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(row) as (keyof T & string)[]) if (columns.has(k)) out[k] = row[k];
  return out;
}
