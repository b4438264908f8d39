import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, QueueEvents } from 'bullmq';
import type { Config } from '../config/config-loader.ts';
import { errorMessage } from '../core/errors.ts';
import { asCheckJob, checkJobId, type CheckJob, type FleetExecutor, type Log, type RunPhases } from './fleet-executor.ts';
import type { PlannedCheck } from './fleet-plan.ts';
import { CLOSE_TIMEOUT_MS, redisOptions } from './fleet-redis.ts';
import type { QueueSettings } from './fleet-settings.ts';

/** Tries of one job: a worker shutting down or a busy site puts a job back without using one. */
const ATTEMPTS = 5;

/**
 * The distributed daemon's side of the queue: due checks become BullMQ jobs whose id names the
 * site and its run slot, so a check already queued or running is never added again (BullMQ
 * ignores an add whose job id exists, however many daemons plan it); workers run them
 * (fleet-worker.ts).
 */
export class QueueExecutor implements FleetExecutor {
  private readonly queue: Queue<CheckJob>;
  private readonly events: QueueEvents | undefined;
  private readonly closing = new AbortController();
  /** Asked again this often even when no end of a check was heard (an event lost while Redis was away). */
  readonly pollSeconds = 2;

  /** `onFinish`: called when a worker completes or fails a job, so the daemon plans again at once instead of at its next poll. */
  constructor(
    settings: QueueSettings,
    log: Log,
    onFinish?: () => void,
    /** What the workers' runs do after the check, put in every job (daemon --unmerged, --more-logs; as phasesOf gives them). */
    private readonly phases: RunPhases = {},
  ) {
    this.queue = new Queue<CheckJob>(settings.name, { connection: redisOptions(settings.url, log, 'daemon', this.closing.signal) });
    this.queue.on('error', (err) => log('queue-error', { role: 'daemon', error: errorMessage(err) }));
    if (onFinish) {
      this.events = new QueueEvents(settings.name, { connection: redisOptions(settings.url, log, 'daemon', this.closing.signal) });
      this.events.on('error', (err) => log('queue-error', { role: 'daemon', error: errorMessage(err) }));
      this.events.on('completed', () => onFinish());
      this.events.on('failed', () => onFinish());
    }
  }

  async collectBusy(): Promise<{ site: string; lockGroup: string }[]> {
    const jobs = await this.queue.getJobs(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children']);
    const out: { site: string; lockGroup: string }[] = [];
    for (const j of jobs) {
      const data = asCheckJob(j.data);
      if (data) out.push({ site: data.site, lockGroup: data.lockGroup });
    }
    return out;
  }

  async start(check: PlannedCheck, _config: Config): Promise<void> {
    const jobId = checkJobId(check.site, check.slot);
    // A finished job of the same slot (its run took no turn, or it failed every try) is replaced:
    // the worker runs a slot only while it is the site's latest, so a slot checked meanwhile is not
    // checked twice (fleet-worker.ts).
    const existing = await this.queue.getJob(jobId);
    if (existing) {
      const state = await existing.getState();
      if (state !== 'completed' && state !== 'failed') return;
      await existing.remove();
    }
    const data: CheckJob = { site: check.site, slot: check.slot, lockGroup: check.lockGroup, ...this.phases };
    await this.queue.add('check', data, {
      jobId,
      attempts: ATTEMPTS,
      backoff: { type: 'exponential', delay: 10_000 },
      // Kept a while for whoever looks at the queue; a slot is never run twice whatever is kept.
      removeOnComplete: { age: 3_600, count: 10_000 },
      removeOnFail: { age: 86_400, count: 10_000 },
    });
  }

  async close(): Promise<void> {
    this.closing.abort();
    // A Redis that is away would hold a graceful close forever: give it a moment, then cut the connection.
    await Promise.all(
      [this.queue, this.events].map(async (q) => {
        if (!q) return;
        // The timer is kept referenced (and cleared after): while Redis is away nothing else may
        // keep the process alive, and it must not end with the close still pending.
        const within = async (p: Promise<unknown>): Promise<boolean> => {
          const timer = new AbortController();
          const done = await Promise.race([p.then(() => true), sleep(CLOSE_TIMEOUT_MS, false, { signal: timer.signal })]).catch(() => false);
          timer.abort();
          return done;
        };
        // QueueEvents' disconnect never settles with Redis away: it is given the same moment.
        if (!(await within(q.close()))) await within(q.disconnect());
      }),
    );
  }
}
