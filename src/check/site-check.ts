import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SiteConfig } from '../config/config-loader.ts';
import { escapeName } from '../core/escape.ts';
import { DcError } from '../core/errors.ts';
import { DirectorySet, datasetOfLfn } from '../core/lfn.ts';
import type { Inventory } from '../inventory/inventory.ts';
import type { Lister } from '../listers/lister.ts';
import { walk, type WalkFrontier, type WalkOptions, type WalkProgress } from '../listers/walker.ts';
import { listingFingerprint, ListingCheckpoints, type CheckpointSettings, type JournalRecord } from './check-checkpoint.ts';
import { candidateTops, makeIgnoreTest, makeProtectedTest, makeScopeTest, topOf } from './check-filters.ts';
import { EmptyDirJudge } from './check-empty-dirs.ts';
import { judgePartition, spoolLine } from './check-judge.ts';
import { CheckSpool, RAW_SCRATCH_BYTES, ScratchBudget, type SpoolSegment } from './check-spool.ts';
import type { CheckPhase, CheckProgress, CheckSummary, TopReport, UnlistedDir } from './check-types.ts';
import { hashString, newHash } from '../core/lfn-hash.ts';
import { SortedList } from './sorted-list.ts';
import { MissingDatasetTally, type MissingDataset } from './missing-datasets.ts';

/** Hash partitions of a check: one is judged at a time, so a 100 M-file site is judged ~1.6 M files at a time. */
export const CHECK_PARTITIONS = 64;

export interface CheckInput {
  site: SiteConfig;
  inventory: Inventory;
  lister: Lister;
  /** Run start, epoch seconds. */
  now: number;
  /** Scratch space for spilled lists and orphan candidates. */
  workDir: string;
  signal?: AbortSignal;
  onProgress?: (p: CheckProgress) => void;
  /** Extra pause before a listing retry (tests set it low). */
  retryDelayMs?: number;
  /** Hash partitions judged one at a time (default CHECK_PARTITIONS). */
  partitions?: number;
  /** Listing lines a partition keeps in memory for its orphan pass (tests set it low to read the spool again). */
  keptOrphanLines?: number;
  /** Checkpoint the listing, and take up an earlier attempt's checkpoint (check-checkpoint.ts). */
  checkpoint?: CheckpointSettings;
}

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
 * tables, never an object per file, so a 100 M-file site is judged in slices.
 */
