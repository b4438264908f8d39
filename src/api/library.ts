import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AtomicWriter } from '../core/atomic-file.ts';
import { escapeName } from '../core/escape.ts';
import { backendSite, siteConfig, type Config } from '../config/config-loader.ts';
import { candidateTops, siteWalkOptions } from '../check/check-filters.ts';
import type { UnlistedDir } from '../check/check-types.ts';
import { compareFiles, type CompareFilesResult } from '../check/compare-files.ts';
import { openInventory } from '../inventory/open-inventory.ts';
import { createLister } from '../listers/registry.ts';
import { resolveSiteDoor } from '../listers/xrootd/xrootd-site-door.ts';
import { walk } from '../listers/walker.ts';

/** A listing written to a text file of `lfn size` lines (names escaped as in the lists). */
export interface ListingFile {
  path: string;
  files: number;
  /**
   * Set by `remoteListing`: the same listing without the files younger than IgnoreAge, on which
   * `compare` judges orphans and size mismatches (a new file is present, but neither of those).
   */
  old?: { path: string; files: number };
}

/**
 * The seed's `inventory_listing(site)`: the site's settled inventory files as a listing file
 * (in-flux files are left out, as they can never be missing).
 */
export async function inventoryListing(config: Config, site: string, opts: { out?: string; signal?: AbortSignal } = {}): Promise<ListingFile> {
  const sc = siteConfig(config, site);
  const path = opts.out ?? join(sc.VarLocation, 'work', `${site}_inventory.txt`);
  mkdirSync(dirname(path), { recursive: true });
  const inventory = await openInventory(config);
  const w = new AtomicWriter(path);
  let files = 0;
  try {
    for await (const batch of inventory.streamFiles(site, opts.signal)) {
      let chunk = '';
      for (const f of batch) {
        if (!f.settled) continue;
        chunk += `${escapeName(f.lfn)} ${f.size}\n`;
        files++;
      }
      await w.write(chunk);
    }
    await w.commit();
  } catch (err) {
    await w.abort();
    throw err;
  } finally {
    await inventory.close();
  }
  return { path, files };
}

/**
 * The seed's `remote_listing(site)`: what the site holds, and which directories failed. Files
 * younger than the site's IgnoreAge are in the listing (they count as present) and left out of its
 * `old` twin (`…_old.txt`), so `compare` never calls one orphan.
 */
export async function remoteListing(
  config: Config,
  site: string,
  opts: { out?: string; signal?: AbortSignal; now?: number } = {},
): Promise<ListingFile & { old: { path: string; files: number }; unlisted: UnlistedDir[] }> {
  const sc = await resolveSiteDoor(siteConfig(config, site), { signal: opts.signal, env: config.env });
  const path = opts.out ?? join(sc.VarLocation, 'work', `${site}_remote.txt`);
  const oldPath = path.replace(/(\.txt)?$/, '_old.txt');
  const ageCut = (opts.now ?? Date.now() / 1000) - sc.IgnoreAge * 86400;
  mkdirSync(dirname(path), { recursive: true });
  const lister = await createLister(backendSite(sc, config.env));
  const w = new AtomicWriter(path);
  const wOld = new AtomicWriter(oldPath);
  const unlisted: UnlistedDir[] = [];
  let files = 0;
  let oldFiles = 0;
  try {
    for await (const ev of walk(lister, { ...siteWalkOptions(sc, candidateTops(sc)), signal: opts.signal })) {
      if (ev.type === 'files') {
        let chunk = '';
        let oldChunk = '';
        for (const f of ev.files) {
          const line = `${escapeName(f.lfn)} ${f.size}\n`;
          chunk += line;
          if (f.mtime <= ageCut) {
            oldChunk += line;
            oldFiles++;
          }
        }
        files += ev.files.length;
        await w.write(chunk);
        await wOld.write(oldChunk);
      } else if (ev.type === 'unlisted') unlisted.push({ lfn: ev.lfn, code: ev.code, message: ev.message, attempts: ev.attempts });
    }
    await w.commit();
    await wOld.commit();
  } catch (err) {
    await w.abort();
    await wOld.abort();
    throw err;
  } finally {
    await lister.close();
  }
  return { path, files, old: { path: oldPath, files: oldFiles }, unlisted };
}

/**
 * The seed's `datatypes.compare(inventory, remote, prefix)`: writes PREFIX_missing.txt,
 * PREFIX_orphan.txt and PREFIX_size_mismatch.txt. IgnoreAge is honoured when `remote` comes from
 * `remoteListing`: a file younger than it counts as present, and is never orphan nor a size
 * mismatch (a plain path carries no ages). Unlike the full check it knows nothing of unlisted
 * directories or protection: use `runSite` for a real check.
 */
export async function compare(inventory: ListingFile | string, remote: ListingFile | string, prefix: string): Promise<CompareFilesResult> {
  const inv = typeof inventory === 'string' ? inventory : inventory.path;
  if (typeof remote === 'string' || !remote.old || remote.old.files === remote.files) return compareFiles(inv, typeof remote === 'string' ? remote : remote.path, prefix);
  // Orphans and size mismatches from the old files only; missing files against every file listed.
  const r = await compareFiles(inv, remote.old.path, prefix);
  const scratch = mkdtempSync(join(dirname(resolve(prefix)), '.compare-all-'));
  try {
    const all = await compareFiles(inv, remote.path, join(scratch, 'all'));
    renameSync(all.files.missing, r.files.missing);
    return { ...r, remote: all.remote, missing: all.missing };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
