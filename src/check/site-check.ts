import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { SiteConfig } from '../config/config-loader.ts';
import { escapeName, unescapeName } from '../core/escape.ts';
import { DcError } from '../core/errors.ts';
import { DirectorySet, datasetOfLfn } from '../core/lfn.ts';
import type { Inventory } from '../inventory/inventory.ts';
import type { Lister } from '../listers/lister.ts';
import { walk, type WalkProgress } from '../listers/walker.ts';
import { candidateTops, makeIgnoreTest, makeProtectedTest, makeScopeTest, topOf } from './check-filters.ts';
import type { CheckPhase, CheckProgress, CheckSummary, TopReport, UnlistedDir } from './check-types.ts';
import { HashTable } from './hash-table.ts';
import { hashString, newHash } from './lfn-hash.ts';
import { SortedList } from './sorted-list.ts';
import { MissingDatasetTally, type MissingDataset } from './missing-datasets.ts';

// Flag bits of the inventory table.
const SETTLED_BEFORE = 1;
const SEEN = 2;
const IN_AFTER = 4;
const SETTLED_AFTER = 8;
const QUEUED = 16;
const MISMATCH = 32;
const DONE = 64; // reported already (guards against duplicate LFNs in a dump)
const FLUX_BEFORE = 128;

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
 * One consistency check of one site (SEMANTICS.md): inventory read before the listing, the
 * listing, the inventory read again after it. Memory holds typed-array tables keyed by LFN hash,
 * never an object per file; orphan candidates wait in a scratch file.
 */
