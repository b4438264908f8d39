import type { Kysely } from 'kysely';
import { DcError } from '../core/errors.ts';
import type { StoreDb } from './history-schema.ts';

/**
 * The size of a site against which shrinking is judged (SEMANTICS.md "Acting on results"): the
 * settled inventory and the listed files of the last run whose data gates were all open, or what
 * an operator accepted with `set-status SITE accept`. A run held by a shrink gate never moves it,
 * so a wiped dump or a lost mount stays held run after run until someone looks.
 */
export interface SiteBaseline {
  site: string;
  settled: number;
  listed: number;
  runId: number;
  setAt: string;
  /** `run` (a run with every data gate open) or the origin of an `accept` (cli:user, web:…). */
  setBy: string;
}

/** The history store's baselines (`store.baselines`). */
export class SiteBaselines {
  constructor(private readonly db: Kysely<StoreDb>) {}

  async get(site: string): Promise<SiteBaseline | undefined> {
    const r = await this.db.selectFrom('site_baselines').selectAll().where('site', '=', site).executeTakeFirst();
    if (!r) return undefined;
    return { site: r.site, settled: Number(r.settled), listed: Number(r.listed), runId: Number(r.run_id), setAt: r.set_at, setBy: r.set_by };
  }

  async set(b: Omit<SiteBaseline, 'setAt'> & { setAt?: string }): Promise<void> {
    const row = { site: b.site, settled: b.settled, listed: b.listed, run_id: b.runId, set_at: b.setAt ?? new Date().toISOString(), set_by: b.setBy };
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('site_baselines').where('site', '=', b.site).execute();
      await trx.insertInto('site_baselines').values(row).execute();
    });
  }

  /**
   * `set-status SITE accept`: the site's latest finished run becomes the baseline, whatever its
   * gates said. Throws NOT_FOUND when the site has no finished run to accept.
   */
  async acceptLatestRun(site: string, by: string): Promise<SiteBaseline> {
    const run = await this.db.selectFrom('runs').select(['id', 'summary']).where('site', '=', site).where('status', '=', 'done').orderBy('id', 'desc').executeTakeFirst();
    if (!run?.summary) throw new DcError('NOT_FOUND', `site ${site} has no finished run whose size could be accepted`);
    const s = JSON.parse(run.summary) as { inventory: { settled: number }; listing: { files: number } };
    const b = { site, settled: s.inventory.settled, listed: s.listing.files, runId: Number(run.id), setBy: by };
    await this.set(b);
    return { ...b, setAt: new Date().toISOString() };
  }
}
