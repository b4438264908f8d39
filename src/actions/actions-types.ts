import type { Config, SiteConfig } from '../config/config-loader.ts';

export type SinkName = 'registry' | 'webhook' | 'storage';
export type ActionKind = 'transfer' | 'delete' | 'rmdir' | 'invalidate';
/** ok: done · gone: nothing left to do (already absent) · skipped: deliberately not done · failed. */
export type ActionOutcome = 'ok' | 'failed' | 'skipped' | 'gone';

/**
 * What a run may act on, decided once from the history (confirmation) and the site's settings.
 * LFNs are plain (unescaped). Every sink gets the same plan and acts on it in its own way.
 */
export interface ActionPlan {
  /** Confirmed missing files: to be copied back to the site. */
  transfers: string[];
  /** Confirmed orphan files: to be deleted (only with DeleteOrphans). */
  deletions: string[];
  /** Confirmed empty directories, leaves first, at most MaxEmptyRemovals (only with DeleteOrphans). */
  rmdirs: string[];
  /** Why some confirmed findings were left out of the plan (e.g. DeleteOrphans false). */
  notes: string[];
}

export interface ActionRecord {
  sink: SinkName | 'invalidate';
  kind: ActionKind;
  /** LFN of the file or directory. */
  target: string;
  outcome: ActionOutcome;
  detail?: string;
}

/** Lists a sink produces for the run's outputs (`SITE_missing_nosite.txt`, `SITE_unrecoverable.txt`). */
export interface SinkOutputs {
  nosite?: string[];
  unrecoverable?: string[];
}

export interface SinkReport {
  records: ActionRecord[];
  outputs?: SinkOutputs;
}

export interface SinkContext {
  config: Config;
  site: SiteConfig;
  runId: number;
  /** Run start, epoch seconds. */
  now: number;
  signal?: AbortSignal;
  log: (event: string, fields: Record<string, unknown>) => void;
}

/** One pluggable way of acting on a plan. A sink never throws for one target: it records the outcome. */
export interface ActionSink {
  readonly name: SinkName;
  execute(plan: ActionPlan, ctx: SinkContext): Promise<SinkReport>;
  close(): Promise<void>;
}

/** The per-run digest written into SITE_summary.json and the runs table. */
export interface ActionsSummary {
  planned: { transfers: number; deletions: number; rmdirs: number };
  notes: string[];
  bySink: Record<string, Record<string, number>>;
}
