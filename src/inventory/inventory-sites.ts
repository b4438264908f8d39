import type { InventorySource } from './inventory-settings.ts';
import { openInventory } from './open-inventory.ts';

/**
 * Site names the configured inventory knows (Dynamo's `sites` table, a per-site dump directory, a
 * Rucio dump's RSEs); empty for inventories that name no sites (a generic SQL query, a plain LFN list).
 */
export async function collectInventorySites(config: InventorySource): Promise<string[]> {
  const inventory = await openInventory(config);
  try {
    return await inventory.collectSites();
  } finally {
    await inventory.close();
  }
}
