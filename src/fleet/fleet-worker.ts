import { setTimeout as sleep } from 'node:timers/promises';
import { DelayedError, Worker, type Job } from 'bullmq';
import type { Config } from '../config/config-loader.ts';
import { DcError, errorMessage } from '../core/errors.ts';
import { runSite, type RunOutcome } from '../run/run-site.ts';
import type { HistoryStore } from '../store/history-store.ts';
import { defaultOwner } from '../store/site-lock.ts';
import { asCheckJob, FLEET_HEARTBEAT_SECONDS, phasesOf, type CheckJob, type Log } from './fleet-executor.ts';
import { FleetMemberBeat, type MemberCheck } from './fleet-member.ts';
import { CLOSE_TIMEOUT_MS, redisOptions } from './fleet-redis.ts';
import type { QueueSettings } from './fleet-settings.ts';
import { recordTurn, takesTurn } from './fleet-turns.ts';
import { startShardWorker } from './fleet-shard-worker.ts';
import { fleetListerHook } from './fleet-shards.ts';
import { QueueShards } from './shard-dispatch.ts';

/** Seconds a job waits before another try when its site is held by another process. */
const BUSY_DELAY_SECONDS = 15;

export interface FleetWorkerOptions {
  config: Config;
  /** The configuration again, widened to the inventory's sites, for a job naming a site it does not know. */
  refreshConfig?: () => Promise<Config>;
  store: HistoryStore;
  queue: QueueSettings;
  /** Checks this process runs at once. */
  concurrency: number;
  /** Stops taking jobs; running checks are halted (recorded `halted`) and their jobs put back on the queue. */
  signal: AbortSignal;
  log: Log;
  heartbeatSeconds?: number;
}

export interface CheckJobResult {
  runId?: number;
  status?: string;
  /** Why no run was made: the slot was already checked (the job outlived its run). */
  skipped?: string;
}

/**
 * A `worker` process: takes check jobs from the queue and runs each as runSite does, under the
 * site's lease in the shared history. A job of a worker killed mid-check stalls (its BullMQ lock
 * is not renewed) and is given to another worker after Queue.StallSeconds; that worker waits for
 * the dead run's lease to expire (at once on the same host, LOCK_STALE_SECONDS elsewhere), which
 * records the dead run `failed`, and runs the site again. A job whose slot was checked meanwhile
 * completes without a run, so no check runs twice.
 */
