import type { Config, SiteConfig } from '../../config/config-loader.ts';
import { DcError } from '../../core/errors.ts';
import { createRegistrySchema } from '../../inventory/sql/registry-schema.ts';
import { configuredInventoryLocation, openInventoryDatabase } from '../../inventory/sql/sql-inventory.ts';
import type { DynamoDb } from '../../inventory/sql/dynamo-schema.ts';
import { collectColumns } from '../../sql/sql-columns.ts';
import { openSql, type SqlDatabase } from '../../sql/sql-database.ts';
import { redactUrl } from '../../core/redact-url.ts';

export interface RegistryConnections {
  /** Where deletion_queue, transfer_queue and local_invalidations are written (the inventory's own database unless RegistryUrl names another). */
  registry: SqlDatabase<DynamoDb>;
  /** Dynamo's inventory tables (sites, block_replicas, files), to find transfer sources; undefined for dumps. */
  inventory: SqlDatabase<DynamoDb> | undefined;
  /** The queues' columns, read once at open: writes name only these (the seed's tables lack start/finish/batchid). */
  queueColumns: QueueColumns;
  close(): Promise<void>;
}

export interface QueueColumns {
  deletion_queue: ReadonlySet<string>;
  transfer_queue: ReadonlySet<string>;
}

/** What the sink cannot do without: the request's file, site(s) and status. */
const NEEDED: Record<keyof QueueColumns, string[]> = {
  deletion_queue: ['file', 'site', 'status'],
  transfer_queue: ['file', 'site_from', 'site_to', 'status'],
};

/**
 * Opens the registry (`RegistryUrl`, default: the SQL inventory's database, where Dynamo keeps its
 * queues beside the inventory in this project) and the inventory database. One database, one pool.
 */
export async function openRegistry(config: Config, site: SiteConfig): Promise<RegistryConnections> {
  const inv = configuredInventoryLocation(config);
  const invUrl = inv && (inv.engine === 'sqlite' ? `sqlite:${inv.location}` : inv.location);
  const regUrl = site.RegistryUrl || invUrl;
  if (!regUrl) throw new DcError('CONFIG', `${config.file}: site ${site.name}: the registry sink needs RegistryUrl (the inventory is a ${config.inventory.Type}, not SQL)`);
  let registry: SqlDatabase<DynamoDb>;
  let inventory: SqlDatabase<DynamoDb> | undefined;
  try {
    if (inv && regUrl === invUrl) {
      registry = await openInventoryDatabase(inv);
      inventory = registry;
    } else {
      registry = await openSql<DynamoDb>(regUrl);
      const opened = registry;
      inventory = inv ? await openInventoryDatabase(inv).catch(async (err: unknown) => {
        await opened.close().catch(() => undefined);
        throw err;
      }) : undefined;
    }
  } catch (err) {
    if (err instanceof DcError) throw err;
    throw new DcError('IO', `cannot open the registry ${redactUrl(regUrl)}: ${String((err as Error).message).split(regUrl).join(redactUrl(regUrl))}`);
  }
  const close = async () => {
    await registry.close().catch(() => undefined);
    if (inventory && inventory !== registry) await inventory.close().catch(() => undefined);
  };
  let queueColumns: QueueColumns;
  try {
    queueColumns = await ensureRegistryTables(registry);
  } catch (err) {
    await close();
    if (err instanceof DcError) throw new DcError(err.code, `registry ${redactUrl(regUrl)}: ${err.message}`, { cause: err });
    throw new DcError('IO', `registry ${redactUrl(regUrl)}: cannot prepare its tables: ${(err as Error).message}`, { cause: err });
  }
  return { registry, inventory, queueColumns, close };
}

/**
 * Dynamo's queues are created only when absent (a fresh test or demo database); local_invalidations
 * likewise. Existing queues are used as they are: their columns are read from the catalogue and
 * returned, and a queue without the file, site or status column is refused by name.
 */
export async function ensureRegistryTables(database: SqlDatabase<DynamoDb>): Promise<QueueColumns> {
  const read = async (): Promise<QueueColumns> => ({ deletion_queue: await collectColumns(database, 'deletion_queue'), transfer_queue: await collectColumns(database, 'transfer_queue') });
  const check = (cols: QueueColumns) => {
    for (const table of ['deletion_queue', 'transfer_queue'] as const) {
      const lacking = NEEDED[table].filter((c) => !cols[table].has(c));
      if (cols[table].size > 0 && lacking.length) throw new DcError('CONFIG', `table ${table} has no column(s) ${lacking.join(', ')}: not the registry queue layout this tool writes (reqid, file, site…, status)`);
    }
  };
  let cols = await read();
  check(cols);
  if (cols.deletion_queue.size === 0 || cols.transfer_queue.size === 0) {
    await createRegistrySchema(database);
    cols = await read();
  }
  if ((await collectColumns(database, 'local_invalidations')).size === 0) {
    await database.db.schema.createTable('local_invalidations').ifNotExists()
      .addColumn('site', 'varchar(32)', (c) => c.notNull())
      .addColumn('lfn', 'varchar(512)', (c) => c.notNull())
      .addColumn('created', 'varchar(32)', (c) => c.notNull())
      .addPrimaryKeyConstraint('local_invalidations_pk', ['site', 'lfn'])
      .execute();
  }
  return cols;
}
