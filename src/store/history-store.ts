import { nameFromStoredText, nameToStoredText } from '../core/escape.ts';
import type { Kysely } from 'kysely';
import { DcError } from '../core/errors.ts';
import { failpoint } from '../core/failpoint.ts';
import { hashString, newHash } from '../core/lfn-hash.ts';
import type { SiteMode, SiteState, SiteStatus } from '../core/site-state.ts';
import { openSql, type SqlDatabase } from '../sql/sql-database.ts';
import type { SqlEngine } from '../sql/sql-engine.ts';
import { ActionLog } from './action-log.ts';
import { migrateActions } from './actions-schema.ts';
import { queryLatestRuns, queryRunPoints, type LatestRuns, type RunPoint } from './history-overview.ts';
import { FleetMembers } from './fleet-members.ts';
import { migrateBaselines, migrateHistory, migrateMembers, migrateProtectedLists, migrateShardParts, migrateTurns, type HistoryDb, type StoreDb } from './history-schema.ts';
import { ProtectedLists } from './protected-lists.ts';
import { SiteBaselines } from './site-baselines.ts';
import { defaultOwner, isDeadLocalOwner, isLockLive, LOCK_STALE_SECONDS } from './site-lock.ts';
import { SiteTurns } from './site-turns.ts';
import { ShardParts } from './shard-parts.ts';

export { defaultOwner, isDeadLocalOwner, LOCK_STALE_SECONDS } from './site-lock.ts';

/**
 * `cleaned`: a run of the unmerged cleaning alone (`check --no-inventory`, issue 15). It is no check:
 * it never counts as a site's last `done` run (confirmation, baselines, the dashboard's figures).
 */
export type RunStatus = 'running' | 'done' | 'failed' | 'halted' | 'cleaned';
/** `unmerged`: a file or directory the unmerged cleaning would remove (issue 15), confirmed like orphans. */
export type FindingCategory = 'missing' | 'orphan' | 'size_mismatch' | 'empty' | 'unmerged';

/** A finding as the actions and the dashboard read it: the name as it was reported (not escaped). */
export interface FindingOfRun {
  lfn: string;
  size: number;
  firstRun: number;
}

/** Which findings of a run collectFindingsOfRun returns (all of the category when empty). */
export interface FindingFilter {
  /** At least this many consecutive sightings. */
  minConsecutive?: number;
  /** First seen at or before this ISO-8601 time. */
  firstSeenBy?: string;
  /** Not acted on by any run yet. */
  notActed?: boolean;
  /** Only findings with a recorded size (> 0). */
  sized?: boolean;
  limit?: number;
}


const hashHex = (() => {
  const h = newHash();
  return (lfn: string) => {
    hashString(lfn, h);
    return h[0].toString(16).padStart(8, '0') + h[1].toString(16).padStart(8, '0') + h[2].toString(16).padStart(8, '0');
  };
})();

/**
 * Runs, per-file findings with first/last sighting, and site states, on any SQL engine (src/sql).
 * New sites start `ready` in `dry` mode. The database stays inside: the web, the actions and the
 * run ask through methods, the action log (`actions`) and the baselines (`baselines`).
 */
export class HistoryStore {
  readonly engine: SqlEngine;
  /** Every action a run or command took (store/action-log.ts). */
  readonly actions: ActionLog;
  /** The sizes shrinking is judged against (store/site-baselines.ts). */
  readonly baselines: SiteBaselines;
  /** The daemon's turns: when each site is next due (store/site-turns.ts). */
  readonly turns: SiteTurns;
  /** The last protected list each site's unmerged cleaning accepted (store/protected-lists.ts). */
  readonly protectedLists: ProtectedLists;
  /** The fleet's daemons and workers with their heartbeats, and the live runs (store/fleet-members.ts). */
  readonly members: FleetMembers;
  /** The listings of a sharded run's shards, until the run merges them (store/shard-parts.ts). */
  readonly shardParts: ShardParts;
  private readonly db: Kysely<StoreDb>;

