import type { ActionsReport } from '../actions/actions-types.ts';
import type { RunSummaryFile } from '../check/check-outputs.ts';
import type { CheckSummary } from '../check/check-types.ts';
import type { CheckResult } from '../check/site-check.ts';
import type { HistoryStore } from '../store/history-store.ts';
import type { RunStatus } from '../store/site-runs.ts';
import { failpoint } from '../core/failpoint.ts';
import type { SiteState } from '../core/site-state.ts';
import type { SiteBaseline } from '../store/site-baselines.ts';

/** How a run ended, as the history keeps it. */
export interface RunEnd {
  summary?: RunSummaryFile<ActionsReport>;
  /** The gates that held the run's actions back. */
  gatesHeld?: string[];
  /** Whether any action was taken. */
  acted?: boolean;
  error?: string;
}

/**
 * Everything one run reads from and writes to the history, and nothing else: the run visits the
 * store only through this record (the actions keep their own log, src/actions).
 */
export interface RunRecord {
  readonly site: string;
  readonly runId: number;
  /** What the gates judge besides the result: the site's state and its size baseline. */
  gateInputs(): Promise<{ state: SiteState; baseline: SiteBaseline | undefined }>;
  /** This run's sizes become the site's baseline (a run whose data gates were all open). */
  moveBaseline(summary: CheckSummary): Promise<void>;
  /** This run's findings, each a sighting dated by the run's start (confirmation spans runs). */
  recordFindings(result: CheckResult): Promise<void>;
  finish(status: RunStatus, end: RunEnd): Promise<void>;
}

/** Opens the run's record (status `running`) started at `now` (epoch seconds). */
export async function startRunRecord(store: HistoryStore, site: string, now: number): Promise<RunRecord> {
  const startedAt = new Date(now * 1000).toISOString();
  const runId = await store.runs.start(site, startedAt);
  return {
    site,
    runId,
    gateInputs: async () => ({ state: await store.states.get(site), baseline: await store.baselines.get(site) }),
    moveBaseline: (summary) => store.baselines.set({ site, settled: summary.inventory.settled, listed: summary.listing.files, runId, setBy: 'run' }),
    async recordFindings(result) {
      await store.findings.record(site, runId, 'missing', result.missing.entries(), startedAt);
      failpoint('judging');
      await store.findings.record(site, runId, 'orphan', result.orphan.entries(), startedAt);
      failpoint('judging');
      await store.findings.record(site, runId, 'size_mismatch', result.sizeMismatch.entries(), startedAt);
      await store.findings.record(site, runId, 'empty', result.empty.entries(), startedAt);
    },
    finish: (status, end) => store.runs.finish(runId, status, end),
  };
}
