import { doorProblem, siteConfig, type Config } from '../config/config-loader.ts';
import type { FleetMember, LiveRun, MemberCheck } from '../store/fleet-members.ts';
import type { HistoryStore } from '../store/history-store.ts';
import { isLockLive } from '../store/site-lock.ts';
import { MEMBER_STALE_SECONDS } from './fleet-member.ts';
import type { QueueJobState, QueueJobView, QueueRead, QueueReader, ShardQueueSnapshot } from './fleet-queue-reader.ts';
import type { NotReady } from './fleet-readiness.ts';
import { planFleetRound } from './fleet-round.ts';
import type { FleetSettings } from './fleet-settings.ts';
import { collectSiteHistory } from './fleet-turns.ts';

/** A check a member runs, with the run the history records for it. */
export interface MemberCheckView extends MemberCheck {
  runId?: number;
  progress?: unknown;
}

export interface MemberView extends Omit<FleetMember, 'checks'> {
  heartbeatAgeSeconds: number;
  /** No heartbeat for MEMBER_STALE_SECONDS: the process is gone or its history connection is. */
  stale: boolean;
  checks: MemberCheckView[];
}

/** A run the history records as running. */
export interface RunningView {
  runId: number;
  site: string;
  startedAt: string;
  heartbeatAt: string | null;
  progress: unknown;
  /** Who holds the site's lock (`host:pid`), null when nobody does. */
  owner: string | null;
  /** The lock's heartbeat is old or its process gone: the run died and is closed as failed when the site is next taken. */
  stale: boolean;
}

export type SiteActivity = 'running' | 'queued' | 'due' | 'waiting' | 'scheduled' | 'not checked';

export interface SiteView {
  site: string;
  status: 'ready' | 'halt' | 'disable';
  lockGroup: string;
  everyHours: number;
  /** The site's last check (its turn), or null when never checked. */
  last: { runId: number; startedAt: string } | null;
  /** When the site is due (ISO), null when it was never checked (due at once). */
  nextDueAt: string | null;
  activity: SiteActivity;
  /** In words: what runs it, or why it is not being checked. */
  reason: string;
}

export interface QueueView {
  name: string;
  reachable: boolean;
  /** Why the queue could not be read (Redis unreachable). */
  error?: string;
  counts?: Record<QueueJobState, number>;
  /** Jobs with, for running ones, the run and progress the history records. */
  jobs: (QueueJobView & { runId?: number; progress?: unknown })[];
  /** The shard queue of sharded runs, when Redis answered. */
  shards?: ShardQueueSnapshot;
}

export interface FleetView {
  mode: 'embedded' | 'distributed';
  at: string;
  maxConcurrentChecks: number;
  queue: QueueView | null;
  members: MemberView[];
  running: RunningView[];
  sites: SiteView[];
}

export interface FleetViewInput {
  /** The configuration widened to the inventory's sites. */
  config: Config;
  store: HistoryStore;
  settings: FleetSettings;
  /** The queue, when one is configured. */
  queue?: QueueReader;
  /** The readiness feed's answer (empty without ReadinessUrl). */
  notReady: NotReady;
  /** Epoch ms. */
  now: number;
}

const parse = (text: string | null): unknown => {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
};

/**
 * What the fleet is doing, for the dashboard: the queue, the members and their checks, the runs in
 * progress, and per site when it is next due and why it is not being checked, planned by the
 * daemon's own round (fleet-round.ts) over the same history, readiness and busy sites.
 */
