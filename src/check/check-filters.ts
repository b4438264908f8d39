import { datasetOfLfn, isAtOrBelow, joinPath, trimSlash } from '../core/lfn.ts';
import type { SiteConfig } from '../config/config-loader.ts';
import type { WalkOptions } from '../listers/walker.ts';

/** IgnoreDirectories: plain substrings of a path. */
export function makeIgnoreTest(patterns: readonly string[]): (path: string) => boolean {
  const pats = patterns.filter((p) => p.length > 0);
  if (pats.length === 0) return () => false;
  return (path) => {
    for (const p of pats) if (path.includes(p)) return true;
    return false;
  };
}

/**
 * Orphan protection by dataset. `protectedSets` undefined means the inventory knows no datasets:
 * nothing is protected. Otherwise a path too short to name a dataset is protected, as the seed did.
 */
export function makeProtectedTest(protectedSet: Set<string> | undefined): (lfn: string) => boolean {
  if (!protectedSet) return () => false;
  return (lfn) => {
    const ds = datasetOfLfn(lfn);
    return ds === undefined || protectedSet.has(ds);
  };
}

/** The LFN directories a check lists: RootPath itself, or RootPath/<entry> per DirectoryList entry. */
export function candidateTops(site: SiteConfig): string[] {
  const root = trimSlash(site.RootPath);
  if (site.DirectoryList.length === 0) return [root];
  return [...new Set(site.DirectoryList.map((d) => trimSlash(joinPath(root, d.replace(/^\/+/, '')))))].sort();
}

/** The walk of `tops` with the site's listing settings (PathPrefix, NumThreads, Retries, Timeout). */
export function siteWalkOptions(site: SiteConfig, tops: string[]): Pick<WalkOptions, 'tops' | 'pathPrefix' | 'concurrency' | 'retries' | 'timeoutMs'> {
  return { tops, pathPrefix: site.PathPrefix, concurrency: site.NumThreads, retries: site.Retries, timeoutMs: site.Timeout * 1000 };
}

/** The top directory (RootPath/<first component>) an inventory LFN falls in, if under RootPath. */
export function topOf(root: string, lfn: string): string | undefined {
  if (!isAtOrBelow(lfn, root) || lfn === root) return undefined;
  const rest = lfn.slice(root === '/' ? 1 : root.length + 1);
  const i = rest.indexOf('/');
  if (i <= 0) return undefined; // a file directly in RootPath has no top directory
  return joinPath(root, rest.slice(0, i));
}

/** Scope test: is the LFN at or below one of the listed top directories? */
export function makeScopeTest(tops: readonly string[]): (lfn: string) => boolean {
  return (lfn) => {
    for (const t of tops) if (isAtOrBelow(lfn, t)) return true;
    return false;
  };
}