export async function checkSite(input: CheckInput): Promise<CheckResult> {
  const { site, inventory, lister } = input;
  const t0 = Date.now();
  const parts = Math.max(1, input.partitions ?? CHECK_PARTITIONS);
  // A resumed listing keeps its first attempt's start, inventory snapshot and spooled lines.
  const cp = input.checkpoint && ListingCheckpoints.open(input.checkpoint, listingFingerprint(site, lister.kind, parts, input.checkpoint.fingerprintExtra), new Date(input.now * 1000).toISOString());
  const resumed = cp?.resumed;
  const now = resumed?.now ?? input.now;
  const ageCut = now - site.IgnoreAge * 86400;
  const root = site.RootPath.replace(/\/+$/, '') || '/';
  const isIgnored = makeIgnoreTest(site.IgnoreDirectories);
  mkdirSync(input.workDir, { recursive: true });
  const scratch = mkdtempSync(join(input.workDir, '.check-'));
  const lists = {
    missing: new SortedList({ tmpRoot: scratch }),
    orphan: new SortedList({ tmpRoot: scratch }),
    sizeMismatch: new SortedList({ tmpRoot: scratch }),
    unlisted: new SortedList({ tmpRoot: scratch }),
    empty: new SortedList({ tmpRoot: scratch, descending: true }),
  };
  const dispose = () => {
    for (const l of Object.values(lists)) l.dispose();
    rmSync(scratch, { recursive: true, force: true });
  };
  const s = emptySummary({ ...input, now }, lister.kind, inventory.kind);
  let phase: CheckPhase = 'inventory-before';
  let walkProgress: WalkProgress | undefined;
  let inventoryProgress = 0;
  const openSpools: CheckSpool[] = [];
  const progress = () =>
    input.onProgress?.({
      phase,
      dirsListed: walkProgress?.dirsListed ?? 0,
      files: walkProgress?.files ?? 0,
      unlisted: walkProgress?.unlisted ?? 0,
      inventoryFiles: inventoryProgress || s.inventory.files,
      elapsedMs: Date.now() - t0,
      inFlight: walkProgress?.pace,
      ...(lister.listingParts ? { parts: lister.listingParts() } : {}),
    });
  const checkAbort = () => {
    if (input.signal?.aborted) throw new DcError('ABORTED', `check of ${site.name} stopped`);
  };

  // Stops the listing when the before-read fails and the before-read when the listing fails.
  const stop = new AbortController();
  const signal = input.signal ? AbortSignal.any([input.signal, stop.signal]) : stop.signal;
  let beforeRead: Promise<void> | undefined;
  let beforeError: unknown;
  try {
    // Dataset protection is CMS's convention (the seed's --cms): without CmsDatasets no orphan is
    // protected by dataset, whatever the inventory knows.
    const protectedSet = resumed ? (resumed.protectedDatasets ? new Set(resumed.protectedDatasets) : undefined) : site.CmsDatasets ? await inventory.collectProtectedDatasets(site.name) : undefined;
    const queued = new Set(resumed?.queuedDeletions ?? (await inventory.collectQueuedDeletions(site.name)));
    const budget = new ScratchBudget(resumed?.rawBytesLeft ?? RAW_SCRATCH_BYTES);
    // The before and listing spools of a checkpointed check live in its checkpoint directory.
    const spool = (name: string, prior?: SpoolSegment[][]) => {
      const sp = cp && prior !== undefined ? new CheckSpool(cp.dir, `${name}-${cp.tag}`, parts, budget, prior) : new CheckSpool(scratch, name, parts, budget);
      openSpools.push(sp);
      return sp;
    };

    // Phase 1: the inventory before the listing, spooled by hash partition. From an inventory that
    // reads a consistent snapshot it runs beside the listing: the listing starts once the snapshot
    // is fixed, so the content is the inventory at the listing's start (SEMANTICS.md, race
    // safety). Otherwise, and when the inventory decides which tops are listed, it runs first.
    const before = spool('before', resumed ? resumed.before : cp && []);
    // A checkpoint is written only once the before-read is complete: a resumed check reads it back.
    let beforeDone = resumed !== undefined;
    const queuedAtStart = [...queued];
    const inventoryTops = new Set<string>();
    const needTops = site.ListOnlyInventoryDirs && site.DirectoryList.length > 0;
    const overlap = inventory.snapshotReads === true && !needTops;
    let snapshotFixed: () => void = () => undefined;
    const snapshot = new Promise<void>((resolve) => (snapshotFixed = resolve));
    const readBefore = async () => {
      const h = newHash();
      let inventoryRows = 0;
      for await (const batch of inventory.streamFiles(site.name, signal, { onSnapshot: snapshotFixed, withDatasets: false })) {
        checkAbort();
        for (const f of batch) {
          hashString(f.lfn, h);
          const w = before.writeHashed(h[1] % parts, h, spoolLine.before(f.settled, f.size));
          if (w) await w;
          if (needTops) {
            const top = topOf(root, f.lfn);
            if (top) inventoryTops.add(top);
          }
        }
        inventoryRows += batch.length;
        inventoryProgress = inventoryRows;
        progress();
      }
      await before.close();
      beforeDone = true;
      s.timings.inventoryBefore = (Date.now() - t0) / 1000;
    };
    if (resumed) {
      // The inventory before the listing is the first attempt's (SEMANTICS.md, race safety).
    } else if (overlap) {
      beforeRead = readBefore();
      // A failed read stops the listing; the error itself is rethrown where the read is awaited.
      beforeRead.catch((err: unknown) => {
        beforeError ??= err;
        stop.abort(err);
      });
      // A read that ends (an unknown site) or fails before fixing its snapshot also lets this go on.
      await Promise.race([snapshot, beforeRead]);
    } else await readBefore();
    const t1 = Date.now();

    // Which top directories to list.
    let tops = resumed?.tops ?? candidateTops(site);
    if (needTops && !resumed) tops = tops.filter((t) => inventoryTops.has(t));

    // Phase 2: the listing, spooled; directories and failures are judged as they come.
    phase = 'listing';
    const unlistedDirs = new DirectorySet();
    const unlistedInfo: UnlistedDir[] = [];
    const topReports = new Map<string, TopReport>();
    const emptyDirs = new EmptyDirJudge(ageCut, isIgnored);
    const scan = spool('scan', resumed ? resumed.scan : cp && []);
    const h = newHash();
    /** A directory event as judged; kept in the checkpoint's journal when `live`. */
    const apply = (r: JournalRecord, live: boolean) => {
      if (r.kind === 'top') topReports.set(r.lfn, { lfn: r.lfn, files: r.files, bytes: r.bytes, unlisted: r.unlisted });
      else if (r.kind === 'empty') lists.empty.add(r.lfn);
      else {
        unlistedDirs.add(r.lfn);
        unlistedInfo.push({ lfn: r.lfn, code: r.code, message: r.message, attempts: r.attempts });
        lists.unlisted.add(r.lfn);
        if (!isIgnored(r.lfn)) s.unlisted.outsideIgnored++;
      }
      if (live) cp?.record(r);
    };
    if (resumed) {
      for (const r of cp.journaled) apply(r, false);
      const c = resumed.counters;
      Object.assign(s.listing, { files: c.files, bytes: c.bytes, newFiles: c.newFiles, directories: c.directories });
      emptyDirs.restore(resumed.emptyPending);
    }
    const checkpointState = (frontier: WalkFrontier | null) => () => ({
      now,
      tops,
      partitions: parts,
      protectedDatasets: protectedSet ? [...protectedSet] : null,
      queuedDeletions: queuedAtStart,
      rawBytesLeft: budget.rawBytesLeft,
      counters: { files: s.listing.files, bytes: s.listing.bytes, newFiles: s.listing.newFiles, directories: s.listing.directories, retries: (resumed?.counters.retries ?? 0) + (walkProgress?.retries ?? 0) },
      emptyPending: emptyDirs.pending(),
      frontier,
    });
    const walkOpts: WalkOptions = {
      tops,
      pathPrefix: site.PathPrefix,
      concurrency: site.NumThreads,
      retries: site.Retries,
      timeoutMs: site.Timeout * 1000,
      retryDelayMs: input.retryDelayMs,
      signal,
      onProgress: (p) => {
        walkProgress = p;
        progress();
      },
      resumeFrom: resumed?.frontier ?? undefined,
    };
    const events = cp ? walk(lister, { ...walkOpts, checkpoint: { everyDirs: cp.settings.everyDirs, everyMs: cp.settings.everySeconds * 1000 } }) : walk(lister, walkOpts);
    // A checkpoint of a complete listing leaves nothing to list.
    if (resumed?.frontier !== null) for await (const ev of events) {
      if (ev.type === 'files') {
        for (const f of ev.files) {
          s.listing.files++;
          s.listing.bytes += f.size;
          if (f.mtime > ageCut) s.listing.newFiles++;
          hashString(f.lfn, h);
          const w = scan.writeHashed(h[1] % parts, h, spoolLine.scan(f.size, f.mtime, escapeName(f.lfn)));
          if (w) await w;
        }
      } else if (ev.type === 'dir') {
        const d = ev.dir;
        s.listing.directories++;
        if (d.isTop) apply({ kind: 'top', lfn: d.lfn, files: d.files, bytes: d.bytes, unlisted: d.unlistedBelow && unlistedDirs.has(d.lfn) }, true);
        if (emptyDirs.isEmpty(d)) apply({ kind: 'empty', lfn: d.lfn }, true);
      } else if (ev.type === 'unlisted') {
        apply({ kind: 'unlisted', lfn: ev.lfn, code: ev.code, message: ev.message, attempts: ev.attempts }, true);
      } else if (cp && beforeDone && !signal.aborted) {
        await cp.save({ before, scan }, checkpointState(ev.frontier), ev.frontier.dirsListed);
      }
    }
    await scan.close();
    s.listing.retries = (resumed?.counters.retries ?? 0) + (walkProgress?.retries ?? 0);
    if (walkProgress) s.listing.inFlight = walkProgress.pace;
    s.unlisted.count = unlistedInfo.length;
    s.unlisted.dirs = unlistedInfo.sort((a, b) => (a.lfn < b.lfn ? -1 : 1));
    s.tops = tops.map((t) => topReports.get(t) ?? { lfn: t, files: 0, bytes: 0, unlisted: true });
    for (const t of s.tops) if (unlistedDirs.has(t.lfn)) t.unlisted = true;
    s.timings.listing = (Date.now() - t1) / 1000;
    await beforeRead;
    // A walk stopped by the signal can end without an error (its listings in flight just return):
    // it must never pass for a complete listing, least of all in a checkpoint.
    if (signal.aborted) throw new DcError('ABORTED', `check of ${site.name} stopped`);
    if (cp) {
      // The listing is complete: a run that dies from here on resumes with the inventory read after it.
      if (resumed?.frontier !== null) await cp.save({ before, scan }, checkpointState(null), walkProgress?.dirsListed ?? 0);
      cp.close();
      s.resume = cp.report(walkProgress?.dirsListed ?? 0);
    }
    const t2 = Date.now();

    // Phase 3: the inventory after the listing, spooled. Protection and queued deletions are read
    // again: one that began during a long listing counts.
    phase = 'inventory-after';
    for (const d of await inventory.collectQueuedDeletions(site.name)) queued.add(d);
    const protectedAfter = site.CmsDatasets ? await inventory.collectProtectedDatasets(site.name) : undefined;
    if (protectedSet && protectedAfter) for (const d of protectedAfter) protectedSet.add(d);
    const after = spool('after');
    // The after-read starts only now, the listing ended; a before-read still running ends first
    // on SQLite (one connection), beside it on server engines.
    for await (const batch of inventory.streamFiles(site.name, signal)) {
      checkAbort();
      for (const f of batch) {
        hashString(f.lfn, h);
        const w = after.writeHashed(h[1] % parts, h, spoolLine.after(f.settled, f.size, escapeName(f.dataset ?? ''), escapeName(f.block ?? ''), escapeName(f.lfn)));
        if (w) await w;
      }
      progress();
    }
    await after.close();
    const t3 = Date.now();
    s.timings.inventoryAfter = (t3 - t2) / 1000;

    // Phase 4: judge each partition.
    phase = 'finalize';
    const missingDatasets = new MissingDatasetTally(site.CmsDatasets);
    const ctx = {
      spools: { before, scan, after },
      ageCut,
      isIgnored,
      // ListOrphans false (the seed's --no-orphan): every orphan is held back, counted as protected.
      isProtected: site.ListOrphans ? makeProtectedTest(protectedSet) : () => true,
      // An orphan has no inventory dataset: only the CMS LFN convention names one.
      isQueued: (lfn: string, dataset?: string) => queued.size > 0 && queued.has(dataset ?? (site.CmsDatasets ? datasetOfLfn(lfn) : undefined) ?? ''),
      inScope: makeScopeTest(tops),
      unlistedDirs,
      lists,
      missingDatasets,
      summary: s,
      checkAbort,
      utf8Names: lister.utf8Names === true,
      keptOrphanLines: input.keptOrphanLines,
    };
    for (let p = 0; p < parts; p++) {
      await judgePartition(ctx, p);
      progress();
    }
    s.empty = lists.empty.count;
    s.emptyDirectoriesKnown = !lister.noEmptyDirectories;
    const t4 = Date.now();
    s.timings.finalize = (t4 - t3) / 1000;
    s.timings.total = (t4 - t0) / 1000;
    s.finishedAt = new Date(t4).toISOString();
    return {
      summary: s,
      ...lists,
      missingDatasets: missingDatasets.collect(),
      dispose,
    };
  } catch (err) {
    // The listing stopped because the before-read failed: that failure is the cause to report.
    const cause = beforeError !== undefined && !input.signal?.aborted ? beforeError : err;
    // A before-read still running is stopped and waited for: its spool is about to be removed.
    stop.abort(err);
    await beforeRead?.catch(() => undefined);
    for (const sp of openSpools) sp.destroy();
    cp?.close();
    dispose();
    throw cause;
  }
}

