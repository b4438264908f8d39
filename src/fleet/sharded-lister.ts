import { siteWalkOptions } from '../check/check-filters.ts';
import type { DirEntry } from '../core/entries.ts';
import { DcError, errorMessage, type ErrorCode } from '../core/errors.ts';
import { parentDir } from '../core/lfn.ts';
import { sleep } from '../core/sleep.ts';
import type { SiteConfig } from '../config/config-loader.ts';
import type { Lister, ListingParts, TreeItem } from '../listers/lister.ts';
import { walk } from '../listers/walker.ts';
import type { HistoryStore } from '../store/history-store.ts';
import type { Log } from './fleet-executor.ts';
import { decodeSegment } from './shard-codec.ts';
import { splitChildren, splitTops } from './shard-plan.ts';
import type { ShardJob } from './shard-run.ts';

/** Milliseconds between the coordinator's looks at its shards. */
const POLL_MS = 200;

/** Where a sharded run's shard jobs run: on the fleet's queue (fleet-shard-queue.ts) or in this process. */
export interface ShardDispatch {
  start(jobs: readonly ShardJob[]): Promise<void>;
  /** Shards whose job has ended (failed for good, gone, or done), with what ended it. */
  collectEnded(jobs: readonly ShardJob[]): Promise<Map<number, string>>;
  /** Shard jobs not started yet are dropped; running ones stop on their own once the run is over. */
  cancel(jobs: readonly ShardJob[]): Promise<void>;
}

/**
 * The lister of a sharded run (issue 14, point 4): to the check it is a `listTree` lister, so the
 * run is one ordinary run — one lease, one inventory snapshot, one judgement, the same gates and
 * outputs — while the listing is done by shard jobs on other workers. `planTrees` (called by the
 * walker with every top) splits the work (shard-plan.ts; with `hash` it first lists the tops
 * themselves with the site's own lister) and starts the jobs; `listTree(top)` then waits for each
 * shard's segment of that top to be finished, streams it back from the history (the items arrive
 * post-order within each shard's disjoint subtrees, and the top's own listing comes last), and
 * turns a shard that ended without its segment into unlisted directories — never missing files.
 */
export class ShardedLister implements Lister {
  readonly kind: string;
  readonly noEmptyDirectories?: boolean;
  readonly utf8Names?: boolean;
  private planned?: Promise<Plan>;
  private jobs: ShardJob[] = [];
  /** Segments (one shard's part of one top): finished by their shard, ended without (unlisted), planned. */
  private readonly parts: ListingParts = { done: 0, failed: 0, total: 0 };

  constructor(
    private readonly inner: Lister,
    private readonly site: SiteConfig,
    private readonly run: { runId: number; signal: AbortSignal; log: Log },
    private readonly store: HistoryStore,
    private readonly dispatch: ShardDispatch,
  ) {
    this.kind = inner.kind;
    if (inner.noEmptyDirectories) this.noEmptyDirectories = true;
    if (inner.utf8Names) this.utf8Names = true;
  }

  // eslint-disable-next-line require-yield
  async *listDir(path: string): AsyncIterable<DirEntry[]> {
    throw new DcError('UNSUPPORTED', `a sharded listing lists whole trees, not ${path} alone`);
  }

  /** The site's own lister, for the unmerged phase: its area is not one of the planned trees. */
  get direct(): Lister {
    return this.inner;
  }

  listingParts(): ListingParts {
    return { ...this.parts };
  }

  planTrees(paths: readonly string[]): void {
    this.planned ??= this.plan(paths);
    // Awaited (and its failure reported) by listTree.
    this.planned.catch(() => undefined);
  }

