import type { Config } from '../config/config-loader.ts';
import type { MissingDataset } from '../check/site-check.ts';
import { configuredInventoryLocation, openInventoryDatabase } from '../inventory/sql/sql-inventory.ts';

/**
 * The owning group of each block with missing files, from the block replica at the site (Dynamo:
 * `block_replicas.group_id` → `groups.name`). Empty for dump inventories, which know no groups.
 */
export async function collectBlockGroups(config: Config, site: string, datasets: readonly MissingDataset[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const blocks = [...new Set(datasets.flatMap((d) => [...d.blocks.keys()]))];
  const where = configuredInventoryLocation(config);
  if (!where || blocks.length === 0 || config.inventory.Query) return out;
  const database = await openInventoryDatabase(where);
  const db = database.db;
  try {
    for (let i = 0; i < blocks.length; i += 500) {
      const rows = await db
        .selectFrom('blocks as b')
        .innerJoin('block_replicas as br', 'br.block_id', 'b.id')
        .innerJoin('sites as s', 's.id', 'br.site_id')
        .leftJoin('groups as g', 'g.id', 'br.group_id')
        .select(['b.name as block', 'g.name as grp'])
        .where('s.name', '=', site)
        .where('b.name', 'in', blocks.slice(i, i + 500))
        .execute();
      for (const r of rows) out.set(r.block, r.grp ?? 'Unsubscribed'); // the seed's word
    }
  } finally {
    await database.close();
  }
  return out;
}
