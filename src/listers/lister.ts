import type { DirEntry } from '../core/entries.ts';

/**
 * The one interface every storage backend implements (rclone's `fs.Lister` in spirit).
 *
 * Paths are *storage paths*: absolute, "/"-separated, no trailing slash, already carrying the
 * site's PathPrefix (`PathPrefix + LFN`). The lister is bound to the site's URL at construction,
 * so `listDir('/cms/store/mc')` on `root://host:1094/` lists `root://host:1094//cms/store/mc`.
 */
export interface Lister {
  /** Backend name as used in logs and the conformance suite ("posix", "xrootd", …). */
  readonly kind: string;
  /**
   * Lists one directory, not recursing. Yields batches (a huge directory may come in many).
   * Must stop promptly and throw `DcError('ABORTED')` when `signal` aborts.
   * Fails with a `DcError`: NOT_FOUND for a missing path, PERMISSION when refused,
   * TIMEOUT/IO/PROTOCOL for failures worth retrying.
   */
  listDir(path: string, signal: AbortSignal): AsyncIterable<DirEntry[]>;
  /** Optional capability: stat one path (existence checks, a top directory's own mtime). */
  stat?(path: string, signal: AbortSignal): Promise<DirEntry>;
  /** Releases connections, processes and file handles. Idempotent. */
  close(): Promise<void>;
}

/** Site-level settings a lister factory may need; taken from the validated site config. */
export interface ListerSettings {
  url: string;
  /** Requests in flight against the site (NumThreads). */
  concurrency: number;
  /** Seconds before one request is abandoned (Timeout). */
  timeoutSeconds: number;
  /** The whole site configuration, for backend-specific keys (tokens, CA dirs, redirectors). */
  site: Readonly<Record<string, unknown>>;
}

export type ListerFactory = (settings: ListerSettings) => Lister | Promise<Lister>;