  async *listTree(path: string, signal: AbortSignal): AsyncIterable<TreeItem[]> {
    if (!this.planned) throw new DcError('INTERNAL', 'sharded lister: listTree before planTrees');
    const plan = await this.planned;
    const t = plan.paths.indexOf(path);
    if (t < 0) throw new DcError('INTERNAL', `sharded lister: ${path} was not planned`);
    const own = plan.tops[t];
    if (own?.error) {
      yield [{ type: 'unlisted', path, error: own.error }];
      return;
    }
    const waiting = new Map(this.jobs.flatMap((j) => j.segments.filter((s) => s.top === t).map((s) => [j.shard, s.dirs.map((d) => d[0])] as const)));
    while (waiting.size > 0) {
      // Ended first, then finished: a shard seen ended and not finished has written all it ever will.
      const ended = await io('asking the queue about the shards', this.dispatch.collectEnded(this.jobs));
      const all = await io('reading the shards\' listings', this.store.shardParts.collectFinished(this.run.runId));
      this.parts.done = all.length;
      const finished = all.filter((f) => f.top === t && waiting.has(f.shard));
      for (const seg of finished) {
        waiting.delete(seg.shard);
        try {
          yield* decodeSegment(this.store.shardParts.streamSegment(this.run.runId, seg), this.site.PathPrefix);
        } catch (err) {
          throw err instanceof DcError ? err : new DcError('IO', `reading shard ${seg.shard}'s listing of ${path}: ${errorMessage(err)}`, { cause: err });
        }
      }
      for (const [shard, dirs] of waiting) {
        const why = ended.get(shard);
        if (why === undefined) continue;
        waiting.delete(shard);
        this.parts.failed++;
        this.run.log('shard-failed', { site: this.site.name, runId: this.run.runId, shard, dirs: dirs.length, error: why, message: 'its directories are unlisted' });
        const error = new DcError('IO', `shard ${shard} of the run ended without listing it: ${why}`);
        yield dirs.map((d): TreeItem => ({ type: 'unlisted', path: this.site.PathPrefix + d, error }));
      }
      if (waiting.size === 0) break;
      // An empty batch is progress to the walker: waiting on shards is not a stalled listing.
      yield [];
      await sleep(POLL_MS, AbortSignal.any([signal, this.run.signal]), 'sharded listing stopped');
    }
    if (own) yield [{ type: 'dir', path, mtime: own.mtime, entries: own.files }];
  }

  async close(): Promise<void> {
    try {
      if (this.jobs.length) await this.dispatch.cancel(this.jobs).catch(() => undefined);
      await this.store.shardParts.clear(this.run.runId).catch(() => undefined);
    } finally {
      await this.inner.close();
    }
  }

  private async plan(paths: readonly string[]): Promise<Plan> {
    const site = this.site;
    const prefix = site.PathPrefix;
    const lfns = paths.map((p) => (prefix && p.startsWith(prefix) ? p.slice(prefix.length) || '/' : p));
    const plan: Plan = { paths, tops: [] };
    await io('removing the shard listings of runs that ended', this.store.shardParts.sweep());
    let assignments;
    if (site.ShardBy === 'top') assignments = splitTops(lfns, site.Shards);
    else {
      // The levels above the split: the coordinator lists the tops themselves, once.
      const index = new Map(lfns.map((l, i) => [l, i]));
      const children = lfns.map((): [string, number][] => []);
      const files = new Map<string, DirEntry[]>();
      for (let i = 0; i < lfns.length; i++) plan.tops.push({ mtime: 0, files: [] });
      for await (const ev of walk(this.inner, {
        ...siteWalkOptions(site, lfns),
        perDirectory: true,
        signal: this.run.signal,
        skipDir: (lfn, mtime) => {
          const t = index.get(parentDir(lfn));
          if (t !== undefined) children[t].push([lfn, mtime]);
          return true;
        },
      })) {
        if (ev.type === 'files') {
          const cut = ev.dir === '/' ? 1 : ev.dir.length + 1;
          files.set(ev.dir, ev.files.map((f) => ({ name: f.lfn.slice(cut), isDir: false, size: f.size, mtime: f.mtime })));
        } else if (ev.type === 'dir') {
          const t = index.get(ev.dir.lfn);
          if (t !== undefined) plan.tops[t] = { mtime: ev.dir.mtime, files: files.get(ev.dir.lfn) ?? [], error: plan.tops[t].error };
        } else {
          const t = index.get(ev.lfn);
          if (t !== undefined) plan.tops[t].error = new DcError(ev.code as ErrorCode, ev.message);
        }
      }
      assignments = splitChildren(lfns, children, site.Shards);
    }
    this.jobs = assignments.map((a) => ({ runId: this.run.runId, site: site.name, url: site.Url, shard: a.shard, shards: site.Shards, segments: a.segments }));
    this.parts.total = this.jobs.reduce((n, j) => n + j.segments.length, 0);
    this.run.log('shards-planned', { site: site.name, runId: this.run.runId, shardBy: site.ShardBy, shards: site.Shards, jobs: this.jobs.map((j) => ({ shard: j.shard, segments: j.segments.length, dirs: j.segments.reduce((n, s) => n + s.dirs.length, 0) })) });
    await io('starting the shard jobs', this.dispatch.start(this.jobs));
    return plan;
  }
}

/** A database or queue failure is a storage-side failure to the walker (the top unlisted), not a lister bug. */
async function io<T>(what: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    throw err instanceof DcError ? err : new DcError('IO', `${what}: ${errorMessage(err)}`, { cause: err });
  }
}

interface Plan {
  paths: readonly string[];
  /** `hash` only: each top's own listing (its files and mtime), or why it failed. Empty with `top`. */
  tops: { mtime: number; files: DirEntry[]; error?: DcError }[];
}
