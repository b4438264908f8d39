import type { Kysely } from 'kysely';
import type { Config, SiteConfig } from '../../config/config-loader.ts';
import { DcError } from '../../core/errors.ts';
import { resolvePassword, urlWithPassword } from '../../inventory/inventory-credentials.ts';
import { createRegistrySchema } from '../../inventory/sql/registry-schema.ts';
import { collectColumns } from '../../inventory/sql/sql-columns.ts';
import { openKysely } from '../../store/store-db.ts';
import { redactUrl } from '../../core/redact-url.ts';
import { dirname, isAbsolute, resolve } from 'node:path';

/** The SQL inventory's own database as a URL openKysely understands, or undefined for dumps. */
export function inventoryDbUrl(config: Config): string | undefined {
  const inv = config.inventory;
  if (inv.Type === 'sqlite') return inv.Path ? `sqlite:${inv.Path}` : undefined;
  if (inv.Type === 'mysql' || inv.Type === 'postgres') {
    if (!inv.Url) return undefined;
    const pwFile = inv.PasswordFile && !isAbsolute(inv.PasswordFile) ? resolve(dirname(config.file), inv.PasswordFile) : inv.PasswordFile;
    const url = urlWithPassword(inv.Url, resolvePassword(pwFile));
    return inv.Type === 'mysql' ? url.replace(/^mariadb:/, 'mysql:') : url.replace(/^postgresql:/, 'postgres:');
  }
  return undefined;
}

export interface RegistryConnections {
  /** Where deletion_queue, transfer_queue and local_invalidations are written. */
  registry: Kysely<any>;
  /** Dynamo's inventory tables (sites, block_replicas, files), to find transfer sources; undefined for dumps. */
  inventory: Kysely<any> | undefined;
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
 * queues beside the inventory in this project) and the inventory database. One URL, one pool.
 */
export async function openRegistry(config: Config, site: SiteConfig): Promise<RegistryConnections> {
  const invUrl = inventoryDbUrl(config);
  const regUrl = site.RegistryUrl || invUrl;
  if (!regUrl) throw new DcError('CONFIG', `${config.file}: site ${site.name}: the registry sink needs RegistryUrl (the inventory is a ${config.inventory.Type}, not SQL)`);
  let registry: Kysely<any>;
  try {
    registry = (await openKysely<any>(regUrl)).db;
  } catch (err) {
    if (err instanceof DcError) throw err;
    throw new DcError('IO', `cannot open the registry ${redactUrl(regUrl)}: ${String((err as Error).message).split(regUrl).join(redactUrl(regUrl))}`);
  }
  const inventory = !invUrl ? undefined : invUrl === regUrl ? registry : (await openKysely<any>(invUrl)).db;
  let queueColumns: QueueColumns;
  try {
    queueColumns = await ensureRegistryTables(registry);
  } catch (err) {
    await registry.destroy().catch(() => undefined);
    if (inventory && inventory !== registry) await inventory.destroy().catch(() => undefined);
    if (err instanceof DcError) throw new DcError(err.code, `registry ${redactUrl(regUrl)}: ${err.message}`, { cause: err });
    throw new DcError('IO', `registry ${redactUrl(regUrl)}: cannot prepare its tables: ${(err as Error).message}`, { cause: err });
  }
  return {
    registry,
    inventory,
    queueColumns,
    async close() {
      await registry.destroy().catch(() => undefined);
      if (inventory && inventory !== registry) await inventory.destroy().catch(() => undefined);
    },
  };
}

/**
 * Dynamo's queues are created only when absent (a fresh test or demo database); local_invalidations
 * likewise. Existing queues are used as they are: their columns are read from the catalogue and
 * returned, and a queue without the file, site or status column is refused by name.
 */
export async function ensureRegistryTables(db: Kysely<any>): Promise<QueueColumns> {
  const read = async (): Promise<QueueColumns> => ({ deletion_queue: await collectColumns(db, 'deletion_queue'), transfer_queue: await collectColumns(db, 'transfer_queue') });
  const check = (cols: QueueColumns) => {
    for (const table of ['deletion_queue', 'transfer_queue'] as const) {
      const lacking = NEEDED[table].filter((c) => !cols[table].has(c));
      if (cols[table].size > 0 && lacking.length) throw new DcError('CONFIG', `table ${table} has no column(s) ${lacking.join(', ')}: not the registry queue layout this tool writes (reqid, file, site…, status)`);
    }
  };
  let cols = await read();
  check(cols);
  if (cols.deletion_queue.size === 0 || cols.transfer_queue.size === 0) {
    await createRegistrySchema(db);
    cols = await read();
  }
  if ((await collectColumns(db, 'local_invalidations')).size === 0) {
    await db.schema.createTable('local_invalidations').ifNotExists()
      .addColumn('site', 'varchar(32)', (c) => c.notNull())
      .addColumn('lfn', 'varchar(512)', (c) => c.notNull())
      .addColumn('created', 'varchar(32)', (c) => c.notNull())
      .addPrimaryKeyConstraint('local_invalidations_pk', ['site', 'lfn'])
      .execute();
  }
  return cols;
}
