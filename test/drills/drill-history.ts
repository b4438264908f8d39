/**
 * The history's integrity as the drills check it: the engine's own check (SQLite `PRAGMA
 * integrity_check`; PostgreSQL has none built in, every table is read through instead) and our
 * invariants: runs finished or failed (at most one `running` per site, and none once `recovered`),
 * every done run with its summary, no findings staged for a run that no longer runs, no action
 * target done twice.
 */
import { sql } from 'kysely';
import { openSql } from '../../src/sql/sql-database.ts';

export interface HistoryFacts {
  runs: { id: number; status: string; error: string | null }[];
  /** Storage deletions recorded (any outcome), by target. */
  deletions: { runId: number; target: string; outcome: string }[];
  problems: string[];
}

export async function inspectHistory(url: string, site: string, o: { recovered: boolean }): Promise<HistoryFacts> {
  const database = await openSql<any>(url);
  const db = database.db;
  const problems: string[] = [];
  try {
    if (url.startsWith('sqlite:')) {
      const r = await sql<{ integrity_check: string }>`PRAGMA integrity_check`.execute(db);
      const verdict = r.rows.map((x) => x.integrity_check).join('; ');
      if (verdict !== 'ok') problems.push(`PRAGMA integrity_check: ${verdict}`);
    }
    for (const t of ['runs', 'findings', 'findings_stage', 'actions', 'site_states']) await db.selectFrom(t).selectAll().execute();
    const runs = (await db.selectFrom('runs').select(['id', 'status', 'error', 'summary']).where('site', '=', site).orderBy('id').execute()) as any[];
    const running = runs.filter((r) => r.status === 'running');
    if (running.length > (o.recovered ? 0 : 1)) problems.push(`${running.length} runs still running: ${running.map((r) => r.id).join(', ')}`);
    const odd = runs.filter((r) => !['running', 'done', 'failed', 'halted'].includes(r.status));
    if (odd.length) problems.push(`runs with status ${odd.map((r) => r.status).join(', ')}`);
    for (const r of runs.filter((x) => x.status === 'done')) {
      try {
        if (!JSON.parse(r.summary).listing) throw new Error('no listing block');
      } catch (err) {
        problems.push(`done run ${r.id} has no readable summary (${(err as Error).message})`);
      }
    }
    const live = new Set(running.map((r) => r.id));
    const staged = (await db.selectFrom('findings_stage').select('run_id').distinct().execute()) as { run_id: number }[];
    const stale = staged.filter((s) => !live.has(s.run_id));
    if (stale.length) problems.push(`findings staged for runs that no longer run: ${stale.map((s) => s.run_id).join(', ')}`);
    const deletions = ((await db.selectFrom('actions').select(['run_id', 'target', 'outcome']).where('site', '=', site).where('kind', '=', 'delete').orderBy('id').execute()) as any[]).map(
      (r) => ({ runId: Number(r.run_id), target: String(r.target), outcome: String(r.outcome) }),
    );
    const done = new Map<string, number>();
    for (const d of deletions) if (d.outcome === 'ok') done.set(d.target, (done.get(d.target) ?? 0) + 1);
    const twice = [...done].filter(([, n]) => n > 1);
    if (twice.length) problems.push(`${twice.length} targets deleted twice, e.g. ${twice[0][0]}`);
    return { runs: runs.map((r) => ({ id: Number(r.id), status: r.status, error: r.error })), deletions, problems };
  } finally {
    await database.close();
  }
}
