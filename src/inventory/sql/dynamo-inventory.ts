import { nameFromStoredText } from '../../core/escape.ts';
import { sql, type CompiledQuery, type Kysely } from 'kysely';
import type { SqlDatabase } from '../../sql/sql-database.ts';
import type { InventoryFile } from '../../core/entries.ts';
import { DcError } from '../../core/errors.ts';
import type { Inventory, StreamFilesOptions } from '../inventory.ts';
import type { DynamoDb } from './dynamo-schema.ts';
import { detectDynamoLayout, type DynamoLayout } from './dynamo-layout.ts';

const BATCH = 5000;

/**
 * Dynamo's inventory queries, written once in kysely and run on every SQL engine (src/sql opens
 * the database; only the dialect differs).
 *
 * A file is settled when its block replica at the site is complete and owned by a group
 * (Dynamo: `is_complete = 1 AND group_id != 0`); every other replica is in flux.
 *
 * Files reach their dataset through `blocks`, so the queries serve both of Dynamo's layouts (see
 * dynamo-layout.ts); the layout is read from the catalogue once, on first use.
 */
export class DynamoInventory implements Inventory {
  readonly kind: string;
  private readonly db: Kysely<DynamoDb>;
  private layoutRead: Promise<DynamoLayout> | undefined;

  constructor(private readonly database: SqlDatabase<DynamoDb>) {
    this.kind = database.engine;
    this.db = database.db;
    this.snapshotReads = database.hasSnapshots;
  }

  /** The database's layout, read once per open inventory (a failed read is tried again next time). */
  layout(): Promise<DynamoLayout> {
    this.layoutRead ??= detectDynamoLayout(this.database).catch((err) => {
      this.layoutRead = undefined;
      throw err;
    });
    return this.layoutRead;
  }

  /** Every read is one repeatable-read snapshot (src/sql/sql-snapshot.ts), fixed before its first row. */
  readonly snapshotReads: boolean;

  async *streamFiles(site: string, signal?: AbortSignal, opts: StreamFilesOptions = {}): AsyncIterable<InventoryFile[]> {
    await this.layout();
    const withDatasets = opts.withDatasets !== false;
    if (!this.database.hasSnapshots) {
      // An in-memory SQLite database: small by nature, read in one go on kysely's connection.
      const siteId = await this.siteId(site);
      if (siteId === undefined) return;
      const { rows } = await this.db.executeQuery(this.replicaQuery(siteId, withDatasets));
      yield* toFiles(rows.map((r) => Object.values(r as Record<string, unknown>)), withDatasets, signal);
      return;
    }
    const snapshot = await this.database.openSnapshot();
    try {
      opts.onSnapshot?.();
      const found = await snapshot.collectArrays(this.db.selectFrom('sites').select('id').where('name', '=', site).compile());
      if (found.length === 0) return;
      for await (const rows of snapshot.streamArrays(this.replicaQuery(Number(found[0][0]), withDatasets), BATCH)) {
        yield* toFiles(rows, withDatasets, signal);
      }
    } finally {
      await snapshot.close();
    }
  }

  /**
   * The site's replicas: lfn, size, settled (0/1), then dataset and block names when asked. The
   * joins are the same either way, so both give the same files.
   */
  private replicaQuery(siteId: number, withDatasets: boolean): CompiledQuery {
    const q = this.db
      .selectFrom('block_replicas as br')
      .innerJoin('files as f', 'f.block_id', 'br.block_id')
      .innerJoin('blocks as b', 'b.id', 'br.block_id')
      .innerJoin('datasets as d', 'd.id', 'b.dataset_id')
      .select(['f.name as lfn', 'f.size as size', sql<number>`case when br.is_complete = 1 and br.group_id <> 0 then 1 else 0 end`.as('settled')])
      .where('br.site_id', '=', siteId);
    return (withDatasets ? q.select(['d.name as dataset', 'b.name as block']) : q).compile();
  }

  async collectProtectedDatasets(site: string): Promise<Set<string>> {
    await this.layout();
    const out = new Set<string>();
    const siteId = await this.siteId(site);
    const ignored = await this.db.selectFrom('datasets').select('name').where('status', '=', 'IGNORED').execute();
    for (const r of ignored) out.add(r.name);
    if (siteId === undefined) return out;
    const replicated = await this.db
      .selectFrom('dataset_replicas as dr')
      .innerJoin('datasets as d', 'd.id', 'dr.dataset_id')
      .select('d.name')
      .where('dr.site_id', '=', siteId)
      .execute();
    for (const r of replicated) out.add(r.name);
    const pending = await this.subscribedDatasets(siteId, 0);
    for (const name of pending) out.add(name);
    return out;
  }

  async collectQueuedDeletions(site: string): Promise<Set<string>> {
    const siteId = await this.siteId(site);
    return new Set(siteId === undefined ? [] : await this.subscribedDatasets(siteId, 1));
  }

  /**
   * Datasets with pending file subscriptions at the site: transfers (delete 0) or deletions (1).
   * A Dynamo database without `file_subscriptions` (before Dynamo's file-level operations) has none.
   */
  private async subscribedDatasets(siteId: number, deletion: 0 | 1): Promise<string[]> {
    if (!(await this.layout()).hasFileSubscriptions) return [];
    const rows = await this.db
      .selectFrom('file_subscriptions as fs')
      .innerJoin('files as f', 'f.id', 'fs.file_id')
      .innerJoin('blocks as b', 'b.id', 'f.block_id')
      .innerJoin('datasets as d', 'd.id', 'b.dataset_id')
      .select('d.name')
      .distinct()
      .where('fs.site_id', '=', siteId)
      .where('fs.delete', '=', deletion)
      .where('fs.status', 'in', ['new', 'inbatch', 'retry', 'held'])
      .execute();
    return rows.map((r) => r.name);
  }

  async collectSites(): Promise<string[]> {
    const rows = await this.db.selectFrom('sites').select('name').orderBy('name').execute();
    return rows.map((r) => r.name);
  }

  async collectSiteStatuses(): Promise<Map<string, string>> {
    const rows = await this.db.selectFrom('sites').select(['name', 'status']).execute();
    return new Map(rows.map((r) => [r.name, r.status]));
  }

  private async siteId(site: string): Promise<number | undefined> {
    const row = await this.db.selectFrom('sites').select('id').where('name', '=', site).executeTakeFirst();
    return row?.id;
  }

  async close(): Promise<void> {
    await this.database.close();
  }
}

/** One batch of replica rows (replicaQuery's columns) as inventory files. */
function toFiles(rows: unknown[][], withDatasets: boolean, signal: AbortSignal | undefined): InventoryFile[][] {
  if (signal?.aborted) throw new DcError('ABORTED', 'inventory read aborted');
  const out: InventoryFile[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    // Names stored escaped when not UTF-8 (import, src/core/escape.ts nameToStoredText) read back as bytes.
    const file: InventoryFile = { lfn: nameFromStoredText(String(r[0])), size: Number(r[1]), settled: Number(r[2]) === 1 };
    if (withDatasets) {
      file.dataset = r[3] == null ? undefined : nameFromStoredText(String(r[3]));
      file.block = r[4] == null ? undefined : nameFromStoredText(String(r[4]));
    }
    out[i] = file;
  }
  return [out];
}
