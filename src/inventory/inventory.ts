import type { InventoryFile } from '../core/entries.ts';

/** Options of one `streamFiles` read. */
export interface StreamFilesOptions {
  /**
   * Called once, before the first batch, when the read's content is fixed (see
   * Inventory.snapshotReads): from then on, writes to the inventory no longer change what the
   * read yields. Inventories without that capability never call it.
   */
  onSnapshot?: () => void;
  /**
   * False: the files' `dataset` and `block` may be left out (a check's "before" read needs
   * neither; leaving them saves reading two names per file). Default true.
   */
  withDatasets?: boolean;
}

/**
 * What the data-management system believes is at a site. One implementation per source
 * (SQL engines, dumps); all of them pass test/conformance/inventory-suite.
 */
export interface Inventory {
  /** Backend name for logs ("sqlite", "mysql", "postgres", "dump"). */
  readonly kind: string;
  /**
   * Optional capability: `streamFiles` reads one read-consistent snapshot (a repeatable-read
   * transaction) and calls `onSnapshot` as soon as it is fixed. A check then reads its "before"
   * inventory while the listing runs: the content is the inventory at the listing's start
   * (SEMANTICS.md, race safety), however long the reading takes.
   */
  readonly snapshotReads?: boolean;
  /**
   * Streams every file the inventory places at `site`, settled or in flux, in batches.
   * Rows come from a cursor: a 10 M-file site is never one result set in memory.
   */
  streamFiles(site: string, signal?: AbortSignal, opts?: StreamFilesOptions): AsyncIterable<InventoryFile[]>;
  /**
   * Datasets whose files must never be reported orphan at the site (replicated there, IGNORED,
   * or with a pending transfer to it). Undefined when the backend knows no datasets.
   */
  collectProtectedDatasets(site: string): Promise<Set<string> | undefined>;
  /** Datasets with a deletion queued at the site: their files are neither missing nor acted on. */
  collectQueuedDeletions(site: string): Promise<Set<string>>;
  /** Site names the inventory knows. */
  collectSites(): Promise<string[]>;
  /**
   * Optional: each known site's status where the inventory keeps one (Dynamo's `sites.status`:
   * `ready`, `waitroom`, `morgue`, …); the daemon checks only `ready` ones (issue 14).
   */
  collectSiteStatuses?(): Promise<Map<string, string>>;
  close(): Promise<void>;
}
