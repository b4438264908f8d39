import type { DirSummary, RemoteFile } from '../core/entries.ts';
import type { ErrorCode } from '../core/errors.ts';
import type { PaceReport } from '../core/listing-pace.ts';

/**
 * What a walk yields, takes and reports: shared by the per-directory walker (walker.ts), the tree
 * walker (tree-walker.ts) and their progress record (walk-progress.ts), which import this module
 * and not each other.
 */
export type WalkEvent =
  /** Files of one directory, as full LFNs. Emitted only once the directory listed completely. */
  | { type: 'files'; dir: string; files: RemoteFile[] }
  /** A directory whose whole subtree is done. Children always come before their parent. */
  | { type: 'dir'; dir: DirSummary }
  /** A directory that still failed after all retries: nothing at or below it is known. */
  | { type: 'unlisted'; lfn: string; code: ErrorCode; message: string; attempts: number };

export interface WalkProgress {
  dirsListed: number;
  dirsQueued: number;
  inFlight: number;
  files: number;
  bytes: number;
  unlisted: number;
  retries: number;
  elapsedMs: number;
  /** The in-flight level: where it is, the highest it reached, its cap, and how often it backed off. */
  pace: PaceReport;
}

export interface WalkOptions {
  /** LFN directories to start from (RootPath, or RootPath/<entry> for each DirectoryList entry). */
  tops: string[];
  /** Prepended to an LFN to get the storage path the lister takes. */
  pathPrefix?: string;
  /** Listings in flight at most (NumThreads): the cap of the adaptive level, or the fixed level. */
  concurrency: number;
  /** false: keep `concurrency` listings in flight throughout instead of adapting (default true). */
  adaptive?: boolean;
  /** Extra attempts after a failed listing (the seed's `Retries`). */
  retries: number;
  /** A listing attempt that yields nothing for this long is abandoned as TIMEOUT. */
  timeoutMs: number;
  /** Pause before a retry, multiplied by the attempt number. */
  retryDelayMs?: number;
  signal?: AbortSignal;
  onProgress?: (p: WalkProgress) => void;
  /** List one directory at a time even when the lister can stream whole trees (`listTree`). */
  perDirectory?: boolean;
  /**
   * A subdirectory (LFN, and its mtime from its parent's listing) for which this returns true is
   * neither listed nor reported: another walk lists it (the fleet's shards, src/fleet). Honoured by
   * the per-directory walk; a walk that uses it passes `perDirectory: true`.
   */
  skipDir?: (lfn: string, mtime: number) => boolean;
}
