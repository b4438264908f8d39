/**
 * Dynamo's published inventory schema (github SmartDataProjects/dynamo, `mysql/schema/dynamo/*.sql`)
 * and the seed's minimal registry queues (dynamo-consistency's `test/dynamo` setup), as a test
 * server would hold them: the inventory must read this layout, which it never creates.
 * Column names, nullability and defaults follow the published files; MySQL ENUMs become varchar,
 * tinyint becomes smallint and datetime is timestamp on PostgreSQL, so one definition serves every
 * engine. Tables keep a binary collation on MariaDB (the fixture's case and NFC/NFD twins).
 */
import type { SqlDatabase } from '../../src/sql/sql-database.ts';
import { createByteExactTable, serialId } from '../../src/sql/sql-ddl.ts';

export async function createPublishedDynamoSchema<DB>(database: SqlDatabase<DB>): Promise<void> {
  const engine = database.engine;
  const id = serialId(engine);
  const createTable = (name: string) => createByteExactTable(database, name);
  const datetime = engine === 'postgres' ? 'timestamp' : 'datetime';
  // SQLite numbers rows only in an INTEGER PRIMARY KEY (64-bit there anyway).
  const bigId = engine === 'sqlite' ? 'integer' : 'bigint';
  // files(id, block_id, size, name): no dataset_id; a file reaches its dataset through blocks.
  await createTable('files')
    .addColumn('id', bigId, id)
    .addColumn('block_id', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('size', 'bigint', (c) => c.notNull().defaultTo(-1))
    .addColumn('name', 'varchar(512)', (c) => c.notNull().unique())
    .execute();
  await createTable('blocks')
    .addColumn('id', bigId, id)
    .addColumn('dataset_id', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('name', 'varchar(128)', (c) => c.notNull().unique())
    .addColumn('size', 'bigint', (c) => c.notNull().defaultTo(-1))
    .addColumn('num_files', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_open', 'smallint', (c) => c.notNull())
    .addColumn('last_update', datetime, (c) => c.notNull())
    .execute();
  await createTable('datasets')
    .addColumn('id', 'integer', id)
    .addColumn('name', 'varchar(512)', (c) => c.notNull().unique())
    .addColumn('status', 'varchar(16)')
    .addColumn('data_type', 'varchar(16)', (c) => c.notNull().defaultTo('UNKNOWN'))
    .addColumn('software_version_id', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_update', datetime, (c) => c.notNull())
    .addColumn('is_open', 'smallint', (c) => c.notNull())
    .execute();
  await createTable('block_replicas')
    .addColumn('block_id', 'bigint', (c) => c.notNull())
    .addColumn('site_id', 'integer', (c) => c.notNull())
    .addColumn('group_id', 'integer', (c) => c.notNull())
    .addColumn('is_complete', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('is_custodial', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('last_update', datetime, (c) => c.notNull())
    .addPrimaryKeyConstraint('block_replicas_pk', ['block_id', 'site_id'])
    .execute();
  await createTable('dataset_replicas')
    .addColumn('dataset_id', 'integer', (c) => c.notNull())
    .addColumn('site_id', 'integer', (c) => c.notNull())
    .addColumn('growing', 'smallint', (c) => c.notNull())
    .addColumn('group_id', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('dataset_replicas_pk', ['dataset_id', 'site_id'])
    .execute();
  await createTable('sites')
    .addColumn('id', 'integer', id)
    .addColumn('name', 'varchar(32)', (c) => c.notNull().unique())
    .addColumn('host', 'varchar(256)')
    .addColumn('storage_type', 'varchar(16)')
    .addColumn('backend', 'varchar(128)')
    .addColumn('status', 'varchar(16)', (c) => c.notNull().defaultTo('ready'))
    .execute();
  await createTable('groups')
    .addColumn('id', 'integer', id)
    .addColumn('name', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('olevel', 'varchar(16)', (c) => c.notNull().defaultTo('Block'))
    .execute();
  await createTable('file_subscriptions')
    .addColumn('id', bigId, id)
    .addColumn('file_id', 'bigint', (c) => c.notNull())
    .addColumn('site_id', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull().defaultTo('new'))
    .addColumn('created', datetime, (c) => c.notNull())
    .addColumn('last_update', datetime)
    .addColumn('delete', 'smallint', (c) => c.notNull())
    .addColumn('hold_reason', 'varchar(32)')
    .addUniqueConstraint('file_subscriptions_subscription', ['file_id', 'site_id', 'delete'])
    .execute();
  await createSeedRegistryQueues(database);
}

/** The seed's registry queues: only `reqid, file, site(_from, site_to), status`. */
export async function createSeedRegistryQueues<DB>(database: SqlDatabase<DB>): Promise<void> {
  const createTable = (name: string) => createByteExactTable(database, name);
  await createTable('deletion_queue')
    .addColumn('reqid', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('file', 'varchar(512)', (c) => c.notNull())
    .addColumn('site', 'varchar(32)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addUniqueConstraint('deletion_queue_file', ['file', 'site'])
    .execute();
  await createTable('transfer_queue')
    .addColumn('reqid', 'integer', (c) => c.notNull())
    .addColumn('file', 'varchar(512)', (c) => c.notNull())
    .addColumn('site_from', 'varchar(32)', (c) => c.notNull())
    .addColumn('site_to', 'varchar(32)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addUniqueConstraint('transfer_queue_file', ['file', 'site_from', 'site_to'])
    .execute();
}
