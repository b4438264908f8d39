import type { Transaction } from 'kysely';
import { nameToStoredText } from '../../core/escape.ts';
import { baseName, datasetOfLfn, parentDir } from '../../core/lfn.ts';
import type { DynamoDb } from './dynamo-schema.ts';
import { detectDynamoLayout } from './dynamo-layout.ts';
import { onlyColumns } from '../../sql/sql-columns.ts';
import type { SqlDatabase } from '../../sql/sql-database.ts';

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
 * Replaces the site's inventory with `lines`, in one transaction: the site's block replicas are
 * rebuilt, files, blocks and datasets created as needed. Settled files get complete, group-owned
 * block replicas; flux files an incomplete one. A line says nothing about datasets, so no dataset
 * replica is claimed for the site (the site's old ones are removed): an imported inventory never
 * protects an orphan by dataset.
 * Works on both of Dynamo's layouts (dynamo-layout.ts): `files.dataset_id` is written only where the
 * table has it, and the published schema's bookkeeping columns without defaults get values.
 */
export async function importSiteInventory(database: SqlDatabase<DynamoDb>, site: string, lines: ImportLine[]): Promise<{ files: number; blocks: number; datasets: number }> {
  const layout = await detectDynamoLayout(database);
  const now = new Date().toISOString().slice(0, 19).replace('T', ' ');
  // Dynamo's bookkeeping columns without defaults, written where the table has them.
  const bookkeeping = { is_open: 0, last_update: now, growing: 0, is_custodial: 0 };
  const extra = (table: keyof typeof layout.columns) => onlyColumns(bookkeeping, layout.columns[table]);
  const fileDataset = (id: number): { dataset_id?: number } => (layout.filesHaveDatasetId ? { dataset_id: id } : {});
  return database.db.transaction().execute(async (trx) => {
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
    const datasetsUsed = new Set<number>();
    const newFiles: { block_id: number; name: string; size: number }[] = [];
    for (const l of lines) {
      // Database text holds UTF-8 only: a name that is not is stored escaped (nameToStoredText).
      const place = placeOf(l.lfn, l.settled);
      const dataset = nameToStoredText(place.dataset);
      const block = nameToStoredText(place.block);
      const lfn = nameToStoredText(l.lfn);
      let dsId = datasets.get(dataset);
      if (dsId === undefined) {
        dsId = (await trx.insertInto('datasets').values({ name: dataset, status: 'VALID', ...extra('datasets') }).returning('id').executeTakeFirstOrThrow()).id;
        datasets.set(dataset, dsId);
      }
      let blockId = blocks.get(block);
      if (blockId === undefined) {
        blockId = (await trx.insertInto('blocks').values({ dataset_id: dsId, name: block, ...extra('blocks') }).returning('id').executeTakeFirstOrThrow()).id;
        blocks.set(block, blockId);
      }
      const fileId = files.get(lfn);
      if (fileId === undefined) {
        newFiles.push({ block_id: blockId, ...fileDataset(dsId), name: lfn, size: l.size });
        files.set(lfn, -1);
        if (newFiles.length >= 500) await trx.insertInto('files').values(newFiles.splice(0)).execute();
      } else if (fileId >= 0) {
        await trx.updateTable('files').set({ block_id: blockId, ...fileDataset(dsId), size: l.size }).where('id', '=', fileId).execute();
      }
      siteBlocks.set(blockId, l.settled);
      datasetsUsed.add(dsId);
    }
    if (newFiles.length) await trx.insertInto('files').values(newFiles).execute();
    await dropLeftFiles(trx, siteId, [...siteBlocks.keys()], new Set(lines.map((l) => nameToStoredText(l.lfn))));
    const brRows = [...siteBlocks].map(([block_id, settled]) => ({ block_id, site_id: siteId, group_id: OWNER_GROUP.id, is_complete: settled ? 1 : 0, ...extra('block_replicas') }));
    for (let i = 0; i < brRows.length; i += 500) await trx.insertInto('block_replicas').values(brRows.slice(i, i + 500)).execute();
    return { files: lines.length, blocks: siteBlocks.size, datasets: datasetsUsed.size };
  });
}

/**
 * A block keeps the files of an earlier import that the new file leaves out; were they kept, the
 * site would still "hold" them (false missing files). They go, unless another site replicates the
 * block (then the file is that site's too, and only its own import may change it).
 */
async function dropLeftFiles(trx: Transaction<DynamoDb>, siteId: number, blockIds: readonly number[], keep: ReadonlySet<string>): Promise<void> {
  for (let i = 0; i < blockIds.length; i += 500) {
    const chunk = blockIds.slice(i, i + 500);
    const shared = new Set((await trx.selectFrom('block_replicas').select('block_id').where('block_id', 'in', chunk).where('site_id', '<>', siteId).execute()).map((r) => Number(r.block_id)));
    const own = chunk.filter((b) => !shared.has(b));
    if (own.length === 0) continue;
    const rows = await trx.selectFrom('files').select(['id', 'name']).where('block_id', 'in', own).execute();
    const gone = rows.filter((r) => !keep.has(r.name)).map((r) => r.id);
    for (let j = 0; j < gone.length; j += 500) await trx.deleteFrom('files').where('id', 'in', gone.slice(j, j + 500)).execute();
  }
}
