/** Path helpers for LFNs and storage paths. Pure string work, no I/O. */

/** Joins a directory path and a leaf name with exactly one slash. */
export function joinPath(dir: string, name: string): string {
  if (dir === '' || dir === '/') return '/' + name;
  return dir.endsWith('/') ? dir + name : dir + '/' + name;
}

/** Removes trailing slashes (but keeps a lone "/"). */
export function trimSlash(p: string): string {
  let end = p.length;
  while (end > 1 && p.charCodeAt(end - 1) === 47) end--;
  return p.slice(0, end);
}

/** True when `path` is `dir` itself or lies below it. */
export function isAtOrBelow(path: string, dir: string): boolean {
  if (dir === '/' || dir === '') return true;
  return path === dir || (path.startsWith(dir) && path.charCodeAt(dir.length) === 47);
}

export function parentDir(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * Dataset of an LFN by the CMS convention:
 * `/store/<kind>/<era>/<primary>/<tier>/<processed>/…` → `/<primary>/<era>-<processed>/<tier>`.
 * Returns undefined for a path too short to name a dataset (callers treat that as protected).
 */
export function datasetOfLfn(lfn: string): string | undefined {
  const parts = lfn.split('/');
  // ['', 'store', kind, era, primary, tier, processed, ...rest, file]
  if (parts.length < 8 || parts[1] !== 'store') return undefined;
  const [, , , era, primary, tier, processed] = parts;
  if (!era || !primary || !tier || !processed) return undefined;
  return `/${primary}/${era}-${processed}/${tier}`;
}

/**
 * A sorted set of directory paths answering "is this path at or below one of them?".
 * Used for unlisted directories, which are few; lookups walk the path's ancestors.
 */
export class DirectorySet {
  private readonly dirs = new Set<string>();
  add(dir: string): void {
    this.dirs.add(trimSlash(dir));
  }
  get size(): number {
    return this.dirs.size;
  }
  has(dir: string): boolean {
    return this.dirs.has(trimSlash(dir));
  }
  /** True when `path` equals or lies below a member. */
  covers(path: string): boolean {
    if (this.dirs.size === 0) return false;
    if (this.dirs.has('/')) return true;
    let p = path;
    for (;;) {
      if (this.dirs.has(p)) return true;
      const i = p.lastIndexOf('/');
      if (i <= 0) return false;
      p = p.slice(0, i);
    }
  }
  values(): string[] {
    return [...this.dirs].sort();
  }
}

/** The longest LFN accepted (bytes of UTF-8), as PATH_MAX on Linux. */
export const MAX_LFN_BYTES = 4096;

/**
 * Why `lfn` cannot name a file, or undefined when it can: it must start with "/", hold no NUL,
 * no "." or ".." component (a storage would resolve them, so the name could never match a
 * listing), and be at most MAX_LFN_BYTES long.
 */
export function lfnProblem(lfn: string): string | undefined {
  if (!lfn.startsWith('/')) return 'the LFN does not start with "/"';
  if (lfn.includes('\0')) return 'NUL byte in the LFN';
  const bytes = Buffer.byteLength(lfn, 'utf8');
  if (bytes > MAX_LFN_BYTES) return `the LFN is ${bytes} bytes long, more than ${MAX_LFN_BYTES}`;
  for (const part of lfn.split('/')) if (part === '.' || part === '..') return `the LFN has a "${part}" component`;
  return undefined;
}