export async function runFleetWorker(opts: FleetWorkerOptions): Promise<void> {
  const { store, log } = opts;
  let config = opts.config;
  const running = new Map<string, MemberCheck>();
  const member = new FleetMemberBeat(store, 'worker', opts.concurrency, () => [...running.values()], log, opts.heartbeatSeconds);
  const stop = new AbortController();
  const onStop = () => stop.abort();
  opts.signal.addEventListener('abort', onStop, { once: true });
  if (opts.signal.aborted) stop.abort();

  const later = async (job: Job<CheckJob>, token: string | undefined, seconds: number, why: string): Promise<never> => {
    log('check-deferred', { jobId: job.id, site: job.data.site, inSeconds: seconds, reason: why });
    await job.moveToDelayed(Date.now() + seconds * 1000, token);
    throw new DelayedError();
  };

  const processor = async (job: Job<CheckJob>, token?: string): Promise<CheckJobResult> => {
    const data = asCheckJob(job.data);
    if (!data) throw new DcError('INPUT', `job ${job.id}: not a check job`);
    const { site, slot } = data;
    const phases = phasesOf(data);
    if (stop.signal.aborted) return later(job, token, 0, 'this worker is stopping');
    if (running.has(site)) return later(job, token, BUSY_DELAY_SECONDS, 'this worker is checking the site already');
    const lastRun = await store.turns.lastCheckRunId(site);
    if (lastRun !== slot) {
      log('check-skipped', { jobId: job.id, site, slot, lastRun, message: 'the slot was checked already' });
      return { skipped: 'slot already checked' };
    }
    if (!config.siteNames.includes(site) && opts.refreshConfig) config = await opts.refreshConfig();
    running.set(site, { site, since: Date.now(), ...(job.id ? { jobId: job.id } : {}) });
    member.touch();
    let outcome;
    let turn = false;
    // The turn is written while the run still holds the site: a stalled copy of this job handed to
    // another worker cannot start the same slot in between.
    const onOutcome = async (o: RunOutcome) => {
      turn = takesTurn(o, stop.signal.aborted);
      if (turn) await recordTurn(store, site, o);
    };
    try {
      log('check-job', { jobId: job.id, site, slot, attempt: job.attemptsMade + 1, ...phases });
      const createLister = fleetListerHook(config, store, log, shards);
      outcome = await runSite(config, site, store, { ...phases, signal: stop.signal, heartbeatSeconds: opts.heartbeatSeconds ?? FLEET_HEARTBEAT_SECONDS, log, onOutcome, resume: 'daemon', createLister });
    } catch (err) {
      // Another process holds the site (a dead worker's lease not yet expired, a `check` by hand) or FreeMem: later.
      if (err instanceof DcError && err.code === 'STATE') return later(job, token, BUSY_DELAY_SECONDS, err.message);
      throw err;
    } finally {
      running.delete(site);
      member.touch();
    }
    if (turn) return { runId: outcome.runId, status: outcome.status };
    // Stopped by this worker's shutdown: the job goes back for another worker, without using a try.
    if (stop.signal.aborted) return later(job, token, 0, 'this worker stopped; the check runs again');
    return { runId: outcome.runId, status: outcome.status, skipped: 'the site\'s lock was taken over by another process' };
  };

  // Sharded runs this worker coordinates queue their shards here; any worker's shard queue lists them.
  const shards = new QueueShards(opts.queue, log);
  const shardWorker = startShardWorker({ config: () => config, refreshConfig: opts.refreshConfig, store, queue: opts.queue, concurrency: opts.concurrency, stop: stop.signal, log });
  const ms = opts.queue.stallSeconds * 1000;
  const worker = new Worker<CheckJob, CheckJobResult>(opts.queue.name, processor, {
    connection: redisOptions(opts.queue.url, log, 'worker', stop.signal),
    concurrency: opts.concurrency,
    lockDuration: ms,
    stalledInterval: ms,
    // A job may stall twice (two dead workers) before it is failed.
    maxStalledCount: 2,
    // Stored on each job it takes (job.processedBy): the dashboard names the worker of a running job.
    name: defaultOwner(),
  });
  member.start();
  worker.on('error', (err) => log('queue-error', { role: 'worker', error: errorMessage(err) }));
  worker.on('ready', () => log('queue-connected', { role: 'worker', queue: opts.queue.name }));
  worker.on('failed', (job, err) => log('check-job-failed', { jobId: job?.id, site: job?.data.site, error: errorMessage(err) }));
  worker.on('stalled', (jobId) => log('check-job-stalled', { jobId, message: 'its worker stopped answering; the job goes to another worker' }));
  try {
    if (!stop.signal.aborted) await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
  } finally {
    opts.signal.removeEventListener('abort', onStop);
    // Waits for the running checks (halted by `stop`) to end. With Redis away the close never ends
    // once they have (BullMQ waits for its connection), so the connection is then cut, and after
    // that the worker is left behind.
    const closed = Promise.all([worker.close(), shardWorker.close()]).then(() => true, () => true);
    void closed.then(() => shards.close());
    let done: boolean;
    do done = await Promise.race([closed, sleep(CLOSE_TIMEOUT_MS, false)]);
    while (!done && running.size > 0);
    if (!done) {
      log('queue-close-abandoned', { role: 'worker', message: 'Redis does not answer; the connection is cut' });
      await Promise.race([Promise.all([worker.disconnect().catch(() => undefined), shardWorker.disconnect().catch(() => undefined), shards.close()]), sleep(CLOSE_TIMEOUT_MS)]);
    }
    await member.stop();
  }
}
