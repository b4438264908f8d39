import { createReadStream, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { outputNames } from '../check/check-outputs.ts';
import { siteConfig, type Config } from '../config/config-loader.ts';

/**
 * A run's files as the dashboard serves them. Only names the tool itself writes are served
 * (`SITE_compare_missing.txt`, …), looked up in the site's data directories (WebDir, where runs
 * publish, then VarLocation); the resolved real path must still lie inside that directory, so
 * neither `..` nor a symbolic link planted in the directory lets a download leave it.
 */
export const LIST_KEYS = ['missing', 'orphan', 'sizeMismatch', 'unlisted', 'empty', 'missingDatasets', 'missingNoSite', 'unrecoverable', 'storage', 'summary'] as const;
export type ListKey = (typeof LIST_KEYS)[number];

/** Lists with one LFN a line, browsable as a directory tree. */
export const TREE_KEYS = ['missing', 'orphan', 'sizeMismatch', 'unlisted', 'empty'] as const;
export type TreeKey = (typeof TREE_KEYS)[number];

export const LIST_TITLES: Record<ListKey, string> = {
  missing: 'missing files',
  orphan: 'orphan files',
  sizeMismatch: 'size mismatches',
  unlisted: 'unlisted directories',
  empty: 'empty directories',
  missingDatasets: 'missing files per dataset and block',
  missingNoSite: 'missing files without a disk source',
  unrecoverable: 'missing files without any source',
  storage: 'storage resource report (JSON)',
  summary: 'run summary (JSON)',
};

export function listFileNames(site: string): Record<ListKey, string> {
  const n = outputNames(site);
  return { ...n, missingNoSite: `${site}_missing_nosite.txt`, unrecoverable: `${site}_unrecoverable.txt` };
}

/** Log of one run (`SITE_run<ID>.log`), else the site's latest log (`SITE.log`) for its latest run. */
export function logFileNames(site: string, runId: number): string[] {
  return [`${site}_run${runId}.log`, `${site}.log`];
}

/**
 * Names present in each data directory, read once per request: the summary looks up a dozen
 * files for each of hundreds of sites, and most do not exist.
 */
export class DirListing {
  private readonly names = new Map<string, Set<string> | null>();
  has(dir: string, name: string): boolean {
    let set = this.names.get(dir);
    if (set === undefined) {
      try {
        set = new Set(readdirSync(dir));
      } catch {
        set = null;
      }
      this.names.set(dir, set);
    }
    return set !== null && set.has(name);
  }
}

export class SiteFiles {
  private readonly lineCounts = new Map<string, { mtimeMs: number; size: number; lines: number }>();
  private readonly dirs = new Map<string, string[]>();

  constructor(private readonly config: Config) {}

  /** Data directories of a configured site, most specific first; none for unknown sites. */
  dataDirs(site: string): string[] {
    let d = this.dirs.get(site);
    if (!d) {
      if (!this.config.siteNames.includes(site)) return [];
      const sc = siteConfig(this.config, site);
      this.dirs.set(site, (d = [...new Set([sc.WebDir, sc.VarLocation])]));
    }
    return d;
  }

  /**
   * The real path of `name` in one of the site's data directories, or undefined. `name` must be
   * a plain file name (no separator, not `.`/`..`), and the target a regular file inside the directory.
   */
  resolve(site: string, name: string, listing?: DirListing): { path: string; size: number; mtimeMs: number } | undefined {
    if (!name || name === '.' || name === '..' || name.includes('/') || name.includes('\\') || name.includes('\0')) return undefined;
    for (const dir of this.dataDirs(site)) {
      if (listing && !listing.has(dir, name)) continue;
      let realDir: string;
      let real: string;
      try {
        realDir = realpathSync(dir);
        real = realpathSync(join(dir, name));
      } catch {
        continue;
      }
      if (!real.startsWith(realDir + sep)) continue;
      const st = statSync(real, { throwIfNoEntry: false });
      if (st?.isFile()) return { path: real, size: st.size, mtimeMs: st.mtimeMs };
    }
    return undefined;
  }

  /** A whitelisted output of the site, by its key. */
  list(site: string, key: ListKey, listing?: DirListing) {
    return this.resolve(site, listFileNames(site)[key], listing);
  }

  log(site: string, runId: number, isLatestRun: boolean, listing?: DirListing) {
    const [own, latest] = logFileNames(site, runId);
    return this.resolve(site, own, listing) ?? (isLatestRun ? this.resolve(site, latest, listing) : undefined);
  }

  /** Is `name` one of the files the dashboard may serve for this site? */
  isServable(site: string, name: string): boolean {
    if ((Object.values(listFileNames(site)) as string[]).includes(name)) return true;
    return new RegExp(`^${site.replace(/[.]/g, '\\.')}(_run[0-9]+)?\\.log$`).test(name);
  }

  /** Lines of a list, counted once per file version (the summary shows several per site). */
  async countLines(file: { path: string; size: number; mtimeMs: number }): Promise<number> {
    const c = this.lineCounts.get(file.path);
    if (c && c.mtimeMs === file.mtimeMs && c.size === file.size) return c.lines;
    let lines = 0;
    let last = 0x0a;
    for await (const chunk of createReadStream(file.path) as AsyncIterable<Buffer>) {
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === 0x0a) lines++;
      if (chunk.length) last = chunk[chunk.length - 1];
    }
    if (last !== 0x0a) lines++;
    if (this.lineCounts.size > 4096) this.lineCounts.clear();
    this.lineCounts.set(file.path, { mtimeMs: file.mtimeMs, size: file.size, lines });
    return lines;
  }
}
