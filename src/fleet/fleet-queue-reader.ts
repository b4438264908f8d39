import { Queue, type Job } from 'bullmq';
import { errorMessage } from '../core/errors.ts';
import { redactUrl } from '../core/redact-url.ts';
import { asCheckJob, type Log } from './fleet-executor.ts';
import { redisOptions } from './fleet-redis.ts';
import type { QueueSettings } from './fleet-settings.ts';
import { shardQueueName } from './shard-dispatch.ts';

export type QueueJobState = 'active' | 'waiting' | 'delayed' | 'failed';

/** One check job on the queue, as the fleet page shows it. */
export interface QueueJobView {
  id: string;
  site: string;
  lockGroup: string;
  state: QueueJobState;
  /** When it was queued (epoch ms). */
  queuedAt: number;
  /** When a worker took it (epoch ms), for a running job. */
  startedAt?: number;
  /** When a delayed job becomes waiting again (epoch ms). */
  delayedUntil?: number;
  /** The worker running it (`host:pid`, the worker's BullMQ name), for a running job. */
  worker?: string;
  /** Why it failed, for a failed job. */
  error?: string;
  finishedAt?: number;
  /** Tries that failed (BullMQ's attemptsMade): a delayed job with some is in its backoff. */
  attempts: number;
}

export interface QueueSnapshot {
  name: string;
  /** Jobs by state; `waiting` includes prioritized ones. */
  counts: Record<QueueJobState, number>;
  /** Up to `limit` jobs of each state. */
  jobs: QueueJobView[];
  /** The shard queue (`<name>-shards`): the parts of sharded runs' listings, done by any worker. */
  shards: ShardQueueSnapshot;
}

/** One shard job running or failed, as the fleet page shows it. */
export interface ShardJobView {
  id: string;
  state: 'active' | 'failed';
  site: string;
  /** The sharded run it lists for. */
  runId?: number;
  /** Which shard of how many. */
  shard?: number;
  shards?: number;
  worker?: string;
  startedAt?: number;
  error?: string;
  finishedAt?: number;
  attempts: number;
}

export interface ShardQueueSnapshot {
  name: string;
  counts: Record<QueueJobState, number>;
  /** Up to `limit` running and failed shard jobs. */
  jobs: ShardJobView[];
}

type Queues = { queue: Queue; shards: Queue; stop: AbortController };

export type QueueRead = { ok: true; queue: QueueSnapshot } | { ok: false; name: string; error: string };

/** How long the dashboard waits for Redis before it says Redis is unreachable. */
export const QUEUE_READ_TIMEOUT_MS = 3_000;

/**
 * Reads the check queue for the dashboard through BullMQ's Queue API (job counts, jobs by state),
 * never longer than a timeout: a Redis that does not answer is reported, not waited for. The
 * connection fails fast (no offline queue) and, after a failed read, is dropped so the next read
 * connects afresh once Redis is back.
 */
export class QueueReader {
  private current?: Queues;

  constructor(
    private readonly settings: QueueSettings,
    private readonly log: Log,
    private readonly timeoutMs = QUEUE_READ_TIMEOUT_MS,
  ) {}

