import type { Config } from '../config/config-loader.ts';
import { DcError } from '../core/errors.ts';
import type { Inventory } from './inventory.ts';
import { openSqliteInventory } from './sqlite/sqlite-inventory.ts';

/** Opens the inventory named by the configuration's `Inventory` block. */
export async function openInventory(config: Config): Promise<Inventory> {
  const inv = config.inventory;
  switch (inv.Type) {
    case 'sqlite':
      return openSqliteInventory(inv.Path!);
    default:
      throw new DcError('UNSUPPORTED', `${config.file}: Inventory.Type ${inv.Type} is not available in this build`);
  }
}
