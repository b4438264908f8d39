import { hostname } from 'node:os';
import { DelayedError, Worker, type Job } from 'bullmq';
import type { Config } from '../config/config-loader.ts';
import { DcError, errorMessage } from '../core/errors.ts';
import type { HistoryStore } from '../store/history-store.ts';
import { defaultOwner } from '../store/site-lock.ts';
import type { Log } from './fleet-executor.ts';
import { redisOptions } from './fleet-redis.ts';
import type { QueueSettings } from './fleet-settings.ts';
import { shardQueueName } from './shard-dispatch.ts';
import { asShardJob, runShard, type ShardJob, type ShardResult } from './shard-run.ts';

/** What a finished shard job returns: its counts and who ran it (the dashboard and the tests read it). */
export interface ShardJobResult extends ShardResult {
  host: string;
  pid: number;
}

export interface ShardWorkerOptions {
  config: () => Config;
  refreshConfig?: () => Promise<Config>;
  store: HistoryStore;
  queue: QueueSettings;
  concurrency: number;
  /** The worker process is stopping: running shards stop and go back on the queue for another worker. */
  stop: AbortSignal;
  log: Log;
}

/**
 * A worker's second queue: the shard jobs of sharded runs (fleet-shards.ts), whichever worker
 * coordinates them. Kept apart from the checks so that workers all busy coordinating sharded
 * runs still list their shards. A worker killed mid-shard: BullMQ finds the job stalled and gives
 * it to another worker, which lists the shard's unfinished segments again.
 */
export function startShardWorker(opts: ShardWorkerOptions): Worker<ShardJob, ShardJobResult> {
  const { log, store } = opts;
  const processor = async (job: Job<ShardJob>, token?: string): Promise<ShardJobResult> => {
    const data = asShardJob(job.data);
    if (!data) throw new DcError('INPUT', `job ${job.id}: not a shard job`);
    const back = async (): Promise<never> => {
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    };
    if (opts.stop.aborted) return back();
    let config = opts.config();
    if (!config.siteNames.includes(data.site) && opts.refreshConfig) config = await opts.refreshConfig();
    try {
      const r = await runShard(config, data, store, { signal: opts.stop, log });
      return { ...r, host: hostname(), pid: process.pid };
    } catch (err) {
      if (opts.stop.aborted) return back();
      throw err;
    }
  };
  const ms = opts.queue.stallSeconds * 1000;
  const worker = new Worker<ShardJob, ShardJobResult>(shardQueueName(opts.queue), processor, {
    connection: redisOptions(opts.queue.url, log, 'shard-worker', opts.stop),
    concurrency: opts.concurrency,
    lockDuration: ms,
    stalledInterval: ms,
    maxStalledCount: 2,
    // Stored on each shard job it takes (job.processedBy): the fleet page names the worker of a running shard.
    name: defaultOwner(),
  });
  worker.on('error', (err) => log('queue-error', { role: 'shard-worker', error: errorMessage(err) }));
  worker.on('failed', (job, err) => log('shard-job-failed', { jobId: job?.id, error: errorMessage(err) }));
  worker.on('stalled', (jobId) => log('shard-job-stalled', { jobId, message: 'its worker stopped answering; the shard goes to another worker' }));
  return worker;
}
