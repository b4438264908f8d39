import type { Kysely } from 'kysely';
import { baseName, datasetOfLfn, parentDir } from '../../core/lfn.ts';
import type { DynamoDb } from './dynamo-schema.ts';

export interface ImportLine {
  lfn: string;
  size: number;
  settled: boolean;
}

const OWNER_GROUP = { id: 1, name: 'AnalysisOps' };

/** Dataset and block an imported file is filed under (the CMS LFN convention, else a catch-all). */
export function placeOf(lfn: string, settled: boolean): { dataset: string; block: string } {
  const dataset = datasetOfLfn(lfn) ?? '/Unknown/Imported-v0/NONE';
  return { dataset, block: `${dataset}#${baseName(parentDir(lfn))}${settled ? '' : '-flux'}` };
}

/**
 * Replaces the site's inventory with `lines`, in one transaction: the site's block and dataset
 * replicas are rebuilt, files, blocks and datasets created as needed. Settled files get complete,
 * group-owned block replicas; flux files an incomplete one.
 */
export async function importSiteInventory(db: Kysely<DynamoDb>, site: string, lines: ImportLine[]): Promise<{ files: number; blocks: number; datasets: number }> {
  return db.transaction().execute(async (trx) => {
    let siteRow = await trx.selectFrom('sites').select('id').where('name', '=', site).executeTakeFirst();
    if (!siteRow) siteRow = await trx.insertInto('sites').values({ name: site, status: 'ready' }).returning('id').executeTakeFirstOrThrow();
    const siteId = siteRow.id;
    if (!(await trx.selectFrom('groups').select('id').where('id', '=', OWNER_GROUP.id).executeTakeFirst())) {
      await trx.insertInto('groups').values(OWNER_GROUP).execute();
    }
    await trx.deleteFrom('block_replicas').where('site_id', '=', siteId).execute();
    await trx.deleteFrom('dataset_replicas').where('site_id', '=', siteId).execute();

    const datasets = new Map((await trx.selectFrom('datasets').select(['id', 'name']).execute()).map((r) => [r.name, r.id]));
    const blocks = new Map((await trx.selectFrom('blocks').select(['id', 'name']).execute()).map((r) => [r.name, r.id]));
    const files = new Map((await trx.selectFrom('files').select(['id', 'name']).execute()).map((r) => [r.name, r.id]));
    const siteBlocks = new Map<number, boolean>();
    const siteDatasets = new Set<number>();
    const newFiles: { block_id: number; dataset_id: number; name: string; size: number }[] = [];
    for (const l of lines) {
      const { dataset, block } = placeOf(l.lfn, l.settled);
      let dsId = datasets.get(dataset);
      if (dsId === undefined) {
        dsId = (await trx.insertInto('datasets').values({ name: dataset, status: 'VALID' }).returning('id').executeTakeFirstOrThrow()).id;
        datasets.set(dataset, dsId);
      }
      let blockId = blocks.get(block);
      if (blockId === undefined) {
        blockId = (await trx.insertInto('blocks').values({ dataset_id: dsId, name: block }).returning('id').executeTakeFirstOrThrow()).id;
        blocks.set(block, blockId);
      }
      const fileId = files.get(l.lfn);
      if (fileId === undefined) {
        newFiles.push({ block_id: blockId, dataset_id: dsId, name: l.lfn, size: l.size });
        files.set(l.lfn, -1);
        if (newFiles.length >= 500) await trx.insertInto('files').values(newFiles.splice(0)).execute();
      } else if (fileId >= 0) {
        await trx.updateTable('files').set({ block_id: blockId, dataset_id: dsId, size: l.size }).where('id', '=', fileId).execute();
      }
      siteBlocks.set(blockId, l.settled);
      siteDatasets.add(dsId);
    }
    if (newFiles.length) await trx.insertInto('files').values(newFiles).execute();
    const brRows = [...siteBlocks].map(([block_id, settled]) => ({ block_id, site_id: siteId, group_id: OWNER_GROUP.id, is_complete: settled ? 1 : 0 }));
    for (let i = 0; i < brRows.length; i += 500) await trx.insertInto('block_replicas').values(brRows.slice(i, i + 500)).execute();
    const drRows = [...siteDatasets].map((dataset_id) => ({ dataset_id, site_id: siteId }));
    for (let i = 0; i < drRows.length; i += 500) await trx.insertInto('dataset_replicas').values(drRows.slice(i, i + 500)).execute();
    return { files: lines.length, blocks: siteBlocks.size, datasets: siteDatasets.size };
  });
}
