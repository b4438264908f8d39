import { nameFromStoredText, nameToStoredText } from '../core/escape.ts';
import type { Kysely } from 'kysely';
import type { ActionsDb } from './actions-schema.ts';
import type { HistoryDb } from './history-schema.ts';
import type { HistoryStore } from './history-store.ts';

export interface ActionRow {
  runId: number;
  site: string;
  sink: string;
  kind: string;
  target: string;
  outcome: string;
  detail?: string;
}

type Db = Kysely<HistoryDb & ActionsDb>;
const dbOf = (store: HistoryStore) => store.db as unknown as Db;

/** Appends action rows, in batches so a run with thousands of deletions stays a few statements. */
export async function recordActions(store: HistoryStore, rows: readonly ActionRow[], at: string = new Date().toISOString()): Promise<void> {
  const db = dbOf(store);
  for (let i = 0; i < rows.length; i += 500) {
    const batch = rows.slice(i, i + 500).map((r) => ({
      run_id: r.runId,
      site: r.site,
      sink: r.sink,
      kind: r.kind,
      target: nameToStoredText(r.target),
      outcome: r.outcome,
      detail: r.detail ?? null,
      at,
    }));
    await db.insertInto('actions').values(batch).execute();
  }
}

export async function collectActions(store: HistoryStore, site: string, runId?: number) {
  let q = dbOf(store).selectFrom('actions').selectAll().where('site', '=', site);
  if (runId !== undefined) q = q.where('run_id', '=', runId);
  return (await q.orderBy('id').execute()).map((r) => ({ ...r, target: nameFromStoredText(r.target) }));
}

/** Targets of `kind` at the site that some sink already did (ok or gone) since run `sinceRun`. */
export async function collectDoneTargets(store: HistoryStore, site: string, sink: string, kind: string, sinceRun: number): Promise<Set<string>> {
  const rows = await dbOf(store)
    .selectFrom('actions')
    .select('target')
    .where('site', '=', site)
    .where('sink', '=', sink)
    .where('kind', '=', kind)
    .where('outcome', 'in', ['ok', 'gone'])
    .where('run_id', '>=', sinceRun)
    .execute();
  return new Set(rows.map((r) => nameFromStoredText(r.target)));
}

/** Marks findings (by their stored, escaped LFN) as acted on by `runId`. */
export async function markActed(store: HistoryStore, site: string, category: string, lfns: readonly string[], runId: number): Promise<void> {
  const db = dbOf(store);
  for (let i = 0; i < lfns.length; i += 500) {
    await db
      .updateTable('findings')
      .set({ acted_run: runId })
      .where('site', '=', site)
      .where('category', '=', category)
      .where('lfn', 'in', lfns.slice(i, i + 500).map(nameToStoredText))
      .execute();
  }
}