  private constructor(private readonly database: SqlDatabase<StoreDb>) {
    this.engine = database.engine;
    this.db = database.db;
    this.actions = new ActionLog(this.db);
    this.baselines = new SiteBaselines(this.db);
    this.turns = new SiteTurns(this.db);
    this.protectedLists = new ProtectedLists(this.db);
    this.members = new FleetMembers(this.db);
    this.shardParts = new ShardParts(this.db);
  }

  static async open(url: string): Promise<HistoryStore> {
    const database = await openSql<StoreDb>(url);
    try {
      await migrateHistory(database);
      await migrateActions(database);
      await migrateBaselines(database);
      await migrateTurns(database);
      await migrateProtectedLists(database);
      await migrateMembers(database);
      await migrateShardParts(database);
    } catch (err) {
      await database.close().catch(() => undefined);
      throw err;
    }
    return new HistoryStore(database);
  }

  async close(): Promise<void> {
    await this.database.close();
  }

  /** Whether the history knows the site (it had a state, a run or a change). */
  async hasSite(site: string): Promise<boolean> {
    const r = await this.db.selectFrom('site_states').select('site').where('site', '=', site).executeTakeFirst();
    return r !== undefined;
  }

  /** Who holds the site's lock and its last heartbeat (seconds), both null when free. */
  async getLock(site: string): Promise<{ owner: string | null; heartbeat: number | null }> {
    const r = await this.db.selectFrom('site_states').select(['lock_owner', 'lock_heartbeat']).where('site', '=', site).executeTakeFirst();
    return { owner: r?.lock_owner ?? null, heartbeat: r?.lock_heartbeat === null || r?.lock_heartbeat === undefined ? null : Number(r.lock_heartbeat) };
  }

  /**
   * Creates the state row of each site that has none. Only the sites asked are read (in chunks
   * within every engine's parameter limit): this runs several times per check, and reading every
   * site's row each time made a check's cost grow with the fleet (bench/fleet).
   */
  async ensureSites(sites: readonly string[]): Promise<void> {
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

  async getState(site: string): Promise<SiteState> {
    await this.ensureSites([site]);
    const r = await this.db.selectFrom('site_states').selectAll().where('site', '=', site).executeTakeFirstOrThrow();
    return { site: r.site, status: r.status as SiteStatus, mode: r.mode as SiteMode, updatedAt: r.updated_at, updatedBy: r.updated_by, lastRunAt: r.last_run_at };
  }

  async listStates(): Promise<SiteState[]> {
    const rows = await this.db.selectFrom('site_states').selectAll().orderBy('site').execute();
    return rows.map((r) => ({ site: r.site, status: r.status as SiteStatus, mode: r.mode as SiteMode, updatedAt: r.updated_at, updatedBy: r.updated_by, lastRunAt: r.last_run_at }));
  }

  /** `set-status`: ready|halt|disable change the status, act|dry the reporting mode. */
  async setState(site: string, value: SiteStatus | SiteMode, by: string): Promise<SiteState> {
    await this.ensureSites([site]);
    const now = new Date().toISOString();
    const change = value === 'act' || value === 'dry' ? { mode: value } : { status: value };
    await this.db.updateTable('site_states').set({ ...change, updated_at: now, updated_by: by }).where('site', '=', site).execute();
    await this.recordStateChange(site, value, by, now);
    return this.getState(site);
  }

  /** Logs a state change (or an operator's `accept`) with its origin. */
  async recordStateChange(site: string, value: string, by: string, at: string = new Date().toISOString()): Promise<void> {
    await this.db.insertInto('state_changes').values({ site, value, changed_by: by, changed_at: at }).execute();
  }

  /** The site's state changes, newest first. */
  async collectStateChanges(site: string, limit = 50): Promise<{ site: string; value: string; by: string; at: string }[]> {
    const rows = await this.db.selectFrom('state_changes').select(['site', 'value', 'changed_by', 'changed_at']).where('site', '=', site).orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({ site: r.site, value: r.value, by: r.changed_by, at: r.changed_at }));
  }

