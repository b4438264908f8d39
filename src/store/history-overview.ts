import type { Kysely } from 'kysely';
import type { SiteMode, SiteStatus } from '../core/site-state.ts';
import type { SqlEngine } from '../sql/sql-engine.ts';
import type { StoreDb } from './history-schema.ts';

/**
 * The history as the dashboard shows it: every site with its latest runs, and a site's runs as
 * chart points. Read through store.runs.collectLatest / collectPoints (site-runs.ts).
 */

export interface LatestRuns {
  site: string;
  status: SiteStatus;
  mode: SiteMode;
  updatedAt: string;
  updatedBy: string;
  last: { id: number; status: string; startedAt: string; finishedAt: string | null; heartbeatAt: string | null; progress: string | null; error: string | null } | null;
  done: DoneRun | null;
}

/** The numbers of a run the summary and the charts show. */
export interface RunCounts {
  files: number;
  bytes: number;
  directories: number;
  missing: number;
  missingBytes: number;
  orphan: number;
  orphanBytes: number;
  sizeMismatch: number;
  emptyDirs: number;
  unlisted: number;
  duration: number;
}

export interface DoneRun extends RunCounts {
  id: number;
  startedAt: string;
  finishedAt: string | null;
  gatesHeld: string | null;
  summary: string | null;
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/**
 * Every known site with its latest run (any status) and its latest finished run, in one query:
 * two correlated MAX(id) look-ups per site that the (site, status, id) index answers directly,
 * so the cost grows with the number of sites, not with the length of the history.
 */
export async function queryLatestRuns(db: Kysely<StoreDb>, engine: SqlEngine): Promise<LatestRuns[]> {
  // MySQL plans correlated sub-queries in ON poorly but answers a grouped MAX(id) with a loose
  // index scan; SQLite and PostgreSQL do the opposite (a grouped MAX reads the whole index).
  const base =
    engine === 'mysql'
      ? db
          .selectFrom('site_states as s')
          .leftJoin(db.selectFrom('runs').select(['site', (e) => e.fn.max('id').as('m')]).groupBy('site').as('lm'), 'lm.site', 's.site')
          .leftJoin('runs as l', 'l.id', 'lm.m')
          .leftJoin(db.selectFrom('runs').select(['site', (e) => e.fn.max('id').as('m')]).where('status', '=', 'done').groupBy('site').as('dm'), 'dm.site', 's.site')
          .leftJoin('runs as d', 'd.id', 'dm.m')
      : db
          .selectFrom('site_states as s')
          .leftJoin('runs as l', (j) => j.on((eb) => eb('l.id', '=', eb.selectFrom('runs as x').select((e) => e.fn.max('x.id').as('m')).whereRef('x.site', '=', 's.site'))))
          .leftJoin('runs as d', (j) =>
            j.on((eb) => eb('d.id', '=', eb.selectFrom('runs as y').select((e) => e.fn.max('y.id').as('m')).whereRef('y.site', '=', 's.site').where('y.status', '=', 'done'))),
          );
  const rows = await base
    .select([
      's.site', 's.status', 's.mode', 's.updated_at', 's.updated_by',
      'l.id as l_id', 'l.status as l_status', 'l.started_at as l_started', 'l.finished_at as l_finished', 'l.heartbeat_at as l_heartbeat', 'l.progress as l_progress', 'l.error as l_error',
      'd.id as d_id', 'd.started_at as d_started', 'd.finished_at as d_finished', 'd.files as d_files', 'd.bytes as d_bytes', 'd.directories as d_directories',
      'd.missing as d_missing', 'd.missing_bytes as d_missing_bytes', 'd.orphan as d_orphan', 'd.orphan_bytes as d_orphan_bytes', 'd.size_mismatch as d_size_mismatch',
      'd.empty_dirs as d_empty', 'd.unlisted as d_unlisted', 'd.duration as d_duration', 'd.gates_held as d_gates', 'd.summary as d_summary',
    ])
    .orderBy('s.site')
    .execute();
  return rows.map((r) => ({
    site: r.site,
    status: r.status as SiteStatus,
    mode: r.mode as SiteMode,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
    last: r.l_id === null || r.l_id === undefined ? null : { id: num(r.l_id), status: r.l_status!, startedAt: r.l_started!, finishedAt: r.l_finished ?? null, heartbeatAt: r.l_heartbeat ?? null, progress: r.l_progress ?? null, error: r.l_error ?? null },
    done:
      r.d_id === null || r.d_id === undefined
        ? null
        : {
            id: num(r.d_id), startedAt: r.d_started!, finishedAt: r.d_finished ?? null, files: num(r.d_files), bytes: num(r.d_bytes), directories: num(r.d_directories),
            missing: num(r.d_missing), missingBytes: num(r.d_missing_bytes), orphan: num(r.d_orphan), orphanBytes: num(r.d_orphan_bytes), sizeMismatch: num(r.d_size_mismatch),
            emptyDirs: num(r.d_empty), unlisted: num(r.d_unlisted), duration: num(r.d_duration), gatesHeld: r.d_gates ?? null, summary: r.d_summary ?? null,
          },
  }));
}

export interface RunPoint extends RunCounts {
  id: number;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  gatesHeld: string[];
  acted: boolean;
  error: string | null;
}

/** A site's runs, newest first, without the summary documents (charts need only the counts). */
export async function queryRunPoints(db: Kysely<StoreDb>, site: string, limit: number): Promise<RunPoint[]> {
  const rows = await db
    .selectFrom('runs')
    .select(['id', 'status', 'started_at', 'finished_at', 'files', 'bytes', 'directories', 'missing', 'missing_bytes', 'orphan', 'orphan_bytes', 'size_mismatch', 'empty_dirs', 'unlisted', 'duration', 'gates_held', 'acted', 'error'])
    .where('site', '=', site)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: num(r.id), status: r.status, startedAt: r.started_at, finishedAt: r.finished_at, files: num(r.files), bytes: num(r.bytes), directories: num(r.directories),
    missing: num(r.missing), missingBytes: num(r.missing_bytes), orphan: num(r.orphan), orphanBytes: num(r.orphan_bytes), sizeMismatch: num(r.size_mismatch),
    emptyDirs: num(r.empty_dirs), unlisted: num(r.unlisted), duration: num(r.duration), gatesHeld: parseGates(r.gates_held), acted: num(r.acted) === 1, error: r.error,
  }));
}

/** The gates a run was held by (JSON text in the history; unreadable text holds none). */
function parseGates(text: string | null): string[] {
  if (!text) return [];
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}
