import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SiteConfig } from '../config/config-loader.ts';
import { AtomicWriter } from '../core/atomic-file.ts';
import { DUMP_HEADER } from '../core/list-format.ts';
import type { Inventory } from '../inventory/inventory.ts';
import type { Lister } from '../listers/lister.ts';
import { walk, type WalkProgress } from '../listers/walker.ts';
import { candidateTops, makeScopeTest, siteWalkOptions } from './check-filters.ts';
import type { UnlistedDir } from './check-types.ts';
import { SortedList } from './sorted-list.ts';

/**
 * The seed's `consistency-dump-tree`: one side of a check as a sorted `lfn size mtime` list
 * (format `lfn-size-mtime`, led by DUMP_HEADER so that `compare`, `compare3` and `import` know
 * it), names escaped as in every list. Entries go through a SortedList, which spills sorted runs
 * to scratch files and merges them: memory stays flat however many files the site holds.
 */

/** Where a dump goes: a file written atomically (gzip when its name ends in .gz), or a stream. */
export interface DumpSink {
  write(chunk: string): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export function fileSink(path: string): DumpSink {
  return new AtomicWriter(path, { gzip: path.endsWith('.gz') });
}

export function streamSink(out: NodeJS.WritableStream): DumpSink {
  return {
    write: async (chunk) => {
      if (!out.write(chunk)) await once(out, 'drain');
    },
    commit: async () => undefined,
    abort: async () => undefined,
  };
}

/** The file beside a remote dump that lists the directories that could not be listed. */
export function unlistedPathOf(dumpPath: string): string {
  return `${dumpPath}.unlisted`;
}

export interface DumpOptions {
  signal?: AbortSignal;
  /** Scratch for the sorted runs (default: the system's temporary directory). */
  tmpRoot?: string;
  onProgress?: (p: WalkProgress) => void;
  /** Each directory that stayed unlisted after the retries, as the walk reports it. */
  onUnlisted?: (u: UnlistedDir) => void;
}

export interface DumpResult {
  files: number;
  /** Remote dumps: the directories that could not be listed, sorted by LFN. */
  unlisted: UnlistedDir[];
}

async function writeSorted(list: SortedList, sink: DumpSink): Promise<number> {
  let n = 0;
  let chunk = DUMP_HEADER + '\n';
  for await (const line of list.linesWithSize(' ')) {
    chunk += line + '\n';
    n++;
    if (chunk.length >= 1 << 20) {
      await sink.write(chunk);
      chunk = '';
    }
  }
  await sink.write(chunk);
  return n;
}

async function withList<T>(tmpRoot: string | undefined, fn: (list: SortedList) => Promise<T>): Promise<T> {
  if (tmpRoot) mkdirSync(tmpRoot, { recursive: true });
  const dir = mkdtempSync(join(tmpRoot ?? tmpdir(), '.dc-dump-'));
  const list = new SortedList({ tmpRoot: dir });
  try {
    return await fn(list);
  } finally {
    list.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The site as its lister sees it: the check's walk (RootPath or its DirectoryList tops, Retries,
 * Timeout, NumThreads), every file listed, young ones included (their mtime says so). The dump is
 * committed even when directories stayed unlisted: they are returned (and written beside it by
 * the caller), since a file below one is neither there nor absent.
 */
export async function dumpRemote(site: SiteConfig, lister: Lister, sink: DumpSink, opts: DumpOptions = {}): Promise<DumpResult> {
  return withList(opts.tmpRoot, async (list) => {
    const unlisted: UnlistedDir[] = [];
    try {
      const events = walk(lister, { ...siteWalkOptions(site, candidateTops(site)), signal: opts.signal, onProgress: opts.onProgress });
      for await (const ev of events) {
        if (ev.type === 'files') for (const f of ev.files) list.add(f.lfn, `${f.size} ${Math.floor(f.mtime)}`);
        else if (ev.type === 'unlisted') {
          const u = { lfn: ev.lfn, code: ev.code, message: ev.message, attempts: ev.attempts };
          unlisted.push(u);
          opts.onUnlisted?.(u);
        }
      }
      const files = await writeSorted(list, sink);
      await sink.commit();
      unlisted.sort((a, b) => (a.lfn < b.lfn ? -1 : a.lfn > b.lfn ? 1 : 0));
      return { files, unlisted };
    } catch (err) {
      await sink.abort();
      throw err;
    }
  });
}

/**
 * The inventory's view of the site as a check judges it: its settled files (a file in flux can
 * never be missing) within the check's top directories; mtime `-` (an inventory keeps none).
 */
export async function dumpInventory(site: SiteConfig, inventory: Inventory, sink: DumpSink, opts: DumpOptions = {}): Promise<DumpResult> {
  const inScope = makeScopeTest(candidateTops(site));
  return withList(opts.tmpRoot, async (list) => {
    try {
      for await (const batch of inventory.streamFiles(site.name, opts.signal, { withDatasets: false })) {
        for (const f of batch) if (f.settled && inScope(f.lfn)) list.add(f.lfn, `${f.size ?? "-"} -`);
      }
      const files = await writeSorted(list, sink);
      await sink.commit();
      return { files, unlisted: [] };
    } catch (err) {
      await sink.abort();
      throw err;
    }
  });
}

/** The unlisted directories, one escaped LFN a line (as SITE_unlisted.txt), written atomically. */
export async function writeUnlisted(path: string, unlisted: readonly UnlistedDir[], tmpRoot?: string): Promise<void> {
  await withList(tmpRoot, async (list) => {
    for (const u of unlisted) list.add(u.lfn);
    await list.writeTo(path);
  });
}