export async function collectFleetView(input: FleetViewInput): Promise<FleetView> {
  const { config, store, settings, now } = input;
  const [read, members, live] = await Promise.all([input.queue?.read(1000), store.members.collect(), store.members.collectLiveRuns()]);
  const liveOf = new Map<string, LiveRun>(live.map((r) => [r.site, r]));
  const running: RunningView[] = live.map((r) => ({
    runId: r.runId, site: r.site, startedAt: r.startedAt, heartbeatAt: r.heartbeatAt, progress: parse(r.progress), owner: r.lockOwner,
    stale: !isLockLive({ lock_owner: r.lockOwner, lock_heartbeat: r.lockHeartbeat }, Math.floor(now / 1000)),
  }));
  const runOf = (site: string, owner?: string) => {
    const r = liveOf.get(site);
    return r && (owner === undefined || r.lockOwner === owner) ? { runId: r.runId, progress: parse(r.progress) } : {};
  };
  const memberViews: MemberView[] = members.map((m) => {
    const age = Math.max(0, (now - m.heartbeatMs) / 1000);
    return { ...m, heartbeatAgeSeconds: age, stale: age > MEMBER_STALE_SECONDS, checks: m.checks.map((c) => ({ ...c, ...runOf(c.site, m.id) })) };
  });

  const doorless = config.siteNames.filter((s) => doorProblem(config, siteConfig(config, s)));
  const sites = config.siteNames.filter((s) => !doorless.includes(s));
  const history = await collectSiteHistory(store, sites);
  // What the daemon's executor would say it holds: the queue's jobs, or the embedded daemon's own checks.
  const queued = read?.ok ? read.queue.jobs.filter((j) => j.state !== 'failed') : [];
  const held = settings.queue
    ? queued.map((j) => ({ site: j.site, lockGroup: j.lockGroup }))
    : members.filter((m) => m.role === 'daemon' && (now - m.heartbeatMs) / 1000 <= MEMBER_STALE_SECONDS).flatMap((m) => m.checks.map((c) => ({ site: c.site, lockGroup: sites.includes(c.site) ? siteConfig(config, c.site).LockGroup : '' })));
  const round = planFleetRound({ config, sites, history, notReady: input.notReady, held, maxConcurrentChecks: settings.maxConcurrentChecks, now: now / 1000 });
  const waiting = new Map(round.plan.waiting.map((w) => [w.site, w.reason]));
  const starting = new Set(round.plan.start.map((p) => p.site));
  const siteViews: SiteView[] = round.schedules.map((s) => {
    const dueAt = s.last ? s.last.startedAt + s.everySeconds : null;
    const base = {
      site: s.site, status: s.status, lockGroup: s.lockGroup, everyHours: s.everySeconds / 3600,
      last: s.last ? { runId: s.last.runId, startedAt: new Date(s.last.startedAt * 1000).toISOString() } : null,
      nextDueAt: dueAt === null ? null : new Date(dueAt * 1000).toISOString(),
    };
    if (s.busy) return { ...base, ...busyReason(s.site, liveOf.get(s.site), queued) };
    const why = waiting.get(s.site);
    if (why !== undefined) return { ...base, activity: 'waiting' as const, reason: why };
    if (starting.has(s.site)) {
      // Without the queue's answer a due site may as well be queued already: say what is not known.
      const unknown = settings.queue && !read?.ok ? '; whether it is queued is unknown (Redis unreachable)' : '';
      return { ...base, activity: 'due' as const, reason: `${s.last ? 'due' : 'never checked'}: the daemon starts it at its next round${unknown}` };
    }
    return { ...base, activity: 'scheduled' as const, reason: `next check due ${base.nextDueAt}` };
  });
  for (const site of doorless) {
    siteViews.push({ site, status: 'ready', lockGroup: '', everyHours: 0, last: null, nextDueAt: null, activity: 'not checked', reason: 'no Url, Redirectors entry or GlobalRedirectors: the daemon does not check it' });
  }
  siteViews.sort((a, b) => (a.site < b.site ? -1 : a.site > b.site ? 1 : 0));
  return {
    mode: settings.queue ? 'distributed' : 'embedded',
    at: new Date(now).toISOString(),
    maxConcurrentChecks: settings.maxConcurrentChecks,
    queue: settings.queue ? queueView(read!, liveOf) : null,
    members: memberViews,
    running,
    sites: siteViews,
  };
}

/** A busy site: what runs it, or where it waits on the queue (a delayed job with failed tries is in its backoff). */
function busyReason(site: string, run: LiveRun | undefined, queued: QueueJobView[]): { activity: SiteActivity; reason: string } {
  if (run) return { activity: 'running', reason: `running on ${run.lockOwner ?? 'an unknown process'} (run #${run.runId})` };
  const job = queued.find((j) => j.site === site);
  if (!job) return { activity: 'running', reason: 'held by a check of another process' };
  if (job.state === 'active') return { activity: 'running', reason: `starting on ${job.worker ?? 'a worker'}` };
  if (job.state === 'delayed') {
    const until = job.delayedUntil ? new Date(job.delayedUntil).toISOString() : 'later';
    return { activity: 'queued', reason: job.attempts > 0 ? `backoff after ${job.attempts} failed ${job.attempts === 1 ? 'try' : 'tries'}: next try ${until}` : `deferred on the queue until ${until}` };
  }
  return { activity: 'queued', reason: 'waiting on the queue for a worker' };
}

function queueView(read: QueueRead, liveOf: Map<string, LiveRun>): QueueView {
  if (!read.ok) return { name: read.name, reachable: false, error: read.error, jobs: [] };
  const jobs = read.queue.jobs.map((j) => {
    const r = j.state === 'active' ? liveOf.get(j.site) : undefined;
    return r && (!j.worker || r.lockOwner === j.worker) ? { ...j, runId: r.runId, progress: parse(r.progress) } : j;
  });
  return { name: read.queue.name, reachable: true, counts: read.queue.counts, jobs, shards: read.queue.shards };
}
