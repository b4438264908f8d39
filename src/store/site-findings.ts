import type { Kysely } from 'kysely';
import { nameFromStoredText, nameToStoredText } from '../core/escape.ts';
import { hashString, newHash } from '../core/lfn-hash.ts';
import type { HistoryDb, StoreDb } from './history-schema.ts';
import type { SiteRuns } from './site-runs.ts';

/** `unmerged`: a file or directory the unmerged cleaning would remove (issue 15), confirmed like orphans. */
export type FindingCategory = 'missing' | 'orphan' | 'size_mismatch' | 'empty' | 'unmerged';

/** A finding as the actions and the dashboard read it: the name as it was reported (not escaped). */
export interface FindingOfRun {
  lfn: string;
  size: number;
  firstRun: number;
}

/** Which findings of a run collectOfRun returns (all of the category when empty). */
export interface FindingFilter {
  /** At least this many consecutive sightings. */
  minConsecutive?: number;
  /** First seen at or before this ISO-8601 time. */
  firstSeenBy?: string;
  /** Not acted on by any run yet. */
  notActed?: boolean;
  /** Only findings with a recorded size (> 0). */
  sized?: boolean;
  limit?: number;
}

type Reported = string | { name: string; size: number };

const hashHex = (() => {
  const h = newHash();
  return (lfn: string) => {
    hashString(lfn, h);
    return h[0].toString(16).padStart(8, '0') + h[1].toString(16).padStart(8, '0') + h[2].toString(16).padStart(8, '0');
  };
})();

/**
 * The sites' findings (`store.findings`): each file a run reported, per category, with its first
 * and last sighting and how many runs in a row saw it — what confirmation acts on. A run's findings
 * are staged (`findings_stage`) then merged in one transaction.
 */
export class SiteFindings {
  constructor(
    private readonly db: Kysely<StoreDb>,
    private readonly runs: SiteRuns,
  ) {}

  /**
   * Records this run's findings of one category: a finding also reported by the previous done
   * run counts one more consecutive sighting; one not reported now is resolved and dropped.
   * Names are stored as they are (not escaped), with their size when given; a name that is not
   * UTF-8 is stored escaped (nameToStoredText), and read back by nameFromStoredText.
   */
  async record(
    site: string,
    runId: number,
    category: FindingCategory,
    findings: AsyncIterable<Reported> | Iterable<Reported>,
    seenAt?: string,
    /** The run whose sightings this one continues (default: the site's previous done run). */
    previousRun?: number,
  ): Promise<number> {
    // Sightings are dated by the run's start, so OrphanConfirmDays spans runs, not write times.
    const now = seenAt ?? new Date().toISOString();
    const prev = previousRun ?? (await this.runs.previousDone(site, runId)) ?? -1;
    let n = 0;
    await this.db.deleteFrom('findings_stage').where('run_id', '=', runId).where('category', '=', category).execute();
    let batch: HistoryDb['findings_stage'][] = [];
    const flush = async () => {
      if (batch.length) await this.db.insertInto('findings_stage').values(batch).execute();
      batch = [];
    };
    const seen = new Set<string>();
    for await (const f of findings as AsyncIterable<Reported>) {
      const lfn = typeof f === 'string' ? f : f.name;
      const hh = hashHex(lfn);
      if (seen.has(hh)) continue;
      seen.add(hh);
      // A name that is not UTF-8 is kept escaped (database text is UTF-8): src/core/escape.ts nameToStoredText.
      batch.push({ run_id: runId, category, lfn_hash: hh, lfn: nameToStoredText(lfn), size: typeof f === 'string' ? 0 : f.size });
      n++;
      if (batch.length >= 500) await flush();
    }
    await flush();
    await this.db.transaction().execute(async (trx) => {
      const staged = trx.selectFrom('findings_stage as s').select('s.lfn_hash').where('s.run_id', '=', runId).where('s.category', '=', category);
      await trx
        .updateTable('findings')
        .set((eb) => ({ consecutive: eb('consecutive', '+', 1), last_run: runId, last_seen_at: now }))
        .where('site', '=', site).where('category', '=', category).where('last_run', '=', prev)
        .where('lfn_hash', 'in', staged)
        .execute();
      await trx
        .updateTable('findings')
        .set({ consecutive: 1, last_run: runId, last_seen_at: now, first_run: runId, first_seen_at: now, acted_run: null })
        .where('site', '=', site).where('category', '=', category).where('last_run', '<>', runId)
        .where('lfn_hash', 'in', staged)
        .execute();
      await trx
        .insertInto('findings')
        .columns(['site', 'category', 'lfn_hash', 'lfn', 'size', 'first_run', 'last_run', 'first_seen_at', 'last_seen_at', 'consecutive'])
        .expression((eb) =>
          eb
            .selectFrom('findings_stage as s')
            .select([eb.val(site).as('site'), 's.category', 's.lfn_hash', 's.lfn', 's.size', eb.val(runId).as('first_run'), eb.val(runId).as('last_run'), eb.val(now).as('first_seen_at'), eb.val(now).as('last_seen_at'), eb.val(1).as('consecutive')])
            .where('s.run_id', '=', runId)
            .where('s.category', '=', category)
            .where((w) => w.not(w.exists(w.selectFrom('findings as f').select('f.lfn_hash').where('f.site', '=', site).where('f.category', '=', category).whereRef('f.lfn_hash', '=', 's.lfn_hash')))),
        )
        .execute();
      await trx.deleteFrom('findings').where('site', '=', site).where('category', '=', category).where('last_run', '<>', runId).execute();
      await trx.deleteFrom('findings_stage').where('run_id', '=', runId).where('category', '=', category).execute();
    });
    return n;
  }