  /**
   * The site among `candidates` whose turn it is: ready or halted (halt stops a running check, not
   * the rotation, as in the seed; disabled sites wait for `ready`), the oldest last run first
   * whatever that run's outcome (never-run sites first, then by name), skipping sites a live run of
   * another process holds. With `owner`, the site comes back locked for it (acquireLock), so two
   * processes picking at once never take the same site: the loser takes the next one.
   */
  async pickSite(candidates: readonly string[], owner?: string): Promise<string | undefined> {
    if (candidates.length === 0) return undefined;
    await this.ensureSites(candidates);
    const rows = await this.db.selectFrom('site_states').select(['site', 'last_run_at', 'status', 'lock_owner', 'lock_heartbeat']).where('site', 'in', [...candidates]).execute();
    const turn = rows.filter((r) => r.status === 'ready' || r.status === 'halt');
    turn.sort((a, b) => (a.last_run_at ?? '').localeCompare(b.last_run_at ?? '') || a.site.localeCompare(b.site));
    const now = Math.floor(Date.now() / 1000);
    for (const r of turn) {
      if (owner !== undefined) {
        if (await this.acquireLock(r.site, owner)) return r.site;
      } else if (!isLockLive(r, now)) {
        return r.site;
      }
    }
    return undefined;
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
    await this.db.insertInto('state_changes').values({ site, value: 'ready', changed_by: by, changed_at: now }).execute();
    return true;
  }

  /** Takes the site's lock unless a live run holds it; a stale lock (crashed run) is taken over. */
  async acquireLock(site: string, owner: string = defaultOwner()): Promise<boolean> {
    await this.ensureSites([site]);
    const now = Math.floor(Date.now() / 1000);
    // A holder on this host whose process is gone (kill -9, OOM) is stale now, not in 2 minutes.
    const held = await this.db.selectFrom('site_states').select('lock_owner').where('site', '=', site).executeTakeFirst();
    const dead = held?.lock_owner && held.lock_owner !== owner && isDeadLocalOwner(held.lock_owner) ? held.lock_owner : undefined;
    const res = await this.db
      .updateTable('site_states')
      .set({ lock_owner: owner, lock_heartbeat: now })
      .where('site', '=', site)
      .where((eb) =>
        eb.or([
          eb('lock_owner', 'is', null),
          eb('lock_heartbeat', '<', now - LOCK_STALE_SECONDS),
          eb('lock_owner', '=', owner),
          ...(dead ? [eb('lock_owner', '=', dead)] : []),
        ]),
      )
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return false;
    // Runs left "running" by a crashed holder are closed as failed.
    await this.db
      .updateTable('runs')
      .set({ status: 'failed', error: 'the run stopped without finishing (crash or kill); its lock was recovered', finished_at: new Date().toISOString() })
      .where('site', '=', site)
      .where('status', '=', 'running')
      .execute();
    // What those runs left half done: actions started and never settled, findings staged and never merged.
    await this.actions.interruptStarted(site);
    await this.db.deleteFrom('findings_stage').where('run_id', 'in', (eb) => eb.selectFrom('runs').select('id').where('site', '=', site).where('status', '<>', 'running')).execute();
    return true;
  }

  async releaseLock(site: string, owner: string = defaultOwner()): Promise<void> {
    await this.db.updateTable('site_states').set({ lock_owner: null, lock_heartbeat: null }).where('site', '=', site).where('lock_owner', '=', owner).execute();
  }

  /** Who holds the site's lock now (null when nobody does), so a holder can see it was taken over. */
  async lockOwner(site: string): Promise<string | null> {
    const r = await this.db.selectFrom('site_states').select('lock_owner').where('site', '=', site).executeTakeFirst();
    return r?.lock_owner ?? null;
  }