function emptySummary(input: CheckInput, listerKind: string, inventoryKind: string): CheckSummary {
  return {
    site: input.site.name,
    url: input.site.Url,
    lister: listerKind,
    inventoryKind,
    startedAt: new Date(input.now * 1000).toISOString(),
    finishedAt: '',
    now: input.now,
    ignoreAgeDays: input.site.IgnoreAge,
    cmsDatasets: input.site.CmsDatasets,
    timings: { inventoryBefore: 0, listing: 0, inventoryAfter: 0, finalize: 0, total: 0 },
    tops: [],
    listing: { files: 0, bytes: 0, directories: 0, newFiles: 0, retries: 0 },
    inventory: { files: 0, settled: 0, inFlux: 0, bytes: 0 },
    missing: { count: 0, bytes: 0 },
    orphan: { count: 0, bytes: 0 },
    sizeMismatch: { count: 0, bytes: 0 },
    empty: 0,
    emptyDirectoriesKnown: true,
    unlisted: { count: 0, dirs: [], settledFilesBelow: 0, outsideIgnored: 0 },
    skipped: { newFiles: 0, ignoredOrphans: 0, protectedOrphans: 0, queuedDeletion: 0, leftInventoryDuringRun: 0, joinedInventoryDuringRun: 0, outsideListedTops: 0, listedBelowUnlisted: 0, undecodableNames: 0 },
  };
}
