import { isAtOrBelow, parentDir } from '../core/lfn.ts';
import type { Lister } from '../listers/lister.ts';
import { walk } from '../listers/walker.ts';
import type { UnlistedDir } from '../check/check-types.ts';
import { isRemovableDir, judgeFile, leavesFirst, topmost, type FileRules, type FileVerdict } from './unmerged-rules.ts';
import type { UnmergedSettings, UnmergedTree } from './unmerged-settings.ts';

/** A file on the deletion list. */
export interface DeletableFile {
  lfn: string;
  size: number;
  /** Deleted by the log rule (point 5). */
  log: boolean;
}

export interface ScanResult {
  /** Files to remove: every file of the list (files mode), or those below a listed directory, and the logs. */
  files: DeletableFile[];
  /** Directories to remove, leaves first. */
  dirs: string[];
  /** SITE_unmerged.txt: files (WHICH_LIST files), or the topmost directories and the log files. */
  listEntries: string[];
  listed: { files: number; bytes: number; directories: number };
  kept: Record<Exclude<FileVerdict, 'delete' | 'log'>, number> & { notListed: number };
  /** Directories matching IgnoreDirectories, not listed. */
  ignored: number;
  unlisted: UnlistedDir[];
}

export interface ScanOptions {
  lister: Lister;
  settings: UnmergedSettings;
  rules: FileRules;
  ignoreDirectories: readonly string[];
  concurrency: number;
  retries: number;
  timeoutMs: number;
  retryDelayMs?: number;
  signal: AbortSignal;
  /** Every file kept, as its directory's LFN and its name (SITE_protected.db). */
  onKept: (dir: string, name: string) => void;
}

interface Agg {
  survivors: number;
  blocked: boolean;
}

/**
 * Lists the unmerged area (and the extra log directories) with the site's lister and judges every
 * file and directory (src/unmerged/unmerged-rules.ts). Directories matching IgnoreDirectories are
 * not listed; a directory holding one, or one that failed to list, is never removed. Only what is
 * removed is held; kept files go straight to `onKept`.
 */
export async function scanUnmerged(o: ScanOptions): Promise<ScanResult> {
  const r: ScanResult = { files: [], dirs: [], listEntries: [], listed: { files: 0, bytes: 0, directories: 0 }, kept: { protected: 0, avoided: 0, young: 0, 'young-log': 0, notListed: 0 }, ignored: 0, unlisted: [] };
  const removable: string[] = [];
  const trees: UnmergedTree[] = [o.settings.area, ...o.settings.logDirs.filter((d) => !isAtOrBelow(d.lfn, o.settings.area.lfn))];
  const ignored = (lfn: string) => o.ignoreDirectories.some((s) => s !== '' && lfn.includes(s));
  for (const tree of trees) {
    const toLfn = (path: string) => tree.lfn + path.slice(tree.storage.length);
    const aggs = new Map<string, Agg>();
    const agg = (lfn: string) => {
      let a = aggs.get(lfn);
      if (!a) aggs.set(lfn, (a = { survivors: 0, blocked: false }));
      return a;
    };
    const skipped = new Set<string>();
    /** An ignored directory: its parent (when not ignored itself) may never be removed. */
    const skip = (lfn: string) => {
      if (skipped.has(lfn)) return;
      skipped.add(lfn);
      const p = parentDir(lfn);
      if (!ignored(p)) {
        r.ignored++;
        agg(p).blocked = true;
      }
    };
    const walker = walk(o.lister, {
      tops: [tree.storage],
      concurrency: o.concurrency,
      retries: o.retries,
      timeoutMs: o.timeoutMs,
      retryDelayMs: o.retryDelayMs,
      signal: o.signal,
      skipDir: (path) => {
        const lfn = toLfn(path);
        if (!ignored(lfn)) return false;
        skip(lfn);
        return true;
      },
    });
    for await (const ev of walker) {
      if (ev.type === 'unlisted') {
        const lfn = toLfn(ev.lfn);
        if (ignored(lfn)) continue;
        r.unlisted.push({ lfn, code: ev.code, message: ev.message, attempts: ev.attempts });
        agg(lfn).blocked = true;
      } else if (ev.type === 'files') {
        const dir = toLfn(ev.dir);
        if (ignored(dir)) {
          skip(dir);
          continue;
        }
        const a = agg(dir);
        for (const f of ev.files) {
          const lfn = toLfn(f.lfn);
          r.listed.files++;
          r.listed.bytes += f.size;
          const v = judgeFile(lfn, f.mtime, o.rules);
          if (v === 'delete' || v === 'log') {
            r.files.push({ lfn, size: f.size, log: v === 'log' });
          } else {
            r.kept[v]++;
            a.survivors++;
            o.onKept(dir, lfn.slice(dir.length + 1));
          }
        }
      } else {
        const lfn = toLfn(ev.dir.lfn);
        if (ignored(lfn)) {
          skip(lfn);
          aggs.delete(lfn);
          continue;
        }
        r.listed.directories++;
        const a = aggs.get(lfn) ?? { survivors: 0, blocked: false };
        aggs.delete(lfn);
        const facts = { lfn, mtime: ev.dir.mtime, survivors: a.survivors, blocked: a.blocked || ev.dir.unlistedBelow };
        if (ev.dir.isTop) continue;
        const gone = isRemovableDir(facts, o.settings.area.lfn, o.rules);
        if (gone) removable.push(lfn);
        const p = agg(parentDir(lfn));
        p.survivors += a.survivors + (gone ? 0 : 1);
        if (facts.blocked) p.blocked = true;
      }
    }
  }
  r.dirs = leavesFirst(removable);
  if (o.settings.whichList === 'directories') {
    // Whole directories: only files below a removed directory go, besides the logs; the rest stay.
    const tops = topmost(removable);
    const removableSet = new Set(removable);
    const under = (lfn: string) => {
      for (let a = parentDir(lfn); a !== '/'; a = parentDir(a)) if (removableSet.has(a)) return true;
      return false;
    };
    const staying = r.files.filter((f) => !f.log && !under(f.lfn));
    for (const f of staying) {
      r.kept.notListed++;
      o.onKept(parentDir(f.lfn), f.lfn.slice(parentDir(f.lfn).length + 1));
    }
    r.files = r.files.filter((f) => f.log || under(f.lfn));
    r.listEntries = [...tops, ...r.files.filter((f) => f.log).map((f) => f.lfn)].sort();
  } else {
    r.listEntries = r.files.map((f) => f.lfn).sort();
  }
  return r;
}