export async function checkSite(input: CheckInput): Promise<CheckResult> {
  const { site, inventory, lister, now } = input;
  const t0 = Date.now();
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
  const s = emptySummary(input, lister.kind, inventory.kind);
  let phase: CheckPhase = 'inventory-before';
  let walkProgress: WalkProgress | undefined;
  const progress = () =>
    input.onProgress?.({
      phase,
      dirsListed: walkProgress?.dirsListed ?? 0,
      files: walkProgress?.files ?? 0,
      unlisted: walkProgress?.unlisted ?? 0,
      inventoryFiles: s.inventory.files,
      elapsedMs: Date.now() - t0,
    });
  const checkAbort = () => {
    if (input.signal?.aborted) throw new DcError('ABORTED', `check of ${site.name} stopped`);
  };

  try {
    // Phase 1: inventory before the listing.
    const protectedSet = await inventory.collectProtectedDatasets(site.name);
    const queued = new Set(await inventory.collectQueuedDeletions(site.name));
    const isProtected = makeProtectedTest(protectedSet);
    const isQueued = (lfn: string, dataset?: string) => queued.size > 0 && queued.has(dataset ?? datasetOfLfn(lfn) ?? '');
    const table = new HashTable(1 << 15, { size: 'f64' });
    const h = newHash();
    const inventoryTops = new Set<string>();
    for await (const batch of inventory.streamFiles(site.name, input.signal)) {
      checkAbort();
      for (const f of batch) {
        hashString(f.lfn, h);
        const slot = table.upsert(h);
        if (table.lastWasNew) {
          table.cols.size[slot] = f.size;
          s.inventory.files++;
          s.inventory.bytes += f.size;
          if (f.settled) s.inventory.settled++;
          else s.inventory.inFlux++;
        }
        table.setFlags(slot, f.settled ? SETTLED_BEFORE : FLUX_BEFORE);
        if (isQueued(f.lfn, f.dataset)) table.setFlags(slot, QUEUED);
        const top = topOf(root, f.lfn);
        if (top) inventoryTops.add(top);
      }
      progress();
    }
    const t1 = Date.now();
    s.timings.inventoryBefore = (t1 - t0) / 1000;

    // Which top directories to list.
    let tops = candidateTops(site);
    if (site.ListOnlyInventoryDirs && site.DirectoryList.length > 0) tops = tops.filter((t) => inventoryTops.has(t));
    const inScope = makeScopeTest(tops);

    // Phase 2: the listing.
    phase = 'listing';
    const unlistedDirs = new DirectorySet();
    const unlistedInfo: UnlistedDir[] = [];
    const candidates = new HashTable(1 << 15, { size: 'f64' });
    const candidatePath = join(scratch, 'orphan-candidates');
    const candidateOut = createWriteStream(candidatePath, { highWaterMark: 1 << 20 });
    const mismatchCandidates = new Map<string, number>();
    const topReports = new Map<string, TopReport>();
    for await (const ev of walk(lister, {
      tops,
      pathPrefix: site.PathPrefix,
      concurrency: site.NumThreads,
      retries: site.Retries,
      timeoutMs: site.Timeout * 1000,
      retryDelayMs: input.retryDelayMs,
      signal: input.signal,
      onProgress: (p) => {
        walkProgress = p;
        progress();
      },
    })) {
      if (ev.type === 'files') {
        let chunk = '';
        for (const f of ev.files) {
          s.listing.files++;
          s.listing.bytes += f.size;
          const isNew = f.mtime > ageCut;
          if (isNew) s.listing.newFiles++;
          hashString(f.lfn, h);
          const slot = table.find(h);
          if (slot >= 0) {
            table.setFlags(slot, SEEN);
            const flags = table.flags(slot);
            if (!isNew && flags & SETTLED_BEFORE && table.cols.size[slot] !== f.size) {
              table.setFlags(slot, MISMATCH);
              mismatchCandidates.set(f.lfn, f.size);
            }
          } else if (isNew) {
            s.skipped.newFiles++;
          } else if (isIgnored(f.lfn)) {
            s.skipped.ignoredOrphans++;
          } else {
            const c = candidates.upsert(h);
            if (candidates.lastWasNew) {
              candidates.cols.size[c] = f.size;
              chunk += `${f.size}\t${escapeName(f.lfn)}\n`;
            }
          }
        }
        if (chunk && !candidateOut.write(chunk)) await once(candidateOut, 'drain');
      } else if (ev.type === 'dir') {
        const d = ev.dir;
        s.listing.directories++;
        if (d.isTop) topReports.set(d.lfn, { lfn: d.lfn, files: d.files, bytes: d.bytes, unlisted: d.unlistedBelow && unlistedDirs.has(d.lfn) });
        else if (d.files === 0 && !d.unlistedBelow && d.newestMtime <= ageCut && !isIgnored(d.lfn)) lists.empty.add(d.lfn);
      } else {
        unlistedDirs.add(ev.lfn);
        unlistedInfo.push({ lfn: ev.lfn, code: ev.code, message: ev.message, attempts: ev.attempts });
        lists.unlisted.add(ev.lfn);
        if (!isIgnored(ev.lfn)) s.unlisted.outsideIgnored++;
      }
    }
    candidateOut.end();
    await once(candidateOut, 'close');
    s.listing.retries = walkProgress?.retries ?? 0;
    s.unlisted.count = unlistedInfo.length;
    s.unlisted.dirs = unlistedInfo.sort((a, b) => (a.lfn < b.lfn ? -1 : 1));
    s.tops = tops.map((t) => topReports.get(t) ?? { lfn: t, files: 0, bytes: 0, unlisted: true });
    for (const t of s.tops) if (unlistedDirs.has(t.lfn)) t.unlisted = true;
    const t2 = Date.now();
    s.timings.listing = (t2 - t1) / 1000;

    // Phase 3: inventory after the listing; decides missing files and late inventory arrivals.
    // Protection and queued deletions are read again: one that began during a long listing counts.
    phase = 'inventory-after';
    for (const d of await inventory.collectQueuedDeletions(site.name)) queued.add(d);
    const protectedAfter = await inventory.collectProtectedDatasets(site.name);
    if (protectedSet && protectedAfter) for (const d of protectedAfter) protectedSet.add(d);
    const missingDatasets = new MissingDatasetTally();
    for await (const batch of inventory.streamFiles(site.name, input.signal)) {
      checkAbort();
      for (const f of batch) {
        hashString(f.lfn, h);
        const c = candidates.find(h);
        if (c >= 0) candidates.setFlags(c, IN_AFTER);
        const slot = table.find(h);
        if (slot < 0) continue;
        const flags = table.flags(slot);
        if (flags & DONE) continue;
        table.setFlags(slot, DONE | IN_AFTER | (f.settled ? SETTLED_AFTER : 0));
        if (!(flags & SETTLED_BEFORE) || flags & FLUX_BEFORE) continue;
        if (!inScope(f.lfn)) {
          s.skipped.outsideListedTops++;
          continue;
        }
        if (unlistedDirs.covers(f.lfn)) {
          s.unlisted.settledFilesBelow++;
          continue;
        }
        if (!f.settled) {
          if (!(flags & SEEN)) s.skipped.leftInventoryDuringRun++;
          continue;
        }
        const reportable = !(flags & SEEN) || flags & MISMATCH;
        if (reportable && (flags & QUEUED || isQueued(f.lfn, f.dataset))) {
          s.skipped.queuedDeletion++;
          continue;
        }
        if (!(flags & SEEN)) {
          lists.missing.add(f.lfn, f.size);
          s.missing.count++;
          s.missing.bytes += f.size;
          missingDatasets.add(f);
        } else if (flags & MISMATCH) {
          const remoteSize = mismatchCandidates.get(f.lfn);
          if (remoteSize !== undefined && remoteSize !== f.size) {
            lists.sizeMismatch.add(f.lfn, remoteSize);
            s.sizeMismatch.count++;
            s.sizeMismatch.bytes += f.size;
          }
        }
      }
      progress();
    }
    // Settled before, absent after: left the inventory while we listed.
    table.forEach((_slot, flags) => {
      if (flags & SETTLED_BEFORE && !(flags & IN_AFTER) && !(flags & SEEN)) s.skipped.leftInventoryDuringRun++;
    });
    const t3 = Date.now();
    s.timings.inventoryAfter = (t3 - t2) / 1000;

    // Phase 4: orphans are candidates absent from the inventory after the listing too.
    phase = 'finalize';
    const rl = createInterface({ input: createReadStream(candidatePath), crlfDelay: Infinity });
    for await (const line of rl) {
      const tab = line.indexOf('\t');
      const size = Number(line.slice(0, tab));
      const lfn = unescapeName(line.slice(tab + 1));
      hashString(lfn, h);
      const c = candidates.find(h);
      if (c >= 0 && candidates.flags(c) & IN_AFTER) {
        s.skipped.joinedInventoryDuringRun++;
        continue;
      }
      if (unlistedDirs.covers(lfn)) continue;
      if (isQueued(lfn)) {
        s.skipped.queuedDeletion++;
        continue;
      }
      if (isProtected(lfn)) {
        s.skipped.protectedOrphans++;
        continue;
      }
      lists.orphan.add(lfn, size);
      s.orphan.count++;
      s.orphan.bytes += size;
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
    dispose();
    throw err;
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
    skipped: { newFiles: 0, ignoredOrphans: 0, protectedOrphans: 0, queuedDeletion: 0, leftInventoryDuringRun: 0, joinedInventoryDuringRun: 0, outsideListedTops: 0 },
  };
}
