import type { SiteMode, SiteState, SiteStatus } from '../core/site-state.ts';
import type { RunActions } from '../store/action-log.ts';
import type { LatestRuns, RunPoint } from '../store/history-overview.ts';
import type { HistoryStore } from '../store/history-store.ts';

export type { DoneRun, LatestRuns, RunCounts, RunPoint } from '../store/history-overview.ts';
export type { RunActions } from '../store/action-log.ts';

/** Every known site with its latest run (any status) and its latest finished run. */
export function collectLatestRuns(store: HistoryStore): Promise<LatestRuns[]> {
  return store.collectLatestRuns();
}

/** A site's runs, newest first, without the summary documents (charts need only the counts). */
export function collectSiteRuns(store: HistoryStore, site: string, limit: number): Promise<RunPoint[]> {
  return store.collectRunPoints(site, limit);
}

export interface StateChange {
  site: string;
  value: string;
  by: string;
  at: string;
}

/** A state change from the dashboard; the store records it with its origin. */
export function recordStateChange(store: HistoryStore, site: string, value: SiteStatus | SiteMode, by: string): Promise<SiteState> {
  return store.setState(site, value, by);
}

export function collectStateChanges(store: HistoryStore, site: string, limit = 50): Promise<StateChange[]> {
  return store.collectStateChanges(site, limit);
}

export function parseJson<T>(text: string | null | undefined): T | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** What the action sinks did for a run: counts per sink, kind and outcome, and the first rows. */
export function collectRunActions(store: HistoryStore, site: string, runId: number, limit = 200): Promise<RunActions> {
  return store.actions.summarizeRun(site, runId, limit);
}