  async startRun(site: string, startedAt: string): Promise<number> {
    const r = await this.db
      .insertInto('runs')
      .values({ site, status: 'running', started_at: startedAt, finished_at: null, heartbeat_at: startedAt, progress: null, summary: null, files: 0, bytes: 0, directories: 0, missing: 0, missing_bytes: 0, orphan: 0, orphan_bytes: 0, size_mismatch: 0, empty_dirs: 0, unlisted: 0, new_files: 0, inventory_files: 0, duration: 0, gates_held: null, acted: 0, error: null })
      .executeTakeFirst();
    const id = Number(r.insertId);
    if (!Number.isFinite(id) || id <= 0) {
      const row = await this.db.selectFrom('runs').select('id').where('site', '=', site).orderBy('id', 'desc').executeTakeFirstOrThrow();
      return row.id;
    }
    return id;
  }

  /** Heartbeat of a running check: progress for the dashboard, and the lock kept fresh. */
  async heartbeat(site: string, runId: number, progress: unknown, owner: string = defaultOwner()): Promise<void> {
    const now = new Date();
    await this.db.updateTable('runs').set({ heartbeat_at: now.toISOString(), progress: JSON.stringify(progress) }).where('id', '=', runId).execute();
    await this.db.updateTable('site_states').set({ lock_heartbeat: Math.floor(now.getTime() / 1000) }).where('site', '=', site).where('lock_owner', '=', owner).execute();
  }

  async finishRun(runId: number, status: RunStatus, fields: { summary?: any; gatesHeld?: string[]; acted?: boolean; error?: string }): Promise<void> {
    const s = fields.summary;
    const finished = new Date().toISOString();
    await this.db
      .updateTable('runs')
      .set({
        status,
        finished_at: finished,
        summary: s ? JSON.stringify(s) : null,
        ...(s
          ? {
              files: s.listing.files,
              bytes: s.listing.bytes,
              directories: s.listing.directories,
              missing: s.missing.count,
              missing_bytes: s.missing.bytes,
              orphan: s.orphan.count,
              orphan_bytes: s.orphan.bytes,
              size_mismatch: s.sizeMismatch.count,
              empty_dirs: s.empty,
              unlisted: s.unlisted.count,
              new_files: s.listing.newFiles,
              inventory_files: s.inventory.files,
              duration: s.timings.total,
            }
          : {}),
        gates_held: fields.gatesHeld ? JSON.stringify(fields.gatesHeld) : null,
        acted: fields.acted ? 1 : 0,
        error: fields.error ?? null,
      })
      .where('id', '=', runId)
      .execute();
    failpoint('recording');
    // Every finished run takes the site's turn, whatever its outcome: a site that fails or is
    // halted every time goes to the back of the rotation instead of starving the others.
    const run = await this.db.selectFrom('runs').select('site').where('id', '=', runId).executeTakeFirstOrThrow();
    await this.db.updateTable('site_states').set({ last_run_at: finished }).where('site', '=', run.site).execute();
  }

  /** The site's last finished (`done`) run before `runId`. */
  async previousDoneRun(site: string, runId: number): Promise<number | undefined> {
    const r = await this.db.selectFrom('runs').select('id').where('site', '=', site).where('status', '=', 'done').where('id', '<', runId).orderBy('id', 'desc').executeTakeFirst();
    return r?.id;
  }

