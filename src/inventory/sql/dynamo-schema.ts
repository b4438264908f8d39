import { sql, type Kysely, type Generated } from 'kysely';
import { sqlEngineOf } from './sql-engine.ts';

/**
 * Dynamo's inventory tables (the subset a consistency check reads), as a kysely migration that
 * runs on SQLite, MySQL/MariaDB and PostgreSQL alike. The inventory also reads Dynamo's published
 * layout, which it never creates (see dynamo-layout.ts).
 */
export interface DynamoDb {
  sites: { id: Generated<number>; name: string; status: string };
  groups: { id: number; name: string };
  datasets: { id: Generated<number>; name: string; status: string };
  blocks: { id: Generated<number>; dataset_id: number; name: string };
  /** `dataset_id` only in the layout this tool creates; Dynamo's published schema has none (dynamo-layout.ts). */
  files: { id: Generated<number>; block_id: number; dataset_id?: number; name: string; size: number };
  block_replicas: { block_id: number; site_id: number; group_id: number; is_complete: number };
  dataset_replicas: { dataset_id: number; site_id: number };
  file_subscriptions: { id: Generated<number>; file_id: number; site_id: number; status: string; delete: number };
}

export async function createDynamoSchema(db: Kysely<any>): Promise<void> {
  const { id, createTable } = ddlHelpers(db);
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

/**
 * The DDL that differs per engine: PostgreSQL has identity columns instead of AUTO_INCREMENT, and
 * MySQL/MariaDB tables get a binary UTF-8 collation, since LFNs and dataset names are byte-exact
 * (the server default `utf8mb4_general_ci` would treat `/a/É` and `/a/e` as the same name).
 */
export function ddlHelpers(db: Kysely<any>) {
  const engine = sqlEngineOf(db);
  const id = (c: any) => (engine === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement());
  const createTable = (name: string) => {
    const t = db.schema.createTable(name);
    return engine === 'mysql' ? t.modifyEnd(sql`default character set utf8mb4 collate utf8mb4_bin`) : t;
  };
  return { engine, id, createTable };
}
