import type { Kysely } from 'kysely';
import { datasetOfLfn } from '../../core/lfn.ts';
import { DcError } from '../../core/errors.ts';
import type { QueueSource } from '../inventory-queues.ts';
import type { DynamoDb } from './dynamo-schema.ts';
import { PENDING_DELETION_STATES, PENDING_TRANSFER_STATES } from './registry-schema.ts';

/**
 * Queued deletions and pending transfers read from Dynamo's registry tables in the inventory's
 * own database. A database without those tables (not every deployment has Dynamo's registry) is
 * a source with empty queues. The queues name files; the dataset of each comes from the LFN by
 * the CMS convention, so no join against the (huge, name-unindexed) files table is needed.
 */
export class RegistryQueueSource implements QueueSource {
  readonly description = 'registry tables deletion_queue / transfer_queue';
  private absent = new Set<string>();

  constructor(private readonly db: Kysely<DynamoDb>) {}

  async collectQueuedDeletions(site: string): Promise<Set<string>> {
    return this.datasets('deletion_queue', () =>
      this.db.selectFrom('deletion_queue').select('file').distinct().where('site', '=', site).where('status', 'in', [...PENDING_DELETION_STATES]).execute(),
    );
  }

  async collectPendingTransfers(site: string): Promise<Set<string>> {
    return this.datasets('transfer_queue', () =>
      this.db.selectFrom('transfer_queue').select('file').distinct().where('site_to', '=', site).where('status', 'in', [...PENDING_TRANSFER_STATES]).execute(),
    );
  }

  private async datasets(table: string, query: () => Promise<{ file: string }[]>): Promise<Set<string>> {
    const out = new Set<string>();
    if (this.absent.has(table)) return out;
    let rows: { file: string }[];
    try {
      rows = await query();
    } catch (err) {
      if (isNoSuchTable(err)) {
        this.absent.add(table);
        return out;
      }
      throw new DcError('IO', `reading registry table ${table} failed: ${(err as Error).message}`, { cause: err, detail: sqlDetail(err) });
    }
    for (const r of rows) {
      const ds = datasetOfLfn(r.file);
      if (ds) out.add(ds);
    }
    return out;
  }
}

/** MySQL/MariaDB ER_NO_SUCH_TABLE, PostgreSQL SQLSTATE 42P01, SQLite's message. */
function isNoSuchTable(err: unknown): boolean {
  const e = err as { errno?: number; code?: string; message?: string };
  return e?.errno === 1146 || e?.code === '42P01' || /no such table/i.test(e?.message ?? '');
}

/** The server's own error fields (SQLSTATE, errno), kept on DcError.detail. */
export function sqlDetail(err: unknown): Record<string, unknown> {
  const e = err as { code?: unknown; errno?: unknown; sqlState?: unknown };
  return { code: e?.code, errno: e?.errno, sqlState: e?.sqlState };
}
