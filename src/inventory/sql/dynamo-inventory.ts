import { nameFromStoredText } from '../../core/escape.ts';
import { sql, type Kysely } from 'kysely';
import type { SqlDatabase } from '../../sql/sql-database.ts';
import type { InventoryFile } from '../../core/entries.ts';
import { DcError } from '../../core/errors.ts';
import type { Inventory, StreamFilesOptions } from '../inventory.ts';
import { beginReadSnapshot } from '../../sql/sql-snapshot.ts';
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
  }

  /** The database's layout, read once per open inventory (a failed read is tried again next time). */
  layout(): Promise<DynamoLayout> {
    this.layoutRead ??= detectDynamoLayout(this.database).catch((err) => {
      this.layoutRead = undefined;
      throw err;
    });
    return this.layoutRead;
  }

  /** Every read is one repeatable-read snapshot (sql-snapshot.ts), fixed before the first row. */
  readonly snapshotReads = true;

  async *streamFiles(site: string, signal?: AbortSignal, opts: StreamFilesOptions = {}): AsyncIterable<InventoryFile[]> {
    // Read before the transaction: on SQLite the transaction holds the only connection.
    await this.layout();
    const trx = await beginReadSnapshot(this.database);
    let finished = false;
    try {
      // The transaction's first read: from here on its snapshot is fixed.
      const siteId = await this.siteId(site, trx);
      opts.onSnapshot?.();
      if (siteId !== undefined) yield* this.streamReplicas(trx, siteId, signal);
      finished = true;
    } finally {
      // A read-only transaction: commit and rollback differ only in that a failed or abandoned
      // read must not wait on a connection that may be dead.
      if (finished) await trx.commit().execute();
      else await trx.rollback().execute().catch(() => undefined);
    }
  }

  private async *streamReplicas(db: Kysely<DynamoDb>, siteId: number, signal: AbortSignal | undefined): AsyncIterable<InventoryFile[]> {
    const rows = db
      .selectFrom('block_replicas as br')
      .innerJoin('files as f', 'f.block_id', 'br.block_id')
      .innerJoin('blocks as b', 'b.id', 'br.block_id')
      .innerJoin('datasets as d', 'd.id', 'b.dataset_id')
      .select([
        'f.name as lfn',
        'f.size as size',
        sql<number>`case when br.is_complete = 1 and br.group_id <> 0 then 1 else 0 end`.as('settled'),
        'd.name as dataset',
        'b.name as block',
      ])
      .where('br.site_id', '=', siteId)
      .stream(BATCH);
    let batch: InventoryFile[] = [];
    for await (const r of rows) {
      if (signal?.aborted) throw new DcError('ABORTED', 'inventory read aborted');
      // Names stored escaped when not UTF-8 (import, src/core/escape.ts nameToStoredText) read back as bytes.
      batch.push({ lfn: nameFromStoredText(r.lfn), size: Number(r.size), settled: Number(r.settled) === 1, dataset: r.dataset && nameFromStoredText(r.dataset), block: r.block && nameFromStoredText(r.block) });
      if (batch.length >= BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
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

  private async siteId(site: string, db: Kysely<DynamoDb> = this.db): Promise<number | undefined> {
    const row = await db.selectFrom('sites').select('id').where('name', '=', site).executeTakeFirst();
    return row?.id;
  }

  async close(): Promise<void> {
    await this.database.close();
  }
}
