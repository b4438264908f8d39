/** The history's shapes as the pages and the API read them (the queries are the store's: ctx.store.runs, .states, .actions). */
export type { DoneRun, LatestRuns, RunCounts, RunPoint } from '../store/history-overview.ts';
export type { RunActions } from '../store/action-log.ts';
export type { StateChange } from '../store/site-states.ts';

export function parseJson<T>(text: string | null | undefined): T | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
