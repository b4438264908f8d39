import type { Kysely } from 'kysely';
import type { Config, SiteConfig } from '../../config/config-loader.ts';
import { DcError } from '../../core/errors.ts';
import { resolvePassword, urlWithPassword } from '../../inventory/inventory-credentials.ts';
import { createRegistrySchema } from '../../inventory/sql/registry-schema.ts';
import { openKysely, redactUrl } from '../../store/store-db.ts';
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
  close(): Promise<void>;
}

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
  try {
    await ensureRegistryTables(registry);
  } catch (err) {
    await registry.destroy().catch(() => undefined);
    if (inventory && inventory !== registry) await inventory.destroy().catch(() => undefined);
    throw new DcError('IO', `registry ${redactUrl(regUrl)}: cannot prepare its tables: ${(err as Error).message}`, { cause: err });
  }
  return {
    registry,
    inventory,
    async close() {
      await registry.destroy().catch(() => undefined);
      if (inventory && inventory !== registry) await inventory.destroy().catch(() => undefined);
    },
  };
}

async function tableExists(db: Kysely<any>, table: string): Promise<boolean> {
  try {
    await db.selectFrom(table).select((eb: any) => eb.lit(1).as('one')).limit(1).execute();
    return true;
  } catch {
    return false;
  }
}

/** Dynamo's queues are created only when absent (a fresh test or demo database); local_invalidations likewise. */
export async function ensureRegistryTables(db: Kysely<any>): Promise<void> {
  if (!(await tableExists(db, 'deletion_queue')) || !(await tableExists(db, 'transfer_queue'))) await createRegistrySchema(db);
  if (!(await tableExists(db, 'local_invalidations'))) {
    await db.schema.createTable('local_invalidations').ifNotExists()
      .addColumn('site', 'varchar(32)', (c) => c.notNull())
      .addColumn('lfn', 'varchar(512)', (c) => c.notNull())
      .addColumn('created', 'varchar(32)', (c) => c.notNull())
      .addPrimaryKeyConstraint('local_invalidations_pk', ['site', 'lfn'])
      .execute();
  }
}
