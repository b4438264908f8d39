/** One entry of a directory listing as a lister returns it: a leaf name, not a path. */
export interface DirEntry {
  name: string;
  isDir: boolean;
  /** Bytes; 0 for directories. */
  size: number;
  /** Seconds since the epoch (may be fractional). */
  mtime: number;
}

/** A file of the site's listing, named by its LFN. */
export interface RemoteFile {
  lfn: string;
  size: number;
  mtime: number;
}

/**
 * What the walker knows about a directory once its whole subtree is done.
 * `newestMtime` is the newest mtime of this directory and of every directory below it.
 */
export interface DirSummary {
  lfn: string;
  mtime: number;
  files: number;
  bytes: number;
  newestMtime: number;
  /** True when some directory at or below this one could not be listed. */
  unlistedBelow: boolean;
  /** True for a directory the walk started from (RootPath or a DirectoryList entry). */
  isTop: boolean;
}

/**
 * One file of the inventory. `settled` false means "in flux" (SEMANTICS.md). `size` null: the
 * inventory does not know it (a dump of bare LFNs); such a file is never a size mismatch.
 */
export interface InventoryFile {
  lfn: string;
  size: number | null;
  settled: boolean;
  dataset?: string;
  block?: string;
}
