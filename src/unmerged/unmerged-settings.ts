import type { SiteConfig } from '../config/config-loader.ts';
import { DcError } from '../core/errors.ts';
import { isAtOrBelow, trimSlash } from '../core/lfn.ts';

/** The seed's ListDeletable defaults (CMS SiteAdminToolkit's ListDeletable). */
export const LIST_DELETABLE_DEFAULTS = {
  UNMERGED_DIR_LOCATION: '/store/unmerged',
  WHICH_LIST: 'files' as 'files' | 'directories',
  DELETION_FILE: '_unmerged.txt',
  DIRS_TO_AVOID: ['logs', 'tier0_harvest', 'express', 'data'],
  /** 28 days, in seconds. */
  MIN_AGE: 28 * 86400,
};

/** One tree the phase lists: its LFN and the storage path it is listed at. */
export interface UnmergedTree {
  lfn: string;
  storage: string;
}

/** The unmerged phase's settings for one site, resolved once from its keys (pure, no I/O). */
export interface UnmergedSettings {
  /** The unmerged area: LFN_TO_CLEAN (names in the deletion list) and where it is listed. */
  area: UnmergedTree;
  whichList: 'files' | 'directories';
  /** File name of the deletion list: SITE + DELETION_FILE. */
  deletionFile: string;
  /** LFN directories never cleaned: <area>/<d> for each DIRS_TO_AVOID entry. */
  avoid: string[];
  minAgeSeconds: number;
  /** <area>/logs, and with --more-logs each AdditionalLogDeletions directory below RootPath. */
  logDirs: UnmergedTree[];
  logsAgeSeconds: number;
  /** The storage path of any LFN this phase handles (the area, or a log directory). */
  storagePathOf(lfn: string): string;
}

/**
 * Resolves the site's ListDeletable, UnmergedLogsAge and AdditionalLogDeletions. The area is
 * UNMERGED_DIR_LOCATION on the storage, at PathPrefix + location, or, when ListDeletable.AlternateRoot
 * names the site, at that root in place of RootPath (`/cms/store` + `/unmerged`). Its files are named
 * in the lists by LFN_TO_CLEAN (default: the location) + the path below it.
 */
export function unmergedSettings(site: SiteConfig, opts: { moreLogs?: boolean } = {}): UnmergedSettings {
  const ld = typeof site.ListDeletable === 'object' ? site.ListDeletable : {};
  const root = trimSlash(site.RootPath);
  const alternate = ld.AlternateRoot?.[site.name];
  const onStorage = (lfn: string) => {
    if (alternate === undefined) return site.PathPrefix + lfn;
    const alt = trimSlash(alternate);
    return isAtOrBelow(lfn, root) ? alt + lfn.slice(root.length) : alt + lfn;
  };
  const location = trimSlash(ld.UNMERGED_DIR_LOCATION ?? LIST_DELETABLE_DEFAULTS.UNMERGED_DIR_LOCATION);
  const lfn = trimSlash(ld.LFN_TO_CLEAN ?? location);
  if (lfn === '/' || location === '/') throw new DcError('CONFIG', `site ${site.name}: ListDeletable names "/" as the unmerged area; it must be a directory below the root`);
  const area = { lfn, storage: onStorage(location) };
  const avoid = (ld.DIRS_TO_AVOID ?? LIST_DELETABLE_DEFAULTS.DIRS_TO_AVOID).map((d) => `${lfn}/${trimSlash(d.replace(/^\/+/, ''))}`);
  const logDirs: UnmergedTree[] = [{ lfn: `${lfn}/logs`, storage: `${area.storage}/logs` }];
  if (opts.moreLogs) {
    for (const d of site.AdditionalLogDeletions) {
      const l = `${root}/${trimSlash(d.replace(/^\/+/, ''))}`;
      logDirs.push({ lfn: l, storage: onStorage(l) });
    }
  }
  const storagePathOf = (l: string): string => {
    if (isAtOrBelow(l, area.lfn)) return area.storage + l.slice(area.lfn.length);
    return onStorage(l);
  };
  return {
    area,
    whichList: ld.WHICH_LIST ?? LIST_DELETABLE_DEFAULTS.WHICH_LIST,
    deletionFile: `${site.name}${ld.DELETION_FILE ?? LIST_DELETABLE_DEFAULTS.DELETION_FILE}`,
    avoid,
    minAgeSeconds: ld.MIN_AGE ?? LIST_DELETABLE_DEFAULTS.MIN_AGE,
    logDirs,
    logsAgeSeconds: site.UnmergedLogsAge * 86400,
    storagePathOf,
  };
}