  async read(limit = 100): Promise<QueueRead> {
    const name = this.settings.name;
    const c = this.connect();
    let timer: NodeJS.Timeout | undefined;
    let onError: ((err: Error) => void) | undefined;
    // The first connection error (refused, unknown host) answers at once; a Redis that accepts but
    // does not answer, after the timeout.
    const failed = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from Redis at ${redactUrl(this.settings.url)} within ${this.timeoutMs / 1000} s`)), this.timeoutMs);
      onError = reject;
      c.queue.once('error', onError);
      c.shards.once('error', onError);
    });
    try {
      return { ok: true, queue: await Promise.race([snapshot(c, limit), failed]) };
    } catch (err) {
      this.drop(c);
      return { ok: false, name, error: errorMessage(err) };
    } finally {
      clearTimeout(timer);
      if (onError) {
        c.queue.off('error', onError);
        c.shards.off('error', onError);
      }
    }
  }

  async close(): Promise<void> {
    const c = this.current;
    this.current = undefined;
    if (!c) return;
    c.stop.abort();
    await Promise.race([Promise.all([c.queue.close(), c.shards.close()]).catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
    await Promise.all([c.queue.disconnect(), c.shards.disconnect()]).catch(() => undefined);
  }

  private connect(): Queues {
    if (this.current) return this.current;
    const stop = new AbortController();
    const connection = { ...redisOptions(this.settings.url, this.log, 'dashboard', stop.signal), enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: this.timeoutMs };
    const queue = new Queue(this.settings.name, { connection });
    const shards = new Queue(shardQueueName(this.settings), { connection });
    // Redis errors are the read's answer (and redisOptions logs the reconnections), never a crash.
    for (const q of [queue, shards]) q.on('error', () => undefined);
    this.current = { queue, shards, stop };
    return this.current;
  }

  private drop(c: Queues): void {
    if (this.current === c) this.current = undefined;
    c.stop.abort();
    for (const q of [c.queue, c.shards]) void q.disconnect().catch(() => undefined);
  }
}

async function countJobs(queue: Queue): Promise<Record<QueueJobState, number>> {
  const raw = await queue.getJobCounts('active', 'waiting', 'prioritized', 'delayed', 'failed');
  return { active: raw.active ?? 0, waiting: (raw.waiting ?? 0) + (raw.prioritized ?? 0), delayed: raw.delayed ?? 0, failed: raw.failed ?? 0 };
}

async function snapshot({ queue, shards }: Queues, limit: number): Promise<QueueSnapshot> {
  const counts = await countJobs(queue);
  const jobs: QueueJobView[] = [];
  const states: [QueueJobState, Parameters<Queue['getJobs']>[0], boolean][] = [
    ['active', ['active'], true],
    ['waiting', ['waiting', 'prioritized'], true],
    ['delayed', ['delayed'], true],
    ['failed', ['failed'], false],
  ];
  for (const [state, types, asc] of states) {
    for (const job of await queue.getJobs(types, 0, limit - 1, asc)) {
      const view = jobView(job as Job, state);
      if (view) jobs.push(view);
    }
  }
  return { name: queue.name, counts, jobs, shards: await shardSnapshot(shards, limit) };
}

async function shardSnapshot(queue: Queue, limit: number): Promise<ShardQueueSnapshot> {
  const counts = await countJobs(queue);
  const jobs: ShardJobView[] = [];
  for (const state of ['active', 'failed'] as const) {
    for (const job of (await queue.getJobs([state], 0, limit - 1, state === 'active')) as (Job | undefined)[]) {
      if (!job?.id) continue;
      const d = (typeof job.data === 'object' && job.data !== null ? job.data : {}) as Record<string, unknown>;
      const num = (k: string) => (typeof d[k] === 'number' ? { [k]: d[k] as number } : {});
      jobs.push({
        id: job.id,
        state,
        site: typeof d.site === 'string' ? d.site : '(not a shard job)',
        ...num('runId'),
        ...num('shard'),
        ...num('shards'),
        ...progressFields(job, state),
      });
    }
  }
  return { name: queue.name, counts, jobs };
}

function jobView(job: Job | undefined, state: QueueJobState): QueueJobView | undefined {
  if (!job?.id) return undefined;
  const data = asCheckJob(job.data);
  return {
    id: job.id,
    site: data?.site ?? '(not a check job)',
    lockGroup: data?.lockGroup ?? '',
    state,
    queuedAt: job.timestamp,
    ...progressFields(job, state),
    ...(state === 'delayed' && job.delay ? { delayedUntil: job.timestamp + job.delay } : {}),
  };
}

/** Where a job of either queue stands: its failed tries; who runs it since when; why it failed and when. */
function progressFields(job: Job, state: QueueJobState): Pick<QueueJobView, 'attempts' | 'startedAt' | 'worker' | 'error' | 'finishedAt'> {
  return {
    attempts: job.attemptsMade,
    ...(state === 'active' && job.processedOn ? { startedAt: job.processedOn } : {}),
    ...(state === 'active' && job.processedBy ? { worker: job.processedBy } : {}),
    ...(state === 'failed' ? { error: job.failedReason || 'failed without a reason', ...(job.finishedOn ? { finishedAt: job.finishedOn } : {}) } : {}),
  };
}
