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

/**
 * Yielded only by a walk given `checkpoint`: what is left to list, consistent with the events
 * yielded before it (every event yielded earlier is accounted for in it, none yielded later is).
 * Resuming a walk from it with `resumeFrom` yields exactly the events that would have come after it.
 */
export interface WalkCheckpointEvent {
  type: 'checkpoint';
  frontier: WalkFrontier;
}

/** Options of a walk that checkpoints (its events include WalkCheckpointEvent). */
export type CheckpointedWalkOptions = Omit<WalkOptions, 'checkpoint'> & {
  /** Yield a checkpoint event after this many directories listed or this many ms, whichever first. */
  checkpoint: { everyDirs: number; everyMs: number };
};

/** What a walk knows of one open directory, in the walk (WalkNode) and in its checkpoints (FrontierNode). */
export interface OpenDirectory {
  lfn: string;
  mtime: number;
  /** Subdirectories not closed yet, plus one while its own listing is outstanding. */
  pending: number;
  files: number;
  bytes: number;
  newestMtime: number;
  unlistedBelow: boolean;
  isTop: boolean;
}

/** One directory of a walk's frontier: listed and waiting for its subdirectories, or not listed yet. */
export interface FrontierNode extends OpenDirectory {
  /** Index of the parent in `nodes` (always before this one), -1 for a top. */
  parent: number;
  /** False: its own listing is still to do (it was queued or in flight). */
  listed: boolean;
}

/**
 * Where a walk stands (walk-frontier.ts). The per-directory walker keeps the open part of the tree;
 * the tree walker, which lists a top in one stream, keeps the tops it finished.
 */
export type WalkFrontier =
  | { kind: 'dirs'; nodes: FrontierNode[]; dirsListed: number }
  | { kind: 'tops'; done: string[]; dirsListed: number };

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
   * Directories (LFNs, with the mtime their parent's listing gave) not to list at all: they get no
   * event and their parent is closed without them — another walk lists them (the fleet's shards,
   * src/fleet), or they are ignored (the unmerged phase's IgnoreDirectories). Honoured by the
   * per-directory walk; a tree stream (`listTree`) cannot leave them out, so callers that cannot pass
   * `perDirectory: true` also drop the events below them.
   */
  skipDir?: (lfn: string, mtime: number) => boolean;
  /** Only in CheckpointedWalkOptions (whose walk yields checkpoint events). */
  checkpoint?: never;
  /** Continue a walk from a checkpoint's frontier instead of starting at `tops`. */
  resumeFrom?: WalkFrontier;
}
