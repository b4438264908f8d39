import { dirname, isAbsolute, resolve } from 'node:path';
import type { InventorySource } from '../inventory-settings.ts';
import { openSql, type SqlDatabase } from '../../sql/sql-database.ts';
import type { SqlEngine } from '../../sql/sql-engine.ts';
import { connectError, resolvePassword, urlWithPassword } from '../inventory-credentials.ts';
import type { Inventory } from '../inventory.ts';
import { withQueues } from '../inventory-queues.ts';
import { createDynamoSchema, type DynamoDb } from './dynamo-schema.ts';
import { DynamoInventory } from './dynamo-inventory.ts';
import { GenericSqlInventory } from './generic-sql-inventory.ts';
import { RegistryQueueSource } from './registry-queues.ts';
import { createRegistrySchema } from './registry-schema.ts';

export interface SqlInventoryOptions {
  /** Replaces the URL's password (see resolvePassword); server engines only. */
  password?: string;
  /** Create Dynamo's tables and the registry queues when absent (tests, trying the tool). */
  create?: boolean;
  /** Generic SQL mode: the operator's query returning (lfn, size, settled) for `:site`. */
  query?: string;
  /** Connections in a server engine's pool (default 4): one streams the files, others answer small queries. */
  poolSize?: number;
}

/** Where an SQL inventory lives: a SQLite file (`Inventory.Path`) or a server URL (`Inventory.Url`). */
export interface InventoryLocation {
  engine: SqlEngine;
  /** The SQLite file, or the server URL (with the password set in it when one is given). */
  location: string;
}

/**
 * Opens an SQL inventory on any engine: the connection proven (server engines), the schema created
 * when asked, Dynamo's queries (or the operator's query) wrapped with the registry queues. A failure
 * closes the pool and names the engine and the (redacted) URL, never the password.
 */
export async function openSqlInventory(engine: SqlEngine, location: string, opts: SqlInventoryOptions = {}): Promise<Inventory> {
  // The operator's query reads an existing SQLite file: none is created for it.
  const create = engine === 'sqlite' && opts.query ? false : !!opts.create;
  const database = await openInventoryDatabase({ engine, location: engine === 'sqlite' ? location : urlWithPassword(location, opts.password) }, { create, poolSize: opts.poolSize });
  try {
    if (engine !== 'sqlite') await database.db.selectNoFrom((eb) => eb.val(1).as('one')).execute();
    if (create) {
      await createDynamoSchema(database);
      await createRegistrySchema(database);
    }
  } catch (err) {
    await database.close().catch(() => undefined);
    throw engine === 'sqlite' ? err : connectError(database.engineName, location, err);
  }
  const base = opts.query ? new GenericSqlInventory(database, opts.query) : new DynamoInventory(database);
  return withQueues(base, [new RegistryQueueSource(database.db)]);
}

/**
 * The inventory's database itself, for what writes it (`import`, the demo, the registry sink) or
 * reads it beside the inventory (block groups). A SQLite file is created when absent unless
 * `create` is false.
 */
export function openInventoryDatabase(where: InventoryLocation, opts: { create?: boolean; poolSize?: number } = {}): Promise<SqlDatabase<DynamoDb>> {
  const url = where.engine === 'sqlite' ? `sqlite:${where.location}` : where.location;
  return openSql<DynamoDb>(url, { engine: where.engine, create: opts.create ?? true, poolSize: opts.poolSize, role: 'inventory' });
}

/**
 * The configured SQL inventory's database (password resolved), or undefined when the inventory
 * is not SQL (dumps) or names no database. The engine comes from `Inventory.Type`.
 */
export function configuredInventoryLocation(config: InventorySource): InventoryLocation | undefined {
  const inv = config.inventory;
  if (inv.Type === 'sqlite') return inv.Path ? { engine: 'sqlite', location: inv.Path } : undefined;
  if ((inv.Type === 'mysql' || inv.Type === 'postgres') && inv.Url) {
    const pwFile = inv.PasswordFile && !isAbsolute(inv.PasswordFile) ? resolve(dirname(config.file), inv.PasswordFile) : inv.PasswordFile;
    return { engine: inv.Type, location: urlWithPassword(inv.Url, resolvePassword(pwFile, config.env)) };
  }
  return undefined;
}
