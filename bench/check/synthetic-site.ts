import { siteDefaults } from '../../src/config/config-defaults.ts';
import type { SiteConfig } from '../../src/config/config-loader.ts';
import type { DirEntry, InventoryFile } from '../../src/core/entries.ts';
import { DcError } from '../../src/core/errors.ts';
import type { Inventory } from '../../src/inventory/inventory.ts';
import type { Lister } from '../../src/listers/lister.ts';
import { checkSite } from '../../src/check/site-check.ts';

const PER_DIR = 1000;
const OLD = 1_700_000_000;

function lfnOf(d: number, f: number): string {
  return `/store/mc/Era/Prim${d % 97}/TIER/Proc-v${d % 13}/dir${String(d).padStart(7, '0')}/file_${String(f).padStart(4, '0')}_abcdefghijklmnopqrstuvwxyz.root`;
}

/** Directory d of the site, generated when listed: file i is missing from disk when (d*1000+i) % 100 === 0. */
class SyntheticLister implements Lister {
  readonly kind = 'synthetic';
  constructor(private readonly dirs: number) {}
  async *listDir(path: string, signal: AbortSignal): AsyncIterable<DirEntry[]> {
    if (signal.aborted) throw new DcError('ABORTED', 'aborted');
    if (path === '/store') {
      const out: DirEntry[] = [];
      for (let d = 0; d < this.dirs; d++) out.push({ name: `d${d}`, isDir: true, size: 0, mtime: OLD });
      yield out;
      return;
    }
    const d = Number(path.slice('/store/d'.length));
    if (!Number.isInteger(d)) throw new DcError('NOT_FOUND', path);
    const out: DirEntry[] = [];
    for (let i = 0; i < PER_DIR; i++) {
      const k = d * PER_DIR + i;
      if (k % 100 === 0) continue;
      out.push({ name: lfnOf(d, i).slice(1).replace(/\//g, '_'), isDir: false, size: 1000 + (k % 1000 === 1 ? 1 : 0), mtime: OLD });
    }
    out.push({ name: `orphan_${d}.root`, isDir: false, size: 5, mtime: OLD });
    yield out;
  }
  async close() {}
}

/** The inventory of the synthetic site: every generated file, settled, in batches. */
class SyntheticInventory implements Inventory {
  readonly kind = 'synthetic';
  constructor(private readonly dirs: number) {}
  async *streamFiles(): AsyncIterable<InventoryFile[]> {
    for (let d = 0; d < this.dirs; d++) {
      const batch: InventoryFile[] = [];
      for (let i = 0; i < PER_DIR; i++) batch.push({ lfn: `/store/d${d}/${lfnOf(d, i).slice(1).replace(/\//g, '_')}`, size: 1000, settled: true });
      yield batch;
    }
  }
  async collectProtectedDatasets() {
    return undefined;
  }
  async collectQueuedDeletions() {
    return new Set<string>();
  }
  async collectSites() {
    return ['T2_BENCH'];
  }
  async close() {}
}

export async function runSyntheticCheck(n: number, partitions: number, workDir: string) {
  const dirs = Math.ceil(n / PER_DIR);
  const site = { ...siteDefaults, name: 'T2_BENCH', Url: 'synthetic://', NumThreads: 8 } as SiteConfig;
  const t = Date.now();
  const r = await checkSite({ site, inventory: new SyntheticInventory(dirs), lister: new SyntheticLister(dirs), now: OLD + 10 * 86400, workDir, partitions });
  const out = { seconds: (Date.now() - t) / 1000, missing: r.summary.missing.count, orphan: r.summary.orphan.count, sizeMismatch: r.summary.sizeMismatch.count, listed: r.summary.listing.files };
  r.dispose();
  return out;
}
