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

/**
 * Sites the inventory calls not ready (Dynamo's `sites` table: any status but `ready`), with the
 * reason; empty for inventories that keep no status.
 */
export async function collectInventoryNotReady(config: InventorySource): Promise<Map<string, string>> {
  const inventory = await openInventory(config);
  try {
    const statuses = (await inventory.collectSiteStatuses?.()) ?? new Map<string, string>();
    return new Map([...statuses].filter(([, status]) => status !== 'ready').map(([site, status]) => [site, `the inventory's sites table says ${status}`]));
  } finally {
    await inventory.close();
  }
}
