import type { Kysely } from 'kysely';
import type { StoreDb } from './history-schema.ts';

/** A check one member says it is running: the site, since when (epoch ms), and its queue job when it has one. */
export interface MemberCheck {
  site: string;
  since: number;
  jobId?: string;
}

/** One daemon or worker process of the fleet, as its last heartbeat described it. */
export interface FleetMember {
  /** `host:pid`, the owner name its runs hold site locks with. */
  id: string;
  role: 'daemon' | 'worker';
  host: string;
  pid: number;
  version: string;
  /** Checks it runs at once (a worker's concurrency, the embedded daemon's MaxConcurrentChecks; 0: it runs none itself). */
  slots: number;
  startedMs: number;
  heartbeatMs: number;
  checks: MemberCheck[];
}

/** A run the history records as running, with who holds its site's lock. */
export interface LiveRun {
  runId: number;
  site: string;
  startedAt: string;
  heartbeatAt: string | null;
  /** The run's progress JSON as its last heartbeat wrote it. */
  progress: string | null;
  lockOwner: string | null;
  /** Epoch seconds of the lock's last heartbeat. */
  lockHeartbeat: number | null;
}

function parseChecks(text: string): MemberCheck[] {
  try {
    const v = JSON.parse(text) as unknown;
    if (!Array.isArray(v)) return [];
    return v.filter((c): c is MemberCheck => typeof c === 'object' && c !== null && typeof (c as MemberCheck).site === 'string' && typeof (c as MemberCheck).since === 'number');
  } catch {
    return [];
  }
}

/**
 * The fleet's members (`store.members`): each daemon and worker keeps its row fresh (src/fleet/
 * fleet-member.ts), the dashboard reads them. A row is the member's own: only it writes it, so
 * the update-else-insert below never races another writer.
 */
export class FleetMembers {
  constructor(private readonly db: Kysely<StoreDb>) {}

  /** Writes the member's heartbeat (its row is created on the first). */
  async beat(m: FleetMember): Promise<void> {
    const row = { role: m.role, host: m.host, pid: m.pid, version: m.version, slots: m.slots, started_ms: m.startedMs, heartbeat_ms: m.heartbeatMs, checks: JSON.stringify(m.checks) };
    await this.db.updateTable('fleet_members').set(row).where('id', '=', m.id).execute();
    // MySQL counts changed rows, not matched ones: whether the row exists is asked, not inferred.
    const there = await this.db.selectFrom('fleet_members').select('id').where('id', '=', m.id).executeTakeFirst();
    if (!there) await this.db.insertInto('fleet_members').values({ id: m.id, ...row }).execute();
  }

  /** A member that stops cleanly leaves the fleet. */
  async leave(id: string): Promise<void> {
    await this.db.deleteFrom('fleet_members').where('id', '=', id).execute();
  }

  /** Forgets members silent since before `beforeMs` (killed processes, long gone). */
  async prune(beforeMs: number): Promise<void> {
    await this.db.deleteFrom('fleet_members').where('heartbeat_ms', '<', beforeMs).execute();
  }

  /** Every member, daemons first, then by host and pid. */
  async collect(): Promise<FleetMember[]> {
    const rows = await this.db.selectFrom('fleet_members').selectAll().orderBy('role').orderBy('host').orderBy('pid').execute();
    return rows.map((r) => ({
      id: r.id,
      role: r.role === 'daemon' ? 'daemon' : 'worker',
      host: r.host,
      pid: Number(r.pid),
      version: r.version,
      slots: Number(r.slots),
      startedMs: Number(r.started_ms),
      heartbeatMs: Number(r.heartbeat_ms),
      checks: parseChecks(r.checks),
    }));
  }

  /** Every run recorded as running, oldest first, with its site's lock holder. */
  async collectLiveRuns(): Promise<LiveRun[]> {
    const rows = await this.db
      .selectFrom('runs as r')
      .leftJoin('site_states as s', 's.site', 'r.site')
      .select(['r.id', 'r.site', 'r.started_at', 'r.heartbeat_at', 'r.progress', 's.lock_owner', 's.lock_heartbeat'])
      .where('r.status', '=', 'running')
      .orderBy('r.id')
      .execute();
    return rows.map((r) => ({
      runId: Number(r.id),
      site: r.site,
      startedAt: r.started_at,
      heartbeatAt: r.heartbeat_at,
      progress: r.progress,
      lockOwner: r.lock_owner ?? null,
      lockHeartbeat: r.lock_heartbeat === null || r.lock_heartbeat === undefined ? null : Number(r.lock_heartbeat),
    }));
  }

  /**
   * Check durations of every `done` run, per site, counted into `bounds` (seconds, ascending):
   * `buckets[i]` runs took at most bounds[i]; with their count and sum. One query whatever the
   * history's length, and from the whole history, so a scrape sees counters that only grow.
   */
  async collectDurationHistogram(bounds: readonly number[]): Promise<{ site: string; buckets: number[]; count: number; sum: number }[]> {
    const rows = await this.db
      .selectFrom('runs')
      .select((eb) => [
        'site',
        eb.fn.countAll<number>().as('n'),
        eb.fn.sum<number>('duration').as('total'),
        ...bounds.map((b, i) => eb.fn.sum<number>(eb.case().when('duration', '<=', b).then(1).else(0).end()).as(`b${i}`)),
      ])
      .where('status', '=', 'done')
      .groupBy('site')
      .orderBy('site')
      .execute();
    return rows.map((r) => ({ site: r.site, count: Number(r.n), sum: Number(r.total ?? 0), buckets: bounds.map((_, i) => Number(r[`b${i}`] ?? 0)) }));
  }
}
