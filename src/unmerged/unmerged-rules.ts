import { isAtOrBelow, parentDir, trimSlash } from '../core/lfn.ts';

/**
 * The protected LFNs production still uses (issue 15, point 2). A path is protected when it is a
 * protected directory, an ancestor of one, or starts with a protected LFN as a plain string prefix,
 * as the original did: `/a/protected2` is covered by `/a/protected`.
 */
export class ProtectedLfns {
  private readonly exact = new Set<string>();
  private readonly ancestors = new Set<string>();
  /** The distinct lengths of protected entries, so a prefix test is one lookup per length. */
  private readonly lengths: number[];
  readonly size: number;

  constructor(lfns: Iterable<string>) {
    for (const raw of lfns) {
      const p = trimSlash(raw.trim());
      if (!p.startsWith('/') || p === '/') continue;
      this.exact.add(p);
      for (let a = parentDir(p); a !== '/'; a = parentDir(a)) this.ancestors.add(a);
    }
    this.size = this.exact.size;
    this.lengths = [...new Set([...this.exact].map((p) => p.length))].sort((a, b) => a - b);
  }

  covers(path: string): boolean {
    const p = trimSlash(path);
    if (this.ancestors.has(p)) return true;
    for (const n of this.lengths) {
      if (n > p.length) break;
      if (this.exact.has(p.slice(0, n))) return true;
    }
    return false;
  }

  /** The entries, sorted (the list kept with the run). */
  collect(): string[] {
    return [...this.exact].sort();
  }
}

/** Why a listed file is deleted or kept. */
export type FileVerdict =
  /** Old, unprotected, outside DIRS_TO_AVOID: on the deletion list. */
  | 'delete'
  /** A log file older than UnmergedLogsAge: on the deletion list. */
  | 'log'
  | 'protected'
  | 'avoided'
  /** Younger than MIN_AGE. */
  | 'young'
  /** A log file younger than UnmergedLogsAge. */
  | 'young-log';

export interface FileRules {
  protectedLfns: ProtectedLfns;
  /** LFN directories never cleaned (DIRS_TO_AVOID below the area). */
  avoid: readonly string[];
  /** LFN directories whose files are judged by the log age instead. */
  logDirs: readonly string[];
  /** Epoch seconds: a file modified after this is young (now − MIN_AGE). */
  cut: number;
  /** Epoch seconds: a log file modified after this is young (now − UnmergedLogsAge). */
  logCut: number;
}

/** Points 2, 4 and 5 of issue 15 for one file. Protection wins over every age. */
export function judgeFile(lfn: string, mtime: number, r: FileRules): FileVerdict {
  if (r.protectedLfns.covers(lfn)) return 'protected';
  if (r.logDirs.some((d) => isAtOrBelow(lfn, d))) return mtime <= r.logCut ? 'log' : 'young-log';
  if (r.avoid.some((d) => isAtOrBelow(lfn, d))) return 'avoided';
  return mtime <= r.cut ? 'delete' : 'young';
}

export interface DirFacts {
  lfn: string;
  mtime: number;
  /** Files kept and child directories not removed, anywhere below. */
  survivors: number;
  /** Something below was not listed (failed or matched IgnoreDirectories): never removed. */
  blocked: boolean;
}

/**
 * Point 6 (and WHICH_LIST directories): a directory below the area is removed when it is old,
 * unprotected, outside DIRS_TO_AVOID and the log directories, everything below it is listed and
 * every file and directory below it goes too. The area itself is never removed.
 */
export function isRemovableDir(d: DirFacts, area: string, r: FileRules): boolean {
  if (d.blocked || d.survivors > 0 || d.mtime > r.cut) return false;
  if (d.lfn === area || !isAtOrBelow(d.lfn, area)) return false;
  if (r.protectedLfns.covers(d.lfn)) return false;
  return !r.avoid.some((a) => isAtOrBelow(d.lfn, a)) && !r.logDirs.some((a) => isAtOrBelow(d.lfn, a));
}

/** The topmost of a set of directories (those with no ancestor in the set), sorted. */
export function topmost(dirs: Iterable<string>): string[] {
  const all = new Set(dirs);
  const out: string[] = [];
  for (const d of all) {
    let covered = false;
    for (let a = parentDir(d); a !== '/' && !covered; a = parentDir(a)) covered = all.has(a);
    if (!covered) out.push(d);
  }
  return out.sort();
}

/** Leaves first: deeper directories before their parents, then by name. */
export function leavesFirst(dirs: Iterable<string>): string[] {
  const depth = (p: string) => p.split('/').length;
  return [...dirs].sort((a, b) => depth(b) - depth(a) || (a < b ? -1 : a > b ? 1 : 0));
}