  /**
   * Records this run's findings of one category: a finding also reported by the previous done
   * run counts one more consecutive sighting; one not reported now is resolved and dropped.
   * Names are stored as they are (not escaped), with their size when given; a name that is not
   * UTF-8 is stored escaped (nameToStoredText), and read back by nameFromStoredText.
   */
  async recordFindings(
    site: string,
    runId: number,
    category: FindingCategory,
    findings: AsyncIterable<string | { name: string; size: number }> | Iterable<string | { name: string; size: number }>,
    seenAt?: string,
    /** The run whose sightings this one continues (default: the site's previous done run). */
    previousRun?: number,
  ): Promise<number> {
    // Sightings are dated by the run's start, so OrphanConfirmDays spans runs, not write times.
    const now = seenAt ?? new Date().toISOString();
    const prev = previousRun ?? (await this.previousDoneRun(site, runId)) ?? -1;
    let n = 0;
    await this.db.deleteFrom('findings_stage').where('run_id', '=', runId).where('category', '=', category).execute();
    let batch: HistoryDb['findings_stage'][] = [];
    const flush = async () => {
      if (batch.length) await this.db.insertInto('findings_stage').values(batch).execute();
      batch = [];
    };
    const seen = new Set<string>();
    for await (const f of findings as AsyncIterable<string | { name: string; size: number }>) {
      const lfn = typeof f === 'string' ? f : f.name;
      const hh = hashHex(lfn);
      if (seen.has(hh)) continue;
      seen.add(hh);
      // A name that is not UTF-8 is kept escaped (database text is UTF-8): src/core/escape.ts nameToStoredText.
      batch.push({ run_id: runId, category, lfn_hash: hh, lfn: nameToStoredText(lfn), size: typeof f === 'string' ? 0 : f.size });
      n++;
      if (batch.length >= 500) await flush();
    }
    await flush();
    await this.db.transaction().execute(async (trx) => {
      const staged = trx.selectFrom('findings_stage as s').select('s.lfn_hash').where('s.run_id', '=', runId).where('s.category', '=', category);
      await trx
        .updateTable('findings')
        .set((eb) => ({ consecutive: eb('consecutive', '+', 1), last_run: runId, last_seen_at: now }))
        .where('site', '=', site).where('category', '=', category).where('last_run', '=', prev)
        .where('lfn_hash', 'in', staged)
        .execute();
      await trx
        .updateTable('findings')
        .set({ consecutive: 1, last_run: runId, last_seen_at: now, first_run: runId, first_seen_at: now, acted_run: null })
        .where('site', '=', site).where('category', '=', category).where('last_run', '<>', runId)
        .where('lfn_hash', 'in', staged)
        .execute();
      await trx
        .insertInto('findings')
        .columns(['site', 'category', 'lfn_hash', 'lfn', 'size', 'first_run', 'last_run', 'first_seen_at', 'last_seen_at', 'consecutive'])
        .expression((eb) =>
          eb
            .selectFrom('findings_stage as s')
            .select([eb.val(site).as('site'), 's.category', 's.lfn_hash', 's.lfn', 's.size', eb.val(runId).as('first_run'), eb.val(runId).as('last_run'), eb.val(now).as('first_seen_at'), eb.val(now).as('last_seen_at'), eb.val(1).as('consecutive')])
            .where('s.run_id', '=', runId)
            .where('s.category', '=', category)
            .where((w) => w.not(w.exists(w.selectFrom('findings as f').select('f.lfn_hash').where('f.site', '=', site).where('f.category', '=', category).whereRef('f.lfn_hash', '=', 's.lfn_hash')))),
        )
        .execute();
      await trx.deleteFrom('findings').where('site', '=', site).where('category', '=', category).where('last_run', '<>', runId).execute();
      await trx.deleteFrom('findings_stage').where('run_id', '=', runId).where('category', '=', category).execute();
    });
    return n;
  }

  /**
   * The last run that recorded findings of `category` at the site: every finding still kept was seen
   * by it. Categories recorded only by some runs (`unmerged`: runs with --unmerged) continue from it.
   */
  async lastFindingsRun(site: string, category: FindingCategory): Promise<number | undefined> {
    const r = await this.db.selectFrom('findings').select((eb) => eb.fn.max('last_run').as('m')).where('site', '=', site).where('category', '=', category).executeTakeFirst();
    return r?.m === null || r?.m === undefined ? undefined : Number(r.m);
  }

  async collectFindings(site: string, category: FindingCategory) {
    const rows = await this.db.selectFrom('findings').selectAll().where('site', '=', site).where('category', '=', category).orderBy('lfn').execute();
    return rows.map((r) => ({ ...r, lfn: nameFromStoredText(r.lfn) }));
  }

  /** The site's newest run of any status, or undefined before its first. */
  async latestRunId(site: string): Promise<number | undefined> {
    const r = await this.db.selectFrom('runs').select((eb) => eb.fn.max('id').as('m')).where('site', '=', site).executeTakeFirst();
    return r?.m === null || r?.m === undefined ? undefined : Number(r.m);
  }

