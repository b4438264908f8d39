import type { Kysely } from 'kysely';
import { DcError } from '../core/errors.ts';
import { failpoint } from '../core/failpoint.ts';
import type { SqlEngine } from '../sql/sql-engine.ts';
import { queryLatestRuns, queryRunPoints, type LatestRuns, type RunPoint } from './history-overview.ts';
import type { StoreDb } from './history-schema.ts';

/**
 * `cleaned`: a run of the unmerged cleaning alone (`check --no-inventory`, issue 15). It is no check:
 * it never counts as a site's last `done` run (confirmation, baselines, the dashboard's figures).
 */
export type RunStatus = 'running' | 'done' | 'failed' | 'halted' | 'cleaned';

/** The history's runs (`store.runs`): one row per run of a site, its status, figures and summary. */
export class SiteRuns {
  constructor(
    private readonly db: Kysely<StoreDb>,
    private readonly engine: SqlEngine,
  ) {}

  /** Records a run `running` from `startedAt`; returns its id. */
  async start(site: string, startedAt: string): Promise<number> {
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

  /** Records how the run ended (`summary`: its summary document, whose figures get their own columns). */
  async finish(runId: number, status: RunStatus, fields: { summary?: any; gatesHeld?: string[]; acted?: boolean; error?: string }): Promise<void> {
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

  /** Closes the site's runs left `running` as failed: their holder crashed and its lock was taken over. */
  async failRunning(site: string): Promise<void> {
    await this.db
      .updateTable('runs')
      .set({ status: 'failed', error: 'the run stopped without finishing (crash or kill); its lock was recovered', finished_at: new Date().toISOString() })
      .where('site', '=', site)
      .where('status', '=', 'running')
      .execute();
  }

  /** The site's last finished (`done`) run before `runId`. */
  async previousDone(site: string, runId: number): Promise<number | undefined> {
    const r = await this.db.selectFrom('runs').select('id').where('site', '=', site).where('status', '=', 'done').where('id', '<', runId).orderBy('id', 'desc').executeTakeFirst();
    return r?.id;
  }

  /** The site's newest run of any status, or undefined before its first. */
  async latestId(site: string): Promise<number | undefined> {
    const r = await this.db.selectFrom('runs').select((eb) => eb.fn.max('id').as('m')).where('site', '=', site).executeTakeFirst();
    return r?.m === null || r?.m === undefined ? undefined : Number(r.m);
  }

  /** The site's newest finished (`done`) run with the gates that held it. */
  async lastDone(site: string): Promise<{ id: number; gatesHeld: string[] } | undefined> {
    const r = await this.db.selectFrom('runs').select(['id', 'gates_held']).where('site', '=', site).where('status', '=', 'done').orderBy('id', 'desc').executeTakeFirst();
    if (!r) return undefined;
    return { id: Number(r.id), gatesHeld: r.gates_held ? (JSON.parse(r.gates_held) as string[]) : [] };
  }

  /** Every known site with its latest run (any status) and its latest finished run (the dashboard). */
  collectLatest(): Promise<LatestRuns[]> {
    return queryLatestRuns(this.db, this.engine);
  }

  /** A site's runs, newest first, as chart points (no summary documents). */
  collectPoints(site: string, limit: number): Promise<RunPoint[]> {
    return queryRunPoints(this.db, site, limit);
  }

  /** A site's runs, newest first, whole rows. */
  async collect(site: string, limit = 100) {
    return this.db.selectFrom('runs').selectAll().where('site', '=', site).orderBy('id', 'desc').limit(limit).execute();
  }

  /** A run's status, or undefined when there is no such run. */
  async status(id: number): Promise<RunStatus | undefined> {
    const r = await this.db.selectFrom('runs').select('status').where('id', '=', id).executeTakeFirst();
    return r?.status as RunStatus | undefined;
  }

  /** A run's whole row; throws NOT_FOUND when there is no such run. */
  async get(id: number) {
    const r = await this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw new DcError('NOT_FOUND', `no run ${id}`);
    return r;
  }
}
