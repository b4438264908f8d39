import { siteWalkOptions } from '../check/check-filters.ts';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { backendSite, siteConfig, type Config, type SiteConfig } from '../config/config-loader.ts';
import { DcError } from '../core/errors.ts';
import { parentDir } from '../core/lfn.ts';
import { sleepUnlessAborted } from '../core/sleep.ts';
import type { Lister } from '../listers/lister.ts';
import { createLister } from '../listers/registry.ts';
import { walk } from '../listers/walker.ts';
import type { HistoryStore } from '../store/history-store.ts';
import type { Log } from './fleet-executor.ts';
import { ShardEncoder } from './shard-codec.ts';
import type { ShardSegment } from './shard-plan.ts';

/** Seconds between a shard's looks at its run: a halted or finished run stops its shards this soon. */
export const SHARD_RUN_POLL_SECONDS = 3;

/** One shard of a sharded run, as queued (fleet-shard-worker.ts) or run in-process (sharded-lister.ts). */
export interface ShardJob {
  runId: number;
  site: string;
  /** The site's storage URL as the run's coordinator resolved it, so every shard lists the same door. */
  url: string;
  shard: number;
  shards: number;
  segments: ShardSegment[];
}

export function shardJobId(job: Pick<ShardJob, 'site' | 'runId' | 'shard'>): string {
  return `${job.site}.run-${job.runId}.shard-${job.shard}`;
}

/** A job's data as a ShardJob, or undefined when it is not one. */
export function asShardJob(data: unknown): ShardJob | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as Record<string, unknown>;
  if (typeof d.runId !== 'number' || typeof d.site !== 'string' || typeof d.url !== 'string' || typeof d.shard !== 'number' || typeof d.shards !== 'number' || !Array.isArray(d.segments)) return undefined;
  return d as unknown as ShardJob;
}

export interface ShardResult {
  /** Why nothing was listed: the run is over (halted, failed, done) or the segments were listed by an earlier execution. */
  skipped?: string;
  dirs: number;
  files: number;
  unlisted: number;
}

/**
 * Lists one shard's directories with the site's own lister and walker (NumThreads, Retries,
 * Timeout as for any run) and writes each segment to the history (store/shard-parts.ts) for the
 * run's coordinator. A segment an earlier execution finished is not listed again. The run is
 * looked at every few seconds: once it is no longer running (halted, failed, its worker died and
 * it was recorded so) the shard stops and removes what it wrote. A failed shard removes its
 * partial segment too and rethrows; its directories are then unlisted for the run, never missing.
 */
export async function runShard(config: Config, job: ShardJob, store: HistoryStore, opts: { signal: AbortSignal; log: Log }): Promise<ShardResult> {
  if ((await store.runs.status(job.runId)) !== 'running') return { dirs: 0, files: 0, unlisted: 0, skipped: `run ${job.runId} is not running` };
  const site = { ...siteConfig(config, job.site), Url: job.url };
  const lister = await createLister(backendSite(site, config.env));
  try {
    return await listShard(site, lister, job, store, opts);
  } finally {
    await lister.close().catch(() => undefined);
  }
}

/** runShard with the site and its lister made (the unit tests give an in-memory lister). */
export async function listShard(site: SiteConfig, lister: Lister, job: ShardJob, store: HistoryStore, opts: { signal: AbortSignal; log: Log }): Promise<ShardResult> {
  const result: ShardResult = { dirs: 0, files: 0, unlisted: 0 };
  if ((await store.runs.status(job.runId)) !== 'running') return { ...result, skipped: `run ${job.runId} is not running` };
  const done = new Set((await store.shardParts.collectFinished(job.runId)).filter((f) => f.shard === job.shard).map((f) => f.top));
  const todo = job.segments.filter((s) => !done.has(s.top));
  if (todo.length === 0) return { ...result, skipped: 'every segment was listed already' };
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const signal = AbortSignal.any([opts.signal, stop.signal]);
  let over: string | undefined;
  const watching = (async () => {
    while (!signal.aborted) {
      await sleepUnlessAborted(SHARD_RUN_POLL_SECONDS * 1000, signal);
      if (signal.aborted) return;
      const status = await store.runs.status(job.runId).catch(() => 'running');
      if (status !== 'running') {
        over = `run ${job.runId} is ${status ?? 'gone'}`;
        stop.abort();
      }
    }
  })();
  const exec = randomUUID();
  const t0 = Date.now();
  opts.log('shard-start', { site: job.site, runId: job.runId, shard: job.shard, shards: job.shards, segments: todo.length, dirs: todo.reduce((n, s) => n + s.dirs.length, 0) });
  let current: number | undefined;
  try {
    for (const seg of todo) {
      current = seg.top;
      const dirs = seg.dirs.map((d) => d[0]);
      const within = seg.within;
      const encoder = new ShardEncoder(within === undefined ? undefined : { lfn: within, dirs });
      let seq = 0;
      const write = (chunk: string, last: boolean) => store.shardParts.write(job.runId, job.shard, seg.top, exec, seq++, last, chunk);
      // `hash`: the top is listed again and only this shard's subdirectories of it are walked, so
      // they get their mtimes from their parent's listing, as in a walk of the whole site.
      const mine = new Set(dirs);
      const where = within === undefined
        ? { tops: dirs }
        : { tops: [within], perDirectory: true, skipDir: (lfn: string) => parentDir(lfn) === within && !mine.has(lfn) };
      for await (const ev of walk(lister, { ...siteWalkOptions(site, where.tops), ...where, signal })) {
        if (ev.type === 'files') result.files += ev.files.length;
        else if (ev.type === 'dir') result.dirs++;
        else result.unlisted++;
        for (const chunk of encoder.push(ev)) await write(chunk, false);
      }
      await write(encoder.finish(), true);
      current = undefined;
    }
    opts.log('shard-done', { site: job.site, runId: job.runId, shard: job.shard, ...result, seconds: (Date.now() - t0) / 1000 });
    return result;
  } catch (err) {
    // Only the segment it was writing: a finished one may be being read by the coordinator.
    if (current !== undefined) await store.shardParts.clear(job.runId, { exec, top: current }).catch(() => undefined);
    if (over) {
      opts.log('shard-stopped', { site: job.site, runId: job.runId, shard: job.shard, reason: over });
      return { ...result, skipped: over };
    }
    throw err instanceof DcError ? err : new DcError('INTERNAL', `shard ${job.shard} of run ${job.runId}: ${String(err)}`, { cause: err });
  } finally {
    stop.abort();
    await watching;
  }
}