  /** The site's newest finished (`done`) run with the gates that held it. */
  async lastDoneRun(site: string): Promise<{ id: number; gatesHeld: string[] } | undefined> {
    const r = await this.db.selectFrom('runs').select(['id', 'gates_held']).where('site', '=', site).where('status', '=', 'done').orderBy('id', 'desc').executeTakeFirst();
    if (!r) return undefined;
    return { id: Number(r.id), gatesHeld: r.gates_held ? (JSON.parse(r.gates_held) as string[]) : [] };
  }

  /**
   * Findings of one category reported by run `runId` (findings describe the latest done run), in
   * name order, filtered for confirmation (SEMANTICS.md "Acting on results") or for sizes.
   */
  async collectFindingsOfRun(site: string, runId: number, category: FindingCategory, filter: FindingFilter = {}): Promise<FindingOfRun[]> {
    let q = this.db.selectFrom('findings').select(['lfn', 'size', 'first_run']).where('site', '=', site).where('category', '=', category).where('last_run', '=', runId);
    if (filter.minConsecutive !== undefined) q = q.where('consecutive', '>=', filter.minConsecutive);
    if (filter.notActed) q = q.where('acted_run', 'is', null);
    // ISO-8601 UTC strings of one fixed format compare in time order.
    if (filter.firstSeenBy !== undefined) q = q.where('first_seen_at', '<=', filter.firstSeenBy);
    if (filter.sized) q = q.where('size', '>', 0);
    q = q.orderBy('lfn');
    if (filter.limit !== undefined) q = q.limit(filter.limit);
    return (await q.execute()).map((r) => ({ lfn: nameFromStoredText(r.lfn), size: Number(r.size), firstRun: Number(r.first_run) }));
  }

  /**
   * Run `runId`'s findings of `categories` counted by consecutive sightings and first sighting
   * (as many distinct first sightings as runs, no more), and those an earlier run acted on.
   */
  async countFindingsOfRun(site: string, runId: number, categories: readonly FindingCategory[]): Promise<{
    sightings: { category: FindingCategory; consecutive: number; firstSeenAt: string; n: number }[];
    acted: { category: FindingCategory; n: number }[];
  }> {
    const rows = await this.db
      .selectFrom('findings')
      .select((eb) => ['category', 'consecutive', 'first_seen_at', eb.fn.countAll<number>().as('n')])
      .where('site', '=', site)
      .where('last_run', '=', runId)
      .where('category', 'in', [...categories])
      .groupBy(['category', 'consecutive', 'first_seen_at'])
      .execute();
    const acted = await this.db
      .selectFrom('findings')
      .select((eb) => ['category', eb.fn.countAll<number>().as('n')])
      .where('site', '=', site)
      .where('last_run', '=', runId)
      .where('acted_run', 'is not', null)
      .groupBy('category')
      .execute();
    return {
      sightings: rows.map((r) => ({ category: r.category as FindingCategory, consecutive: Number(r.consecutive), firstSeenAt: r.first_seen_at, n: Number(r.n) })),
      acted: acted.map((r) => ({ category: r.category as FindingCategory, n: Number(r.n) })),
    };
  }

  /** Every known site with its latest run (any status) and its latest finished run (the dashboard). */
  collectLatestRuns(): Promise<LatestRuns[]> {
    return queryLatestRuns(this.db, this.engine);
  }

  /** A site's runs, newest first, as chart points (no summary documents). */
  collectRunPoints(site: string, limit: number): Promise<RunPoint[]> {
    return queryRunPoints(this.db, site, limit);
  }

  async collectRuns(site: string, limit = 100) {
    return this.db.selectFrom('runs').selectAll().where('site', '=', site).orderBy('id', 'desc').limit(limit).execute();
  }

  /** A run's status, or undefined when there is no such run. */
  async runStatus(id: number): Promise<RunStatus | undefined> {
    const r = await this.db.selectFrom('runs').select('status').where('id', '=', id).executeTakeFirst();
    return r?.status as RunStatus | undefined;
  }

  async getRun(id: number) {
    const r = await this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw new DcError('NOT_FOUND', `no run ${id}`);
    return r;
  }
}
