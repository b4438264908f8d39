import type { CheckSummary } from '../../src/check/check-types.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { siteDefaults } from '../../src/config/config-defaults.ts';
import type { SiteConfig } from '../../src/config/config-loader.ts';
import type { InventoryFile } from '../../src/core/entries.ts';
import { checkSite } from '../../src/check/site-check.ts';
import { MemoryInventory, MemoryLister } from './memory-site.ts';

export const NOW = 1_800_000_000;
export const OLD = NOW - 5 * 86400;
export const FRESH = NOW - 600;

export function testSite(over: Partial<SiteConfig> = {}): SiteConfig {
  return { ...siteDefaults, name: 'T2_TEST', Url: 'memory://', Retries: 1, Timeout: 5, NumThreads: 4, ...over } as SiteConfig;
}

export const settled = (lfn: string, size = 100): InventoryFile => ({ lfn, size, settled: true });
export const flux = (lfn: string, size = 100): InventoryFile => ({ lfn, size, settled: false });

/** Runs checkSite and returns the lists as arrays plus the summary. */
export async function runCheck(site: SiteConfig, inventory: MemoryInventory, lister: MemoryLister, partitions?: number, keptOrphanLines?: number) {
  const work = mkdtempSync(join(tmpdir(), 'dc-check-'));
  try {
    const r = await checkSite({ site, inventory, lister, now: NOW, workDir: work, retryDelayMs: 1, partitions, keptOrphanLines });
    const collect = async (l: { lines(): AsyncGenerator<string> }) => {
      const out: string[] = [];
      for await (const x of l.lines()) out.push(x);
      return out;
    };
    const res = {
      summary: r.summary,
      missing: await collect(r.missing),
      orphan: await collect(r.orphan),
      sizeMismatch: await collect(r.sizeMismatch),
      unlisted: await collect(r.unlisted),
      empty: await collect(r.empty),
      missingDatasets: r.missingDatasets,
    };
    r.dispose();
    return res;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The summary of a healthy run: 1 000 settled files, 1 000 listed, 5 missing, 5 orphans, nothing unlisted. */
export function healthySummary(): CheckSummary {
  return {
    site: 'T2_TEST', url: 'file:///x', lister: 'posix', inventoryKind: 'sqlite', startedAt: '', finishedAt: '', now: 0, ignoreAgeDays: 1,
    timings: { inventoryBefore: 0, listing: 0, inventoryAfter: 0, finalize: 0, total: 1 },
    tops: [],
    listing: { files: 1000, bytes: 0, directories: 10, newFiles: 0, retries: 0 },
    inventory: { files: 1000, settled: 1000, inFlux: 0, bytes: 0 },
    missing: { count: 5, bytes: 0 },
    orphan: { count: 5, bytes: 0 },
    sizeMismatch: { count: 0, bytes: 0 },
    empty: 0,
    emptyDirectoriesKnown: true,
    unlisted: { count: 0, dirs: [], settledFilesBelow: 0, outsideIgnored: 0 },
    skipped: { newFiles: 0, ignoredOrphans: 0, protectedOrphans: 0, queuedDeletion: 0, leftInventoryDuringRun: 0, joinedInventoryDuringRun: 0, outsideListedTops: 0, undecodableNames: 0 },
  };
}
