import type { Kysely } from 'kysely';
import type { StoreDb } from './history-schema.ts';

/** The last protected LFN list a site's unmerged cleaning accepted (issue 15): the shrink check's reference. */
export interface ProtectedListRecord {
  site: string;
  count: number;
  runId: number;
  fetchedAt: string;
  source: string;
}

/** The history store's accepted protected lists (`store.protectedLists`), one row per site. */
export class ProtectedLists {
  constructor(private readonly db: Kysely<StoreDb>) {}

  async get(site: string): Promise<ProtectedListRecord | undefined> {
    const r = await this.db.selectFrom('protected_lists').selectAll().where('site', '=', site).executeTakeFirst();
    if (!r) return undefined;
    return { site: r.site, count: Number(r.count), runId: Number(r.run_id), fetchedAt: r.fetched_at, source: r.source };
  }

  async set(rec: ProtectedListRecord): Promise<void> {
    const row = { site: rec.site, count: rec.count, run_id: rec.runId, fetched_at: rec.fetchedAt, source: rec.source.slice(0, 1000) };
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('protected_lists').where('site', '=', rec.site).execute();
      await trx.insertInto('protected_lists').values(row).execute();
    });
  }
}
