import type { Kysely } from 'kysely';
import type { StoreDb } from './history-schema.ts';
import { isLockLive } from './site-lock.ts';

/** What the history says of a site for the daemon (src/fleet): its last check, state and lock. */
export interface SiteHistory {
  /** The last turn, else (a site checked before the daemon ran) the last `done` run. */
  last?: { runId: number; startedAt: number };
  status: 'ready' | 'halt' | 'disable';
  /** A live run of some process holds the site's lock. */
  locked: boolean;
}

/**
 * The daemon's turns (`store.turns`): a run of the daemon or a worker that took the site's turn
 * (which runs do is the fleet's call, src/fleet/fleet-turns.ts). When a site is next due is read
 * from here, so a restarted daemon loses no check.
 */
export class SiteTurns {
  constructor(private readonly db: Kysely<StoreDb>) {}

  /** Records the site's turn, dated by the run's start. */
  async record(site: string, runId: number, status: string): Promise<void> {
    const run = await this.db.selectFrom('runs').select('started_at').where('id', '=', runId).executeTakeFirst();
    const startedMs = run ? Date.parse(run.started_at) : Date.now();
    await this.db.insertInto('fleet_turns').values({ site, run_id: runId, started_ms: startedMs, status }).execute();
  }

  /** Every recorded turn's run id, oldest first. */
  async collectRunIds(): Promise<number[]> {
    const rows = await this.db.selectFrom('fleet_turns').select('run_id').orderBy('id').execute();
    return rows.map((r) => Number(r.run_id));
  }

  /** Each known site's last check, state and whether a live run holds it (sites not yet known are created). */
  async collectSiteHistory(sites: readonly string[], now = Math.floor(Date.now() / 1000)): Promise<Map<string, SiteHistory>> {
    const out = new Map<string, SiteHistory>();
    if (sites.length === 0) return out;
    const db = this.db;
    const states = await db.selectFrom('site_states').select(['site', 'status', 'lock_owner', 'lock_heartbeat']).where('site', 'in', [...sites]).execute();
    for (const s of states) {
      out.set(s.site, { status: s.status === 'halt' || s.status === 'disable' ? s.status : 'ready', locked: isLockLive(s, now) });
    }
    const turns = await db
      .selectFrom('fleet_turns as t')
      .select(['t.site', 't.run_id', 't.started_ms'])
      .where('t.id', 'in', db.selectFrom('fleet_turns').select((eb) => eb.fn.max('id').as('id')).where('site', 'in', [...sites]).groupBy('site'))
      .execute();
    for (const t of turns) {
      const h = out.get(t.site);
      if (h) h.last = { runId: Number(t.run_id), startedAt: Number(t.started_ms) / 1000 };
    }
    const withoutTurn = sites.filter((s) => out.get(s) && !out.get(s)?.last);
    if (withoutTurn.length) {
      const done = await db
        .selectFrom('runs')
        .select(['site', 'id', 'started_at'])
        .where('id', 'in', db.selectFrom('runs').select((eb) => eb.fn.max('id').as('id')).where('site', 'in', withoutTurn).where('status', '=', 'done').groupBy('site'))
        .execute();
      for (const r of done) {
        const h = out.get(r.site);
        if (h) h.last = { runId: Number(r.id), startedAt: Date.parse(r.started_at) / 1000 };
      }
    }
    return out;
  }

  /**
   * The run id of the site's last check as collectSiteHistory gives it (its last turn, else its last
   * `done` run), or 0 when never checked: what a worker compares with its job's slot, in one or two
   * indexed reads instead of a whole site history per job (bench/fleet).
   */
  async lastCheckRunId(site: string): Promise<number> {
    const turn = await this.db.selectFrom('fleet_turns').select('run_id').where('site', '=', site).orderBy('id', 'desc').limit(1).executeTakeFirst();
    if (turn) return Number(turn.run_id);
    const done = await this.db.selectFrom('runs').select('id').where('site', '=', site).where('status', '=', 'done').orderBy('id', 'desc').limit(1).executeTakeFirst();
    return done ? Number(done.id) : 0;
  }
}
