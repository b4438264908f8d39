import { dirname, isAbsolute, resolve } from 'node:path';
import type { InventorySource } from './inventory-settings.ts';
import { DcError } from '../core/errors.ts';
import { DumpInventory } from './dump/dump-inventory.ts';
import { FileQueueSource } from './dump/dump-queue-files.ts';
import type { Inventory } from './inventory.ts';
import { resolvePassword } from './inventory-credentials.ts';
import { withQueues, type QueueSource } from './inventory-queues.ts';
import { openSqlInventory } from './sql/sql-inventory.ts';

export interface OpenInventoryOptions {
  /** Environment for INVENTORY_PASSWORD (default: the configuration's captured environment). */
  env?: NodeJS.ProcessEnv;
  /** Create the SQL schema (Dynamo's tables and registry queues) when absent. */
  create?: boolean;
  /** Queue files (see FileQueueSource); default: the config's Inventory.DeletionQueueFile/TransferQueueFile. */
  queueFiles?: { deletions?: string; transfers?: string };
}

/**
 * Opens the inventory named by the configuration's `Inventory` block:
 * `{ Type: "sqlite", Path }`, `{ Type: "mysql" | "postgres", Url, PasswordFile?, Query? }` or
 * `{ Type: "dump", Path, Format? }` (Path may hold `{site}`; Format as in src/core/list-format.ts). `Query` switches an SQL engine to generic
 * mode. SQL inventories also read Dynamo's registry queues when their tables exist.
 */
export async function openInventory(config: InventorySource, opts: OpenInventoryOptions = {}): Promise<Inventory> {
  const inv = config.inventory;
  const need = (key: 'Path' | 'Url'): string => {
    const v = inv[key];
    if (!v) throw new DcError('CONFIG', `${config.file}: key "Inventory.${key}": required for Type ${inv.Type}`);
    return v;
  };
  const abs = (p: string | undefined) => (p && !isAbsolute(p) ? resolve(dirname(config.file), p) : p);
  const queueFiles = opts.queueFiles ?? { deletions: abs(inv.DeletionQueueFile), transfers: abs(inv.TransferQueueFile) };
  const extra: QueueSource[] = queueFiles.deletions || queueFiles.transfers ? [new FileQueueSource(queueFiles)] : [];
  const passwordFile = abs(inv.PasswordFile);
  const sqlOpts = () => ({ password: resolvePassword(passwordFile, opts.env ?? config.env), create: opts.create, query: inv.Query });
  switch (inv.Type) {
    case 'sqlite':
      return withQueues(await openSqlInventory('sqlite', need('Path'), { create: opts.create, query: inv.Query }), extra);
    case 'mysql':
    case 'postgres':
      // src/sql loads the driver of the engine in use only.
      return withQueues(await openSqlInventory(inv.Type, need('Url'), sqlOpts()), extra);
    case 'dump':
      if (inv.Query) throw new DcError('CONFIG', `${config.file}: key "Inventory.Query": only for SQL inventories, not Type dump`);
      return withQueues(new DumpInventory(need('Path'), inv.Format), extra);
    default:
      throw new DcError('UNSUPPORTED', `${config.file}: Inventory.Type ${String(inv.Type)} is not available in this build`);
  }
}
