import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SiteConfig } from '../config/config-loader.ts';
import { DcError } from '../core/errors.ts';
import type { Inventory } from '../inventory/inventory.ts';
import type { Lister } from '../listers/lister.ts';
import type { WalkProgress } from '../listers/walker.ts';
import { listingFingerprint, ListingCheckpoints, type CheckpointBody, type CheckpointSettings } from './check-checkpoint.ts';
import { makeIgnoreTest } from './check-filters.ts';
import { CheckSpool, RAW_SCRATCH_BYTES, ScratchBudget, type SpoolSegment } from './check-spool.ts';
import type { CheckPhase, CheckProgress, CheckSummary } from './check-types.ts';
import { SortedList } from './sorted-list.ts';

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

/** The lists a check writes, each sorted and spilled to scratch. */
export interface CheckLists {
  missing: SortedList;
  orphan: SortedList;
  sizeMismatch: SortedList;
  unlisted: SortedList;
  /** Children before parents. */
  empty: SortedList;
}

/**
 * What the phases of one check share (site-check.ts): its settings, its start (a resumed
 * listing's first attempt's), the checkpoint taken up, the scratch directory with its spools and
 * lists, the summary being filled, the progress reports and the signal that stops it all.
 */
export class CheckContext {
  readonly input: CheckInput;
  readonly site: SiteConfig;
  readonly inventory: Inventory;
  readonly lister: Lister;
  readonly t0 = Date.now();
  readonly parts: number;
  readonly cp: ListingCheckpoints | undefined;
  /** The checkpoint taken up: a resumed listing keeps its first attempt's start, inventory snapshot and spooled lines. */
  readonly resumed: CheckpointBody | undefined;
  readonly now: number;
  /** A remote file or directory with a later mtime is new (SEMANTICS.md). */
  readonly ageCut: number;
  readonly root: string;
  readonly isIgnored: (path: string) => boolean;
  readonly scratch: string;
  readonly lists: CheckLists;
  readonly summary: CheckSummary;
  readonly budget: ScratchBudget;
  /** Every spool made, destroyed when the check fails. */
  readonly openSpools: CheckSpool[] = [];
  /** Stops the listing when the before-read fails and the before-read when the listing fails. */
  readonly stop = new AbortController();
  /** The caller's signal and `stop`. */
  readonly signal: AbortSignal;
  phase: CheckPhase = 'inventory-before';
  walkProgress: WalkProgress | undefined;
  inventoryRows = 0;

  constructor(input: CheckInput) {
    const { site, lister } = input;
    this.input = input;
    this.site = site;
    this.inventory = input.inventory;
    this.lister = lister;
    this.parts = Math.max(1, input.partitions ?? CHECK_PARTITIONS);
    this.cp = input.checkpoint && ListingCheckpoints.open(input.checkpoint, listingFingerprint(site, lister.kind, this.parts, input.checkpoint.fingerprintExtra), new Date(input.now * 1000).toISOString());
    this.resumed = this.cp?.resumed;
    this.now = this.resumed?.now ?? input.now;
    this.ageCut = this.now - site.IgnoreAge * 86400;
    this.root = site.RootPath.replace(/\/+$/, '') || '/';
    this.isIgnored = makeIgnoreTest(site.IgnoreDirectories);
    mkdirSync(input.workDir, { recursive: true });
    this.scratch = mkdtempSync(join(input.workDir, '.check-'));
    this.lists = {
      missing: new SortedList({ tmpRoot: this.scratch }),
      orphan: new SortedList({ tmpRoot: this.scratch }),
      sizeMismatch: new SortedList({ tmpRoot: this.scratch }),
      unlisted: new SortedList({ tmpRoot: this.scratch }),
      empty: new SortedList({ tmpRoot: this.scratch, descending: true }),
    };
    this.summary = emptySummary({ ...input, now: this.now }, lister.kind, input.inventory.kind);
    this.budget = new ScratchBudget(this.resumed?.rawBytesLeft ?? RAW_SCRATCH_BYTES);
    this.signal = input.signal ? AbortSignal.any([input.signal, this.stop.signal]) : this.stop.signal;
  }

  progress(): void {
    const w = this.walkProgress;
    this.input.onProgress?.({
      phase: this.phase,
      dirsListed: w?.dirsListed ?? 0,
      files: w?.files ?? 0,
      unlisted: w?.unlisted ?? 0,
      inventoryFiles: this.inventoryRows || this.summary.inventory.files,
      elapsedMs: Date.now() - this.t0,
      inFlight: w?.pace,
      ...(this.lister.listingParts ? { parts: this.lister.listingParts() } : {}),
    });
  }

  checkAbort(): void {
    if (this.input.signal?.aborted) throw new DcError('ABORTED', `check of ${this.site.name} stopped`);
  }

  /**
   * A new spool of the check's partitions. With `prior` (a checkpointed check's before and
   * listing spools), it lives in the checkpoint directory and reads those segments first.
   */
  spool(name: string, prior?: SpoolSegment[][]): CheckSpool {
    const cp = this.cp;
    const sp = cp && prior !== undefined ? new CheckSpool(cp.dir, `${name}-${cp.tag}`, this.parts, this.budget, prior) : new CheckSpool(this.scratch, name, this.parts, this.budget);
    this.openSpools.push(sp);
    return sp;
  }

  /** Removes the lists and the scratch directory. */
  dispose(): void {
    for (const l of Object.values(this.lists)) l.dispose();
    rmSync(this.scratch, { recursive: true, force: true });
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
