import type { Kysely } from 'kysely';
import type { SiteMode, SiteState, SiteStatus } from '../core/site-state.ts';
import type { StoreDb } from './history-schema.ts';

/** A state change (or an operator's `accept`) as the history logged it. */
export interface StateChange {
  site: string;
  value: string;
  by: string;
  at: string;
}

/**
 * The sites' states (`store.states`): status and reporting mode as `set-status` sets them, with
 * every change logged with its origin. New sites start `ready` in `dry` mode.
 */
export class SiteStates {
  constructor(private readonly db: Kysely<StoreDb>) {}

  /** Whether the history knows the site (it had a state, a run or a change). */
  async has(site: string): Promise<boolean> {
    const r = await this.db.selectFrom('site_states').select('site').where('site', '=', site).executeTakeFirst();
    return r !== undefined;
  }

  /**
   * Creates the state row of each site that has none. Only the sites asked are read (in chunks
   * within every engine's parameter limit): this runs several times per check, and reading every
   * site's row each time made a check's cost grow with the fleet (bench/fleet).
   */
  async ensure(sites: readonly string[]): Promise<void> {
    const known = new Set<string>();
    for (let i = 0; i < sites.length; i += 500) {
      const chunk = sites.slice(i, i + 500);
      for (const r of await this.db.selectFrom('site_states').select('site').where('site', 'in', chunk).execute()) known.add(r.site);
    }
    const now = new Date().toISOString();
    for (const site of sites) {
      if (known.has(site)) continue;
      await this.db
        .insertInto('site_states')
        .values({ site, status: 'ready', mode: 'dry', updated_at: now, updated_by: 'created', last_run_at: null, lock_owner: null, lock_heartbeat: null })
        .execute();
    }
  }

  /** The site's state (its row is created when the site is new). */
  async get(site: string): Promise<SiteState> {
    await this.ensure([site]);
    const r = await this.db.selectFrom('site_states').selectAll().where('site', '=', site).executeTakeFirstOrThrow();
    return { site: r.site, status: r.status as SiteStatus, mode: r.mode as SiteMode, updatedAt: r.updated_at, updatedBy: r.updated_by, lastRunAt: r.last_run_at };
  }

  /** `set-status`: ready|halt|disable change the status, act|dry the reporting mode. */
  async set(site: string, value: SiteStatus | SiteMode, by: string): Promise<SiteState> {
    await this.ensure([site]);
    const now = new Date().toISOString();
    const change = value === 'act' || value === 'dry' ? { mode: value } : { status: value };
    await this.db.updateTable('site_states').set({ ...change, updated_at: now, updated_by: by }).where('site', '=', site).execute();
    await this.recordChange(site, value, by, now);
    return this.get(site);
  }

  /** Logs a state change (or an operator's `accept`) with its origin. */
  async recordChange(site: string, value: string, by: string, at: string = new Date().toISOString()): Promise<void> {
    await this.db.insertInto('state_changes').values({ site, value, changed_by: by, changed_at: at }).execute();
  }

  /** The site's state changes, newest first. */
  async collectChanges(site: string, limit = 50): Promise<StateChange[]> {
    const rows = await this.db.selectFrom('state_changes').select(['site', 'value', 'changed_by', 'changed_at']).where('site', '=', site).orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({ site: r.site, value: r.value, by: r.changed_by, at: r.changed_at }));
  }

  /**
   * A run starting on a halted site takes it back to `ready` (recorded with `by`, like any state
   * change): the halt stopped the previous run, and the new run's own heartbeat must not stop it
   * at once. Returns whether the site was halted.
   */
  async resumeHalted(site: string, by: string): Promise<boolean> {
    const now = new Date().toISOString();
    const res = await this.db.updateTable('site_states').set({ status: 'ready', updated_at: now, updated_by: by }).where('site', '=', site).where('status', '=', 'halt').executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return false;
    await this.recordChange(site, 'ready', by, now);
    return true;
  }
}
