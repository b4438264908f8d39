import { datasetOfLfn } from '../core/lfn.ts';
import { CheckContext, type CheckInput } from './check-context.ts';
import { makeProtectedTest, makeScopeTest } from './check-filters.ts';
import { InventoryBeforeRead, readInventoryAfter } from './check-inventory-reads.ts';
import { judgePartition, type JudgeContext } from './check-judge.ts';
import { listSite } from './check-listing.ts';
import type { CheckSummary } from './check-types.ts';
import { MissingDatasetTally, type MissingDataset } from './missing-datasets.ts';
import type { SortedList } from './sorted-list.ts';

export { CHECK_PARTITIONS, type CheckInput } from './check-context.ts';
export type { MissingDataset } from './missing-datasets.ts';

export interface CheckResult {
  summary: CheckSummary;
  missing: SortedList;
  orphan: SortedList;
  sizeMismatch: SortedList;
  unlisted: SortedList;
  empty: SortedList;
  missingDatasets: MissingDataset[];
  /** Removes scratch files; call after the lists are written. */
  dispose(): void;
}

/**
 * One consistency check of one site (SEMANTICS.md): the inventory read before the listing, the
 * listing, the inventory read again after it — each spooled to scratch files split by LFN hash —
 * then judged one partition at a time (check-judge.ts). Memory holds one partition's typed-array
 * tables, never an object per file, so a 100 M-file site is judged in slices. Phases:
 * check-inventory-reads.ts (1 and 3), check-listing.ts (2), judging here (4).
 */
export async function checkSite(input: CheckInput): Promise<CheckResult> {
  const ctx = new CheckContext(input);
  const before = new InventoryBeforeRead(ctx);
  try {
    await before.start();
    const { scan, unlistedDirs } = await listSite(ctx, before);
    const t2 = Date.now();
    ctx.phase = 'inventory-after';
    const after = await readInventoryAfter(ctx, before);
    const t3 = Date.now();
    ctx.summary.timings.inventoryAfter = (t3 - t2) / 1000;

    // Phase 4: judge each partition.
    ctx.phase = 'finalize';
    const { site, lister, summary: s, lists } = ctx;
    const { queued } = before;
    const missingDatasets = new MissingDatasetTally(site.CmsDatasets);
    const judge: JudgeContext = {
      spools: { before: before.spool, scan, after },
      ageCut: ctx.ageCut,
      isIgnored: ctx.isIgnored,
      // ListOrphans false (the seed's --no-orphan): every orphan is held back, counted as protected.
      isProtected: site.ListOrphans ? makeProtectedTest(before.protectedSet) : () => true,
      // An orphan has no inventory dataset: only the CMS LFN convention names one.
      isQueued: (lfn: string, dataset?: string) => queued.size > 0 && queued.has(dataset ?? (site.CmsDatasets ? datasetOfLfn(lfn) : undefined) ?? ''),
      inScope: makeScopeTest(before.tops),
      unlistedDirs,
      lists,
      missingDatasets,
      summary: s,
      checkAbort: () => ctx.checkAbort(),
      utf8Names: lister.utf8Names === true,
      keptOrphanLines: input.keptOrphanLines,
    };
    for (let p = 0; p < ctx.parts; p++) {
      await judgePartition(judge, p);
      ctx.progress();
    }
    s.empty = lists.empty.count;
    s.emptyDirectoriesKnown = !lister.noEmptyDirectories;
    const t4 = Date.now();
    s.timings.finalize = (t4 - t3) / 1000;
    s.timings.total = (t4 - ctx.t0) / 1000;
    s.finishedAt = new Date(t4).toISOString();
    return {
      summary: s,
      ...lists,
      missingDatasets: missingDatasets.collect(),
      dispose: () => ctx.dispose(),
    };
  } catch (err) {
    // The listing stopped because the before-read failed: that failure is the cause to report.
    const cause = before.error !== undefined && !input.signal?.aborted ? before.error : err;
    // A before-read still running is stopped and waited for: its spool is about to be removed.
    ctx.stop.abort(err);
    await before.settled();
    for (const sp of ctx.openSpools) sp.destroy();
    ctx.cp?.close();
    ctx.dispose();
    throw cause;
  }
}
