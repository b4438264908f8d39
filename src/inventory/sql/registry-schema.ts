import { sql, type CreateTableBuilder } from 'kysely';
import type { SqlDatabase } from '../../sql/sql-database.ts';
import { createByteExactTable } from '../../sql/sql-ddl.ts';

/**
 * Dynamo's registry queues, the two a consistency check reads as filters (and its action sinks
 * write): `deletion_queue` (file deletions requested at a site) and `transfer_queue` (file copies
 * requested from `site_from` to `site_to`). Columns as Dynamo's `dynamoregister` database had
 * them: the file is named by its LFN and sites by name, not by id; `status` is one of
 * new / inbatch / done / failed (transfers also instage / staged). MySQL's ENUMs become
 * varchar(16) so the same migration runs on every engine.
 *
 * The seed's queues hold only `reqid, file, site(s), status`: Dynamo's progress columns and
 * `created` are optional here, like `reqid` (never read), and writes name them only where the
 * queue has them (onlyColumns); `file`, `site…` and `status` are checked at open (registry-db.ts).
 */
export interface RegistryDb {
  deletion_queue: {
    reqid?: number;
    file: string;
    site: string;
    status: string;
    created?: string | Date;
    start?: number | null;
    finish?: number | null;
    batchid?: string | null;
  };
  transfer_queue: {
    reqid?: number;
    file: string;
    site_from: string;
    site_to: string;
    status: string;
    created?: string | Date;
    start?: number | null;
    finish?: number | null;
    batchid?: string | null;
  };
  /** Files the `invalidate` command reported lost at a site (this tool's table, beside the queues). */
  local_invalidations: { site: string; lfn: string; created: string };
}

/** Queue states that are still to be acted on; done and failed requests filter nothing. */
export const PENDING_DELETION_STATES = ['new', 'inbatch'] as const;
export const PENDING_TRANSFER_STATES = ['new', 'inbatch', 'instage', 'staged'] as const;

export async function createRegistrySchema<DB>(database: SqlDatabase<DB>): Promise<void> {
  const db = database.db;
  const createTable = (name: string) => createByteExactTable(database, name);
  // Both queues end with the same columns; kysely tracks the column names each builder has.
  const common = <C extends string>(t: CreateTableBuilder<string, C>) =>
    t
      .addColumn('status', 'varchar(16)', (c) => c.notNull().defaultTo('new'))
      .addColumn('created', 'timestamp', (c) => c.notNull().defaultTo(sql`CURRENT_TIMESTAMP`))
      .addColumn('start', 'bigint')
      .addColumn('finish', 'bigint')
      .addColumn('batchid', 'varchar(40)');
  await common(
    createTable('deletion_queue').ifNotExists()
      .addColumn('reqid', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('file', 'varchar(512)', (c) => c.notNull())
      .addColumn('site', 'varchar(32)', (c) => c.notNull()),
  )
    .addUniqueConstraint('deletion_queue_file_site', ['file', 'site'])
    .execute();
  await common(
    createTable('transfer_queue').ifNotExists()
      .addColumn('reqid', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('file', 'varchar(512)', (c) => c.notNull())
      .addColumn('site_from', 'varchar(32)', (c) => c.notNull())
      .addColumn('site_to', 'varchar(32)', (c) => c.notNull()),
  )
    .addUniqueConstraint('transfer_queue_file_sites', ['file', 'site_from', 'site_to'])
    .execute();
  await db.schema.createIndex('deletion_queue_site_idx').ifNotExists().on('deletion_queue').column('site').execute();
  await db.schema.createIndex('transfer_queue_site_to_idx').ifNotExists().on('transfer_queue').column('site_to').execute();
}
