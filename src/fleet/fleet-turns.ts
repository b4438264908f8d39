import type { RunOutcome } from '../run/run-site.ts';
import type { HistoryStore } from '../store/history-store.ts';
import type { SiteHistory } from '../store/site-turns.ts';

export type { SiteHistory } from '../store/site-turns.ts';

/**
 * The fleet's turns, kept in the history store (store.turns): a run of the daemon or a worker that
 * took the site's turn (done, failed, or halted by an operator). A run stopped because its own
 * process was shutting down, or whose lock another process took over, or one that died with its
 * process, is no turn: the site stays due, so restarting the daemon loses no check.
 *
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
  await store.turns.record(site, outcome.runId, outcome.status);
}

/** What the history says of each site: its last check, its state, whether a live run holds it. */
export async function collectSiteHistory(store: HistoryStore, sites: readonly string[]): Promise<Map<string, SiteHistory>> {
  if (sites.length === 0) return new Map();
  await store.states.ensure(sites);
  return store.turns.collectSiteHistory(sites);
}
