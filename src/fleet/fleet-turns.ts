import type { Generated, Kysely } from 'kysely';
import type { RunOutcome } from '../run/run-site.ts';
import type { HistoryDb } from '../store/history-schema.ts';
import type { HistoryStore } from '../store/history-store.ts';
import { isDeadLocalOwner, LOCK_STALE_SECONDS } from '../store/history-store.ts';
import { createIndexIfAbsent, serialId } from '../store/store-db.ts';

/**
 * The fleet's turns, kept in the history store: a run of the daemon or a worker that took the
 * site's turn (done, failed, or halted by an operator). A run stopped because its own process was
 * shutting down, or whose lock another process took over, or one that died with its process, is
 * no turn: the site stays due, so restarting the daemon loses no check.
 */
export type TurnsDb = {
  fleet_turns: { id: Generated<number>; site: string; run_id: number; started_ms: number; status: string };
};

function turnsDb(store: HistoryStore): Kysely<HistoryDb & TurnsDb> {
  return store.db.withTables<TurnsDb>();
}

export async function migrateTurns(store: HistoryStore): Promise<void> {
  const db = turnsDb(store);
  await db.schema.createTable('fleet_turns').ifNotExists()
    .addColumn('id', 'integer', serialId(db))
    .addColumn('site', 'varchar(128)', (c) => c.notNull())
    .addColumn('run_id', 'integer', (c) => c.notNull())
    .addColumn('started_ms', 'bigint', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .execute();
  await createIndexIfAbsent(db, 'fleet_turns_site_idx', 'fleet_turns', ['site', 'id']);
}

/**
 * Whether a finished run takes the site's turn. `shuttingDown` says the run's own process asked
 * it to stop; a lost lock ends a run `failed` with ABORTED while nobody here asked it to stop.
 */
export function takesTurn(outcome: RunOutcome, shuttingDown: boolean): boolean {
  if (outcome.status === 'done') return true;
  if (outcome.status === 'halted') return !shuttingDown;
  return outcome.error?.code !== 'ABORTED';
}

/** Records the site's turn (a run that took it, see takesTurn), dated by the run's start. */
export async function recordTurn(store: HistoryStore, site: string, outcome: RunOutcome): Promise<void> {
  const run = await store.getRun(outcome.runId);
  await turnsDb(store)
    .insertInto('fleet_turns')
    .values({ site, run_id: outcome.runId, started_ms: Date.parse(run.started_at), status: outcome.status })
    .execute();
}

export interface SiteHistory {
  /** The last turn, else (a site checked before the daemon ran) the last `done` run. */
  last?: { runId: number; startedAt: number };
  status: 'ready' | 'halt' | 'disable';
  /** A live run of some process holds the site's lock. */
  locked: boolean;
}

/** What the history says of each site: its last check, its state, whether a live run holds it. */
export async function collectSiteHistory(store: HistoryStore, sites: readonly string[]): Promise<Map<string, SiteHistory>> {
  const out = new Map<string, SiteHistory>();
  if (sites.length === 0) return out;
  await store.ensureSites(sites);
  const db = turnsDb(store);
  const now = Math.floor(Date.now() / 1000);
  const states = await db.selectFrom('site_states').select(['site', 'status', 'lock_owner', 'lock_heartbeat']).where('site', 'in', [...sites]).execute();
  for (const s of states) {
    const locked = !!s.lock_owner && s.lock_heartbeat !== null && Number(s.lock_heartbeat) >= now - LOCK_STALE_SECONDS && !isDeadLocalOwner(s.lock_owner);
    out.set(s.site, { status: s.status === 'halt' || s.status === 'disable' ? s.status : 'ready', locked });
  }
  const turns = await db
    .selectFrom('fleet_turns as t')
    .select(['t.site', 't.run_id', 't.started_ms'])
    .where('t.id', 'in', db.selectFrom('fleet_turns').select((eb) => eb.fn.max('id').as('id')).where('site', 'in', [...sites]).groupBy('site'))
    .execute();
  for (const t of turns) {
    const h = out.get(t.site);
    if (h) h.last = { runId: t.run_id, startedAt: Number(t.started_ms) / 1000 };
  }
  const withoutTurn = sites.filter((s) => out.get(s) && !out.get(s)!.last);
  if (withoutTurn.length) {
    const done = await db
      .selectFrom('runs')
      .select(['site', 'id', 'started_at'])
      .where('id', 'in', db.selectFrom('runs').select((eb) => eb.fn.max('id').as('id')).where('site', 'in', withoutTurn).where('status', '=', 'done').groupBy('site'))
      .execute();
    for (const r of done) out.get(r.site)!.last = { runId: r.id, startedAt: Date.parse(r.started_at) / 1000 };
  }
  return out;
}
