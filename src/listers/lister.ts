import type { DirEntry } from '../core/entries.ts';
import type { DcError } from '../core/errors.ts';
import type { CredentialSettings } from '../protocols/credentials/credentials-settings.ts';
import type { BackendSite, SiteBasics } from '../protocols/protocol-site.ts';
import type { S3Settings } from '../protocols/s3/s3-settings.ts';
import type { WebdavSettings } from '../protocols/webdav/webdav-settings.ts';
import type { XrootdSettings } from '../protocols/xrootd/xrootd-settings.ts';
import type { CliListerSettings } from './cli-lister-settings.ts';
import type { DumpSettings } from './dump/dump-settings.ts';
import type { ListingPace, Pushback } from '../core/listing-pace.ts';

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
  /**
   * Optional capability (rclone's ListR): the whole tree below `path` in one stream, for backends
   * that list flat (S3 keys, dump files) where one request per directory would be wasteful. The
   * walker uses it instead of `listDir` when present. Contract: every directory at or below `path`
   * comes exactly once, as a complete listing or as unlisted, and only after every directory below
   * it (post-order), so the walker never holds more than the open directories. Empty batches are
   * allowed and count as progress. Throws NOT_FOUND when `path` does not exist.
   * `pace`, when given, is how many requests the stream may keep in flight (`pace.level`, read
   * whenever it would start another) and what it reports each finished request and push-back to.
   */
  listTree?(path: string, signal: AbortSignal, pace?: ListingPace): AsyncIterable<TreeItem[]>;
  /**
   * Optional capability of a `listTree` lister: told every top directory (storage paths) a walk will
   * ask for, before the first `listTree`, so a lister that lists elsewhere (the fleet's sharded
   * lister, src/fleet) can start them all at once instead of one after the other.
   */
  planTrees?(paths: readonly string[]): void;
  /**
   * Optional: what the listing is read from when it is not the storage itself (a dump: its day and
   * where it was fetched from), for the run's log and summary (`listedFrom`). Printable as it is:
   * the lister that sets it leaves no credential in it (src/core/redact-url.ts).
   */
  readonly source?: string;
  /**
   * Optional: a lister of the same site that lists any path itself, for a phase of the run outside
   * the trees this one was planned for (a sharded listing covers only the check's own trees; the
   * unmerged phase lists its area with this). Closed with this lister.
   */
  readonly direct?: Lister;
  /** Optional: a listing done in parts elsewhere (the fleet's shards): how many parts are done, for the check's progress. */
  listingParts?(): ListingParts;
  /**
   * Optional capability: push-back the lister's client absorbed and the walker cannot see (a
   * kXR_wait honoured and retried inside the XRootD client), reported as it happens so the walker
   * lowers the number of listings in flight. Returns the function that stops the reports.
   */
  watchPushback?(listener: (p: Pushback) => void): () => void;
  /**
   * Declared by backends that cannot hold an empty directory (S3): the absence of empty directories
   * in their results says nothing about the storage, and empty-directory reports must not rely on it.
   */
  readonly noEmptyDirectories?: boolean;
  /**
   * Declared by backends whose protocol carries UTF-8 names only (S3 keys): a name that is not
   * UTF-8 cannot be on such a storage, so an inventory holding one is counted as an undecodable
   * name rather than judged missing. Every other backend lists a name's own bytes
   * (src/core/name-bytes.ts).
   */
  readonly utf8Names?: boolean;
  /** Releases connections, processes and file handles. Idempotent. */
  close(): Promise<void>;
}

/** Parts of a listing done elsewhere: finished, failed (their directories unlisted), and all. */
export interface ListingParts {
  done: number;
  failed: number;
  total: number;
}

/** One directory of a `listTree` stream: its complete listing, or the reason it has none. */
export type TreeItem =
  | { type: 'dir'; path: string; mtime: number; entries: DirEntry[] }
  | { type: 'unlisted'; path: string; error: DcError };

/** The site keys listers read: each backend's own, declared in the site schema, and a few general ones. */
export type ListerSiteSettings = SiteBasics &
  CredentialSettings &
  XrootdSettings &
  WebdavSettings &
  S3Settings &
  DumpSettings &
  CliListerSettings;

/**
 * What a lister is built from (src/config's backendSite makes it from a validated site), and the
 * run's stop signal for a lister that works before its first listing (a dump fetched from the site).
 */
export type ListerSettings = BackendSite<ListerSiteSettings> & { signal?: AbortSignal };

export type ListerFactory = (settings: ListerSettings) => Lister | Promise<Lister>;
