import type { Generated } from 'kysely';
import type { SqlDatabase } from '../../sql/sql-database.ts';
import { createByteExactTable, serialId } from '../../sql/sql-ddl.ts';
import type { RegistryDb } from './registry-schema.ts';

/**
 * Dynamo's inventory tables (the subset a consistency check reads), as a kysely migration that
 * runs on SQLite, MySQL/MariaDB and PostgreSQL alike. The inventory also reads Dynamo's published
 * layout, which it never creates (see dynamo-layout.ts).
 *
 * The two layouts differ in columns, known only once the catalogue is read (dynamo-layout.ts): the
 * columns one layout lacks are optional here (`?`), and a write names them only where the table
 * has them (onlyColumns in src/sql/sql-columns.ts). That is the one place the types say less than
 * the database: an optional column may be absent from the table, not just from the row.
 */
export interface DynamoTables {
  /** `storage_type` (disk, tape, mss…) only in Dynamo's published layout. */
  sites: { id: Generated<number>; name: string; status: string; storage_type?: string | null };
  groups: { id: number; name: string };
  /** Bookkeeping columns `is_open`, `last_update` (no defaults) only in the published layout. */
  datasets: { id: Generated<number>; name: string; status: string; is_open?: number; last_update?: string };
  blocks: { id: Generated<number>; dataset_id: number; name: string; is_open?: number; last_update?: string };
  /** `dataset_id` only in the layout this tool creates; Dynamo's published schema has none. */
  files: { id: Generated<number>; block_id: number; dataset_id?: number; name: string; size: number };
  block_replicas: { block_id: number; site_id: number; group_id: number; is_complete: number; is_custodial?: number; last_update?: string };
  dataset_replicas: { dataset_id: number; site_id: number; growing?: number; group_id?: number };
  file_subscriptions: { id: Generated<number>; file_id: number; site_id: number; status: string; delete: number };
}

/**
 * Dynamo's databases as this tool reads and writes them: the inventory tables and the registry
 * queues, one database in this project (a `RegistryUrl` may name a second one holding the queues
 * only). Which tables and optional columns a database really has is read from its catalogue.
 */
export type DynamoDb = DynamoTables & RegistryDb;

export async function createDynamoSchema<DB>(database: SqlDatabase<DB>): Promise<void> {
  const id = serialId(database.engine);
  const createTable = (name: string) => createByteExactTable(database, name);
  const db = database.db;
  await createTable('sites').ifNotExists()
    .addColumn('id', 'integer', id)
    .addColumn('name', 'varchar(128)', (c) => c.notNull().unique())
    .addColumn('status', 'varchar(32)', (c) => c.notNull().defaultTo('ready'))
    .execute();
  await createTable('groups').ifNotExists()
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'varchar(128)', (c) => c.notNull())
    .execute();
  await createTable('datasets').ifNotExists()
    .addColumn('id', 'integer', id)
    .addColumn('name', 'varchar(512)', (c) => c.notNull().unique())
    .addColumn('status', 'varchar(32)', (c) => c.notNull().defaultTo('VALID'))
    .execute();
  await createTable('blocks').ifNotExists()
    .addColumn('id', 'integer', id)
    .addColumn('dataset_id', 'integer', (c) => c.notNull())
    .addColumn('name', 'varchar(512)', (c) => c.notNull())
    .execute();
  await createTable('files').ifNotExists()
    .addColumn('id', 'integer', id)
    .addColumn('block_id', 'integer', (c) => c.notNull())
    .addColumn('dataset_id', 'integer', (c) => c.notNull())
    .addColumn('name', 'varchar(1024)', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .execute();
  await createTable('block_replicas').ifNotExists()
    .addColumn('block_id', 'integer', (c) => c.notNull())
    .addColumn('site_id', 'integer', (c) => c.notNull())
    .addColumn('group_id', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_complete', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('block_replicas_pk', ['block_id', 'site_id'])
    .execute();
  await createTable('dataset_replicas').ifNotExists()
    .addColumn('dataset_id', 'integer', (c) => c.notNull())
    .addColumn('site_id', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('dataset_replicas_pk', ['dataset_id', 'site_id'])
    .execute();
  await createTable('file_subscriptions').ifNotExists()
    .addColumn('id', 'integer', id)
    .addColumn('file_id', 'integer', (c) => c.notNull())
    .addColumn('site_id', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(32)', (c) => c.notNull().defaultTo('new'))
    .addColumn('delete', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('files_block_idx').ifNotExists().on('files').column('block_id').execute();
  await db.schema.createIndex('blocks_dataset_idx').ifNotExists().on('blocks').column('dataset_id').execute();
  await db.schema.createIndex('block_replicas_site_idx').ifNotExists().on('block_replicas').column('site_id').execute();
  await db.schema.createIndex('file_subscriptions_site_idx').ifNotExists().on('file_subscriptions').column('site_id').execute();
}
