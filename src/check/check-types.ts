import type { ListingParts } from '../listers/lister.ts';
import type { ErrorCode } from '../core/errors.ts';
import type { PaceReport } from '../core/listing-pace.ts';
import type { ResumeReport } from './check-checkpoint.ts';

export interface CountAndBytes {
  count: number;
  bytes: number;
}

export interface UnlistedDir {
  lfn: string;
  code: ErrorCode;
  message: string;
  attempts: number;
}

export interface TopReport {
  lfn: string;
  files: number;
  bytes: number;
  unlisted: boolean;
}

/** Numbers of one check; SITE_summary.json holds this plus gates and actions. */
export interface CheckSummary {
  site: string;
  url: string;
  lister: string;
  /** What the listing was read from when not the storage itself (a site's dump: day and URL or file). */
  listedFrom?: string;
  inventoryKind: string;
  startedAt: string;
  finishedAt: string;
  /** Run start in epoch seconds: files newer than now − IgnoreAge are "new". */
  now: number;
  ignoreAgeDays: number;
  /**
   * The site's CmsDatasets: orphans protected by dataset (replica here, IGNORED, transfer, short
   * path). Absent from summaries written by older versions.
   */
  cmsDatasets?: boolean;
  timings: { inventoryBefore: number; listing: number; inventoryAfter: number; finalize: number; total: number };
  tops: TopReport[];
  listing: {
    files: number;
    bytes: number;
    directories: number;
    newFiles: number;
    retries: number;
    /**
     * Listings in flight (src/core/listing-pace.ts): the level at the end, the peak reached, the cap
     * (NumThreads) and the back-offs. Absent from summaries written by older versions.
     */
    inFlight?: PaceReport;
  };
  inventory: { files: number; settled: number; inFlux: number; bytes: number };
  /**
   * The listing's checkpoints (README "Resuming a listing"): times resumed, directories listed per
   * attempt, a checkpoint discarded. Absent when the check did not checkpoint, and in older summaries.
   */
  resume?: ResumeReport;
  missing: CountAndBytes;
  orphan: CountAndBytes;
  sizeMismatch: CountAndBytes;
  empty: number;
  /** False for backends that cannot hold an empty directory (S3): `empty` then says nothing. */
  emptyDirectoriesKnown: boolean;
  unlisted: { count: number; dirs: UnlistedDir[]; settledFilesBelow: number; outsideIgnored: number };
  /**
   * Files held back from a list, by reason (SEMANTICS.md: nothing leaves a list uncounted).
   * Each held-back file is counted once, under the first reason that applies.
   */
  skipped: {
    /** Remote files younger than IgnoreAge that would otherwise be orphans or size mismatches. */
    newFiles: number;
    /** Would-be orphans below a path matching IgnoreDirectories. */
    ignoredOrphans: number;
    /** Would-be orphans of a protected dataset (CmsDatasets only). */
    protectedOrphans: number;
    /** Would-be missing files, size mismatches or orphans of a dataset with a deletion queued at the site. */
    queuedDeletion: number;
    /** Settled before the listing but gone from the inventory, in flux or resized after it: not missing nor size mismatch. */
    leftInventoryDuringRun: number;
    /** Absent before the listing but in the inventory after it: not orphan. */
    joinedInventoryDuringRun: number;
    /** Settled inventory files below RootPath but outside the top directories listed. */
    outsideListedTops: number;
    /**
     * Listed files below a directory that ended unlisted (a tree listing that failed part-way): not
     * judged orphan. Absent from summaries written by older versions.
     */
    listedBelowUnlisted?: number;
    /**
     * Names whose bytes were lost before they reached the tool (U+FFFD or a stray surrogate,
     * src/core/name-bytes.ts isUndecodable), or that the storage's protocol cannot carry (a name
     * that is not UTF-8 on S3): never judged missing or orphan (issue 11 §2). Printed as
     * "undecodable names".
     */
    undecodableNames: number;
  };
}

export type CheckPhase = 'inventory-before' | 'listing' | 'inventory-after' | 'finalize';

export interface CheckProgress {
  phase: CheckPhase;
  dirsListed: number;
  files: number;
  unlisted: number;
  inventoryFiles: number;
  elapsedMs: number;
  /** Listings in flight now, the peak and the cap; absent before the listing starts. */
  inFlight?: PaceReport;
  /** A listing done in parts on other workers (a sharded site): how many parts are done. */
  parts?: ListingParts;
}
