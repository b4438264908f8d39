import type { Kysely } from 'kysely';
import { nameFromStoredText, nameToStoredText } from '../core/escape.ts';
import type { StoreDb } from './history-schema.ts';

export interface ActionRow {
  runId: number;
  site: string;
  sink: string;
  kind: string;
  target: string;
  outcome: string;
  detail?: string;
}

/** What the action sinks did for a run: counts per sink, kind and outcome, and the first rows. */
export interface RunActions {
  counts: { sink: string; kind: string; outcome: string; n: number }[];
  first: { sink: string; kind: string; target: string; outcome: string; detail: string | null; at: string }[];
}

/** The history store's action log (`store.actions`): every action a run or command took (findings acted on: store.findings.markActed). */
export class ActionLog {
  constructor(private readonly db: Kysely<StoreDb>) {}

  /** Appends action rows, in batches so a run with thousands of deletions stays a few statements. */
  async record(rows: readonly ActionRow[], at: string = new Date().toISOString()): Promise<void> {
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
      await this.db.insertInto('actions').values(batch).execute();
    }
  }

  /** Write-ahead: the target recorded `started` before a sink touches it (`settle` gives the outcome). */
  async begin(row: Omit<ActionRow, 'outcome' | 'detail'>): Promise<void> {
    await this.record([{ ...row, outcome: 'started' }]);
  }

  /** Replaces the `started` row of this run's target with its outcome. */
  async settle(row: ActionRow, at: string = new Date().toISOString()): Promise<void> {
    await this.db
      .updateTable('actions')
      .set({ outcome: row.outcome, detail: row.detail ?? null, at })
      .where('site', '=', row.site)
      .where('run_id', '=', row.runId)
      .where('sink', '=', row.sink)
      .where('kind', '=', row.kind)
      .where('target', '=', nameToStoredText(row.target))
      .where('outcome', '=', 'started')
      .execute();
  }

  /**
   * Actions the site's dead runs left `started` (the process died between starting and recording
   * one) become `interrupted`: done or not, nobody knows. Called with the site's lock just taken over.
   */
  async interruptStarted(site: string): Promise<void> {
    await this.db
      .updateTable('actions')
      .set({ outcome: 'interrupted', detail: 'the run died during this action (crash or kill): it may or may not have been done' })
      .where('site', '=', site)
      .where('outcome', '=', 'started')
      .execute();
  }

  async collect(site: string, runId?: number) {
    let q = this.db.selectFrom('actions').selectAll().where('site', '=', site);
    if (runId !== undefined) q = q.where('run_id', '=', runId);
    return (await q.orderBy('id').execute()).map((r) => ({ ...r, target: nameFromStoredText(r.target) }));
  }

  /** Targets of `kind` at the site that some sink already did (ok or gone) since run `sinceRun`. */
  async collectDoneTargets(site: string, sink: string, kind: string, sinceRun: number): Promise<Set<string>> {
    const rows = await this.db
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

  /** A run's actions for the dashboard: counts per sink, kind and outcome, and the first `limit` rows. */
  async summarizeRun(site: string, runId: number, limit = 200): Promise<RunActions> {
    const counts = await this.db
      .selectFrom('actions')
      .select(['sink', 'kind', 'outcome', (eb) => eb.fn.countAll().as('n')])
      .where('site', '=', site)
      .where('run_id', '=', runId)
      .groupBy(['sink', 'kind', 'outcome'])
      .orderBy('sink')
      .execute();
    const first = counts.length
      ? await this.db.selectFrom('actions').select(['sink', 'kind', 'target', 'outcome', 'detail', 'at']).where('site', '=', site).where('run_id', '=', runId).orderBy('id').limit(limit).execute()
      : [];
    return { counts: counts.map((c) => ({ sink: c.sink, kind: c.kind, outcome: c.outcome, n: Number(c.n) })), first };
  }
}
