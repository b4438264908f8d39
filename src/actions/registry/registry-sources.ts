import type { DynamoDb } from '../../inventory/sql/dynamo-schema.ts';
import { collectColumns } from '../../sql/sql-columns.ts';
import type { SqlDatabase } from '../../sql/sql-database.ts';

export type StorageType = 'disk' | 'tape';

/** Where a missing file can be copied from: a disk site if any, else a tape site, else nowhere. */
export interface SourceChoice {
  lfn: string;
  source?: string;
  storage?: StorageType;
}

/** Dynamo names tape endpoints `T1_XX_Site_MSS` (and buffers `_Buffer`); `_Tape` elsewhere. */
export function storageTypeOfName(site: string): StorageType {
  return /_(MSS|Tape|Buffer)$/i.test(site) ? 'tape' : 'disk';
}

function normalizeStorageType(value: unknown, site: string): StorageType {
  if (typeof value === 'string' && value !== '') return /^(mss|tape|buffer)$/i.test(value) ? 'tape' : value.toLowerCase() === 'disk' ? 'disk' : storageTypeOfName(site);
  return storageTypeOfName(site);
}

/**
 * Finds transfer sources for missing files in Dynamo's inventory: another site whose status is
 * `ready` and whose replica of the file's block is settled (complete and owned by a group).
 * Disk sites come before tape sites (Dynamo's `sites.storage_type` when the column exists, the
 * site-name convention otherwise); among equals the first by name, so repeated runs agree.
 */
export class SourceFinder {
  private hasStorageType: boolean | undefined;

  constructor(private readonly database: SqlDatabase<DynamoDb>) {}

  private async probeStorageType(): Promise<boolean> {
    this.hasStorageType ??= (await collectColumns(this.database, 'sites')).has('storage_type');
    return this.hasStorageType;
  }

  async choose(target: string, lfns: readonly string[]): Promise<SourceChoice[]> {
    const withType = await this.probeStorageType();
    const best = new Map<string, { source: string; storage: StorageType }>();
    for (let i = 0; i < lfns.length; i += 500) {
      const chunk = lfns.slice(i, i + 500);
      // `sites.storage_type` is named only where the table has it (Dynamo's published layout).
      const rows = await this.database.db
        .selectFrom('files as f')
        .innerJoin('block_replicas as br', 'br.block_id', 'f.block_id')
        .innerJoin('sites as s', 's.id', 'br.site_id')
        .select(['f.name as lfn', 's.name as site'])
        .$if(withType, (q) => q.select('s.storage_type as storage_type'))
        .where('f.name', 'in', chunk)
        .where('s.name', '<>', target)
        .where('s.status', '=', 'ready')
        .where('br.is_complete', '=', 1)
        .where('br.group_id', '<>', 0)
        .execute();
      for (const r of rows) {
        const storage = normalizeStorageType(r.storage_type, r.site);
        const cur = best.get(r.lfn);
        const better = !cur || (cur.storage === 'tape' && storage === 'disk') || (cur.storage === storage && r.site < cur.source);
        if (better) best.set(r.lfn, { source: r.site, storage });
      }
    }
    return lfns.map((lfn) => ({ lfn, ...best.get(lfn) }));
  }
}
