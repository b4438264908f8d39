import { DcError } from '../../core/errors.ts';
import { collectColumns } from '../../sql/sql-columns.ts';
import type { SqlDatabase } from '../../sql/sql-database.ts';

/**
 * Which of Dynamo's table layouts a database holds, read once when an inventory is opened.
 *
 * - `published`: Dynamo's own MySQL schema (github SmartDataProjects/dynamo, `mysql/schema/dynamo`):
 *   `files(id, block_id, size, name)` reaches its dataset through `blocks(id, dataset_id, …)`, and
 *   blocks, datasets and replicas carry bookkeeping columns without defaults (`is_open`,
 *   `last_update`, `growing`, …).
 * - `denormalized`: the layout this tool creates (`createDynamoSchema`), where `files` also holds
 *   `dataset_id`.
 *
 * Queries go through `blocks` in both layouts; the layout matters when writing (import) and for the
 * optional tables: `file_subscriptions` is absent from older Dynamo databases (no pending
 * subscriptions then), and `sites.storage_type` from this tool's own schema.
 */
export interface DynamoLayout {
  kind: 'published' | 'denormalized';
  filesHaveDatasetId: boolean;
  hasFileSubscriptions: boolean;
  /** Columns of the tables an import writes, to fill Dynamo's bookkeeping columns when present. */
  columns: Record<'sites' | 'groups' | 'datasets' | 'blocks' | 'files' | 'block_replicas' | 'dataset_replicas', ReadonlySet<string>>;
}

const REQUIRED: Record<string, string[]> = {
  sites: ['id', 'name', 'status'],
  datasets: ['id', 'name', 'status'],
  blocks: ['id', 'dataset_id', 'name'],
  files: ['id', 'block_id', 'name', 'size'],
  block_replicas: ['block_id', 'site_id', 'group_id', 'is_complete'],
  dataset_replicas: ['dataset_id', 'site_id'],
};

/**
 * Reads the layout from the catalogue. A table or column the queries need that is absent fails
 * here with its name, instead of as an SQL error in the middle of a check.
 */
export async function detectDynamoLayout<DB>(db: SqlDatabase<DB>): Promise<DynamoLayout> {
  const names = ['sites', 'groups', 'datasets', 'blocks', 'files', 'block_replicas', 'dataset_replicas'] as const;
  const columns = {} as DynamoLayout['columns'];
  for (const t of names) columns[t] = await collectColumns(db, t);
  for (const [table, cols] of Object.entries(REQUIRED)) {
    const have = columns[table as keyof DynamoLayout['columns']];
    if (have.size === 0) throw new DcError('CONFIG', `the inventory database has no table "${table}": not a Dynamo inventory (create it with import, or set Inventory.Query for another schema)`);
    const lacking = cols.filter((c) => !have.has(c));
    if (lacking.length) throw new DcError('CONFIG', `the inventory table "${table}" lacks column(s) ${lacking.join(', ')} that Dynamo's schema has`);
  }
  const filesHaveDatasetId = columns.files.has('dataset_id');
  const hasFileSubscriptions = (await collectColumns(db, 'file_subscriptions')).size > 0;
  return { kind: filesHaveDatasetId ? 'denormalized' : 'published', filesHaveDatasetId, hasFileSubscriptions, columns };
}