  /** Drops what the site's finished runs staged and never merged (a holder died half-way; its lock was taken over). */
  async dropStaged(site: string): Promise<void> {
    await this.db.deleteFrom('findings_stage').where('run_id', 'in', (eb) => eb.selectFrom('runs').select('id').where('site', '=', site).where('status', '<>', 'running')).execute();
  }

  /**
   * The last run that recorded findings of `category` at the site: every finding still kept was seen
   * by it. Categories recorded only by some runs (`unmerged`: runs with --unmerged) continue from it.
   */
  async lastRun(site: string, category: FindingCategory): Promise<number | undefined> {
    const r = await this.db.selectFrom('findings').select((eb) => eb.fn.max('last_run').as('m')).where('site', '=', site).where('category', '=', category).executeTakeFirst();
    return r?.m === null || r?.m === undefined ? undefined : Number(r.m);
  }

  /** Every kept finding of the category at the site, whole rows, in name order. */
  async collect(site: string, category: FindingCategory) {
    const rows = await this.db.selectFrom('findings').selectAll().where('site', '=', site).where('category', '=', category).orderBy('lfn').execute();
    return rows.map((r) => ({ ...r, lfn: nameFromStoredText(r.lfn) }));
  }

  /**
   * Findings of one category reported by run `runId` (findings describe the latest done run), in
   * name order, filtered for confirmation (SEMANTICS.md "Acting on results") or for sizes.
   */
  async collectOfRun(site: string, runId: number, category: FindingCategory, filter: FindingFilter = {}): Promise<FindingOfRun[]> {
    let q = this.db.selectFrom('findings').select(['lfn', 'size', 'first_run']).where('site', '=', site).where('category', '=', category).where('last_run', '=', runId);
    if (filter.minConsecutive !== undefined) q = q.where('consecutive', '>=', filter.minConsecutive);
    if (filter.notActed) q = q.where('acted_run', 'is', null);
    // ISO-8601 UTC strings of one fixed format compare in time order.
    if (filter.firstSeenBy !== undefined) q = q.where('first_seen_at', '<=', filter.firstSeenBy);
    if (filter.sized) q = q.where('size', '>', 0);
    q = q.orderBy('lfn');
    if (filter.limit !== undefined) q = q.limit(filter.limit);
    return (await q.execute()).map((r) => ({ lfn: nameFromStoredText(r.lfn), size: Number(r.size), firstRun: Number(r.first_run) }));
  }

  /**
   * Run `runId`'s findings of `categories` counted by consecutive sightings and first sighting
   * (as many distinct first sightings as runs, no more), and those an earlier run acted on.
   */
  async countOfRun(site: string, runId: number, categories: readonly FindingCategory[]): Promise<{
    sightings: { category: FindingCategory; consecutive: number; firstSeenAt: string; n: number }[];
    acted: { category: FindingCategory; n: number }[];
  }> {
    const rows = await this.db
      .selectFrom('findings')
      .select((eb) => ['category', 'consecutive', 'first_seen_at', eb.fn.countAll<number>().as('n')])
      .where('site', '=', site)
      .where('last_run', '=', runId)
      .where('category', 'in', [...categories])
      .groupBy(['category', 'consecutive', 'first_seen_at'])
      .execute();
    const acted = await this.db
      .selectFrom('findings')
      .select((eb) => ['category', eb.fn.countAll<number>().as('n')])
      .where('site', '=', site)
      .where('last_run', '=', runId)
      .where('acted_run', 'is not', null)
      .groupBy('category')
      .execute();
    return {
      sightings: rows.map((r) => ({ category: r.category as FindingCategory, consecutive: Number(r.consecutive), firstSeenAt: r.first_seen_at, n: Number(r.n) })),
      acted: acted.map((r) => ({ category: r.category as FindingCategory, n: Number(r.n) })),
    };
  }

  /** Marks findings (by their reported names, stored escaped when not UTF-8) as acted on by `runId`. */
  async markActed(site: string, category: string, lfns: readonly string[], runId: number): Promise<void> {
    for (let i = 0; i < lfns.length; i += 500) {
      await this.db
        .updateTable('findings')
        .set({ acted_run: runId })
        .where('site', '=', site)
        .where('category', '=', category)
        .where('lfn', 'in', lfns.slice(i, i + 500).map(nameToStoredText))
        .execute();
    }
  }
}
