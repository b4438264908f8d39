import { Histogram, type MetricType, type Registry } from 'prom-client';
import { isLockLive } from '../store/site-lock.ts';
import type { QueueJobState } from '../fleet/fleet-queue-reader.ts';
import type { HistoryStore } from '../store/history-store.ts';
import type { WebFleet } from './web-fleet.ts';

/** Bounds (seconds) of the check duration histogram: checks take from seconds to days. */
export const CHECK_DURATION_BUCKETS = [10, 30, 60, 300, 900, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 24 * 3600, 3 * 86400];

export interface FleetMetrics {
  queue?: { name: string; counts?: Record<QueueJobState, number>; shards?: { name: string; counts: Record<QueueJobState, number> } };
  /** Runs in progress whose lock is live. */
  running: number;
  members: { role: string; host: string; pid: number; ageSeconds: number }[];
  durations: { site: string; buckets: number[]; count: number; sum: number }[];
}

/** What /metrics says of the fleet, read at scrape time from the queue (with its timeout) and the history. */
export async function collectFleetMetrics(store: HistoryStore, fleet: WebFleet, now: number): Promise<FleetMetrics> {
  const [read, members, live, durations] = await Promise.all([
    fleet.readQueue(),
    store.members.collect(),
    store.members.collectLiveRuns(),
    store.members.collectDurationHistogram(CHECK_DURATION_BUCKETS),
  ]);
  return {
    ...(read ? { queue: { name: read.ok ? read.queue.name : read.name, ...(read.ok ? { counts: read.queue.counts, shards: { name: read.queue.shards.name, counts: read.queue.shards.counts } } : {}) } } : {}),
    running: live.filter((r) => isLockLive({ lock_owner: r.lockOwner, lock_heartbeat: r.lockHeartbeat }, Math.floor(now / 1000))).length,
    members: members.map((m) => ({ role: m.role, host: m.host, pid: m.pid, ageSeconds: Math.max(0, (now - m.heartbeatMs) / 1000) })),
    durations,
  };
}

const DURATION_NAME = 'dc_check_duration_seconds';
const DURATION_HELP = 'Duration of finished (done) checks, from the whole history, per site.';

/**
 * dc_check_duration_seconds: every `done` run of the history, per site, counted into buckets by
 * one query at scrape time. The counts are the history's, not this process's: recounted from the
 * whole history at each scrape they only grow as runs finish (runs are never deleted), whichever
 * process ran them, however often the dashboard restarts or how many dashboards are scraped, so no
 * run is counted twice and none is lost. prom-client's Histogram only counts observations, so its
 * values are replaced by the history's.
 */
export class HistoryDurationHistogram extends Histogram<'site'> {
  private rows: FleetMetrics['durations'] = [];

  constructor(registry: Registry) {
    super({ name: DURATION_NAME, help: DURATION_HELP, labelNames: ['site'], buckets: CHECK_DURATION_BUCKETS, registers: [registry] });
  }

  set(rows: FleetMetrics['durations']): void {
    this.rows = rows;
  }

  /** What the registry renders (prom-client asks this, not get(), for the text format). */
  getForPromString(): ReturnType<Histogram<'site'>['get']> {
    return this.get();
  }

  override async get(): ReturnType<Histogram<'site'>['get']> {
    const name = DURATION_NAME;
    const values = this.rows.flatMap((r) => [
      ...CHECK_DURATION_BUCKETS.map((le, i) => ({ metricName: `${name}_bucket`, labels: { site: r.site, le }, value: r.buckets[i] })),
      { metricName: `${name}_bucket`, labels: { site: r.site, le: '+Inf' }, value: r.count },
      { metricName: `${name}_sum`, labels: { site: r.site }, value: r.sum },
      { metricName: `${name}_count`, labels: { site: r.site }, value: r.count },
    ]);
    // prom-client's typings declare MetricType an enum; at run time (and in the text) it is the string.
    return { name, help: DURATION_HELP, type: 'histogram' as unknown as MetricType, aggregator: 'sum', collect: () => undefined, values };
  }
}
