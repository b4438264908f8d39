import { nameFromStoredText } from '../../core/escape.ts';
import { decodeName } from '../../core/name-bytes.ts';
import { sql, type RawBuilder } from 'kysely';
import type { SqlDatabase } from '../../sql/sql-database.ts';
import type { DynamoDb } from './dynamo-schema.ts';
import type { InventoryFile } from '../../core/entries.ts';
import { DcError } from '../../core/errors.ts';
import type { Inventory } from '../inventory.ts';

const BATCH = 5000;

/**
 * The operator's own inventory query (`Inventory.Query`), for databases that are not Dynamo's.
 * It must return the columns `lfn`, `size` and `settled` for the site named by the `:site`
 * parameter, e.g. `SELECT path AS lfn, bytes AS size, state = 'A' AS settled FROM replicas
 * WHERE rse = :site`. `:site` is sent as a bound parameter, never spliced into the text.
 * The backend knows no datasets: protection and queued deletions come only from queue sources.
 */
export class GenericSqlInventory implements Inventory {
  readonly kind: string;
  private readonly pieces: string[];

  /** Typed as Dynamo's, but nothing here reads a table by name: the operator's query is all that runs. */
  constructor(
    private readonly database: SqlDatabase<DynamoDb>,
    query: string,
  ) {
    this.kind = database.engine;
    this.pieces = query.trim().replace(/;+$/, '').split(/:site\b/);
    if (this.pieces.length < 2) throw new DcError('CONFIG', 'Inventory.Query must use the :site parameter');
  }

  private bound(site: string): RawBuilder<Record<string, unknown>> {
    return sql.join(
      this.pieces.map((p) => sql.raw(p)),
      sql`${site}`,
    ) as RawBuilder<Record<string, unknown>>;
  }

  async *streamFiles(site: string, signal?: AbortSignal): AsyncIterable<InventoryFile[]> {
    // Wrapped as a derived table: every driver then streams it as a plain SELECT (the SQLite
    // driver refuses to stream raw statements).
    const rows = this.database.db.selectFrom(sql<Record<string, unknown>>`(${this.bound(site)})`.as('operator_query')).selectAll().stream(BATCH);
    let batch: InventoryFile[] = [];
    let row = 0;
    for await (const r of rows) {
      if (signal?.aborted) throw new DcError('ABORTED', 'inventory read aborted');
      row++;
      batch.push(toFile(r, row));
      if (batch.length >= BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  }

  async collectProtectedDatasets(): Promise<Set<string> | undefined> {
    return undefined;
  }

  async collectQueuedDeletions(): Promise<Set<string>> {
    return new Set();
  }

  /** The query is per site; which sites exist is the configuration's business. */
  async collectSites(): Promise<string[]> {
    return [];
  }

  async close(): Promise<void> {
    await this.database.close();
  }
}

/**
 * A binary column (bytea, BLOB, VARBINARY) gives the name's bytes as they are (decodeName keeps
 * those that are not UTF-8); a text column the name, read as `import` stores it (nameFromStoredText).
 */
function toFile(r: Record<string, unknown>, row: number): InventoryFile {
  const lfn = Buffer.isBuffer(r.lfn) ? decodeName(r.lfn) : typeof r.lfn === 'string' ? nameFromStoredText(r.lfn) : undefined;
  const size = Number(r.size);
  if (lfn === undefined || lfn === '') throw new DcError('INPUT', `Inventory.Query row ${row}: column "lfn" missing or not text or bytes`);
  if (!Number.isFinite(size) || size < 0) throw new DcError('INPUT', `Inventory.Query row ${row} (${lfn}): column "size" is not a non-negative number`);
  return { lfn, size, settled: isTrue(r.settled) };
}

/** Engines spell booleans differently: 1/0 (MySQL, SQLite), true/false (PostgreSQL), '1', 't'. */
function isTrue(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return v !== 0 && v !== 0n;
  if (typeof v === 'string') return /^(1|t|true|y|yes|a)$/i.test(v.trim());
  return false;
}
