import { Queue } from 'bullmq';
import type { Config } from '../config/config-loader.ts';
import { errorMessage } from '../core/errors.ts';
import type { HistoryStore } from '../store/history-store.ts';
import type { Log } from './fleet-executor.ts';
import { CLOSE_TIMEOUT_MS, redisOptions } from './fleet-redis.ts';
import type { QueueSettings } from './fleet-settings.ts';
import type { ShardDispatch } from './sharded-lister.ts';
import { runShard, shardJobId, type ShardJob } from './shard-run.ts';

/** Tries of one shard job (a worker killed mid-shard also costs one, through BullMQ's stall handling). */
export const SHARD_ATTEMPTS = 3;

/** The queue shard jobs go to: beside the checks' queue, so a worker busy coordinating still lists shards. */
export function shardQueueName(queue: QueueSettings): string {
  return `${queue.name}-shards`;
}

/**
 * Shard jobs on the fleet's queue, run by any worker (fleet-shard-worker.ts). The job id names the
 * run and the shard, so a shard is queued once and never runs twice at once.
 */
export class QueueShards implements ShardDispatch {
  private readonly queue: Queue<ShardJob>;
  private readonly closing = new AbortController();

  constructor(settings: QueueSettings, log: Log) {
    this.queue = new Queue<ShardJob>(shardQueueName(settings), { connection: redisOptions(settings.url, log, 'coordinator', this.closing.signal) });
    this.queue.on('error', (err) => log('queue-error', { role: 'coordinator', error: errorMessage(err) }));
  }

  async start(jobs: readonly ShardJob[]): Promise<void> {
    for (const job of jobs) {
      await this.queue.add('shard', job, {
        jobId: shardJobId(job),
        attempts: SHARD_ATTEMPTS,
        backoff: { type: 'fixed', delay: 1_000 },
        removeOnComplete: { age: 3_600, count: 10_000 },
        removeOnFail: { age: 86_400, count: 10_000 },
      });
    }
  }

  async collectEnded(jobs: readonly ShardJob[]): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    for (const job of jobs) {
      const j = await this.queue.getJob(shardJobId(job));
      if (!j) {
        out.set(job.shard, 'its queue job is gone');
        continue;
      }
      const state = await j.getState();
      if (state === 'failed') out.set(job.shard, j.failedReason || 'its job failed');
      else if (state === 'completed') out.set(job.shard, 'its job ended');
    }
    return out;
  }

  async cancel(jobs: readonly ShardJob[]): Promise<void> {
    for (const job of jobs) {
      const j = await this.queue.getJob(shardJobId(job));
      // A running job is locked by its worker, which stops once it sees the run is over.
      if (j && ['waiting', 'delayed', 'prioritized'].includes(await j.getState())) await j.remove().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.closing.abort();
    const closed = await Promise.race([this.queue.close().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), CLOSE_TIMEOUT_MS).unref())]).catch(() => false);
    if (!closed) await this.queue.disconnect().catch(() => undefined);
  }
}

/**
 * Shard jobs run in this process, all at once (the embedded daemon, which has no queue): the same
 * split, the same shard runs and the same merge through the history as on a distributed fleet.
 */
export class InProcessShards implements ShardDispatch {
  private readonly ended = new Map<number, string>();
  private readonly stop = new AbortController();

  constructor(
    private readonly config: Config,
    private readonly store: HistoryStore,
    private readonly log: Log,
    signal: AbortSignal,
  ) {
    signal.addEventListener('abort', () => this.stop.abort(), { once: true });
  }

  async start(jobs: readonly ShardJob[]): Promise<void> {
    for (const job of jobs) {
      runShard(this.config, job, this.store, { signal: this.stop.signal, log: this.log }).then(
        () => this.ended.set(job.shard, 'its run ended'),
        (err: unknown) => this.ended.set(job.shard, errorMessage(err)),
      );
    }
  }

  async collectEnded(): Promise<Map<number, string>> {
    return new Map(this.ended);
  }

  async cancel(): Promise<void> {
    this.stop.abort();
  }
}
