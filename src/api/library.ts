import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AtomicWriter } from '../core/atomic-file.ts';
import { escapeName } from '../core/escape.ts';
import { siteConfig, type Config } from '../config/config-loader.ts';
import { candidateTops } from '../check/check-filters.ts';
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

/** The seed's `remote_listing(site)`: what the site holds, and which directories failed. */
export async function remoteListing(config: Config, site: string, opts: { out?: string; signal?: AbortSignal } = {}): Promise<ListingFile & { unlisted: UnlistedDir[] }> {
  const sc = await resolveSiteDoor(siteConfig(config, site), { signal: opts.signal });
  const path = opts.out ?? join(sc.VarLocation, 'work', `${site}_remote.txt`);
  mkdirSync(dirname(path), { recursive: true });
  const lister = await createLister({ url: sc.Url, concurrency: sc.NumThreads, timeoutSeconds: sc.Timeout, site: sc as unknown as Record<string, unknown> });
  const w = new AtomicWriter(path);
  const unlisted: UnlistedDir[] = [];
  let files = 0;
  try {
    for await (const ev of walk(lister, { tops: candidateTops(sc), pathPrefix: sc.PathPrefix, concurrency: sc.NumThreads, retries: sc.Retries, timeoutMs: sc.Timeout * 1000, signal: opts.signal })) {
      if (ev.type === 'files') {
        let chunk = '';
        for (const f of ev.files) chunk += `${escapeName(f.lfn)} ${f.size}\n`;
        files += ev.files.length;
        await w.write(chunk);
      } else if (ev.type === 'unlisted') unlisted.push({ lfn: ev.lfn, code: ev.code, message: ev.message, attempts: ev.attempts });
    }
    await w.commit();
  } catch (err) {
    await w.abort();
    throw err;
  } finally {
    await lister.close();
  }
  return { path, files, unlisted };
}

/**
 * The seed's `datatypes.compare(inventory, remote, prefix)`: writes PREFIX_missing.txt,
 * PREFIX_orphan.txt and PREFIX_size_mismatch.txt. Unlike the full check it knows nothing of
 * unlisted directories, ages or protection: use `runSite` for a real check.
 */
export function compare(inventory: ListingFile | string, remote: ListingFile | string, prefix: string): Promise<CompareFilesResult> {
  return compareFiles(typeof inventory === 'string' ? inventory : inventory.path, typeof remote === 'string' ? remote : remote.path, prefix);
}
