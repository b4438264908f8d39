import type { Config, SiteConfig } from '../config/config-loader.ts';

export type SinkName = 'registry' | 'webhook' | 'storage';
export type ActionKind = 'transfer' | 'delete' | 'rmdir' | 'invalidate';
/**
 * ok: done · gone: nothing left to do (already absent) · skipped: deliberately not done ·
 * refused: the storage (or the deleter's last-moment check) found the target not safe to remove,
 * e.g. a directory that is no longer empty · failed · started: written before a sink touches the
 * target and replaced by its outcome after (a write-ahead record) · interrupted: left `started` by a
 * run that died (kill -9, crash), set when the site's lock is recovered: it may or may not be done.
 */
export type ActionOutcome = 'ok' | 'failed' | 'skipped' | 'gone' | 'refused' | 'started' | 'interrupted';

/**
 * What a run may act on, decided once from the history (confirmation) and the site's settings.
 * LFNs are plain (unescaped). Every sink gets the same plan and acts on it in its own way.
 */
export interface ActionPlan {
  /** Confirmed missing files: to be copied back to the site. */
  transfers: string[];
  /** Confirmed orphan files: to be deleted (only with DeleteOrphans). */
  deletions: string[];
  /** Confirmed empty directories, leaves first, at most MaxEmptyRemovals (whatever DeleteOrphans says). */
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
  /** Already in the history through the run's journal (SinkContext.journal): not recorded again. */
  journaled?: boolean;
}

/**
 * The run's write-ahead action log: `begin` records the target `started` before the sink touches
 * it, `settle` replaces that with the outcome. A process killed in between leaves the target
 * `started`, and the next run to take the site's lock marks it `interrupted`: the history never
 * loses an action that may have been done.
 */
export interface ActionJournal {
  begin(sink: SinkName, kind: ActionKind, target: string): Promise<void>;
  settle(record: ActionRecord): Promise<void>;
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
  /** Set by actOnRun: a sink that acts on the storage records each target here as it goes. */
  journal?: ActionJournal;
}

/** One pluggable way of acting on a plan. A sink never throws for one target: it records the outcome. */
export interface ActionSink {
  readonly name: SinkName;
  execute(plan: ActionPlan, ctx: SinkContext): Promise<SinkReport>;
  close(): Promise<void>;
}

/** Findings counted by what acting on them means: missing → transfer, orphan → delete, empty → rmdir. */
export interface ActionCounts {
  transfers: number;
  deletions: number;
  rmdirs: number;
}

/**
 * Why confirmed findings were not handed to a sink:
 * gates: a gate held the whole run (dry mode included; the gates and their numbers in `gates`) ·
 * delete-orphans-false: DeleteOrphans is false · no-sink: Actions is empty, or no sink in it acts
 * on this kind · top-directory: RootPath, a top directory or a path outside RootPath · later: left
 * for a later run (MaxEmptyRemovals, or a child directory not removed yet).
 */
export type HoldReason = 'gates' | 'delete-orphans-false' | 'no-sink' | 'top-directory' | 'later';

export interface HeldCount {
  reason: HoldReason;
  kind: 'transfer' | 'delete' | 'rmdir';
  count: number;
  /** One line for the operator (the gate numbers, the setting to change). */
  detail: string;
}

/** Findings of this run not confirmed yet, grouped by how far they are. */
export interface AwaitingCount {
  category: 'missing' | 'orphan' | 'empty';
  count: number;
  /** Consecutive done runs that saw them, this one included. */
  seen: number;
  /** Runs they need (MissingConfirmations, OrphanConfirmations). */
  needed: number;
  /** Set when the runs are enough and OrphanConfirmDays is what they wait for. */
  days?: number;
}

/** Outcomes of one sink for one kind of action. */
export interface SinkOutcomeCount {
  sink: SinkName | 'invalidate';
  kind: ActionKind;
  outcome: ActionOutcome;
  count: number;
  /** Sum of the targets' sizes as recorded with their findings (files only). */
  bytes?: number;
  /** Up to three distinct details of these records (why skipped, refused or failed). */
  details?: string[];
}

/**
 * The `actions` block of SITE_summary.json (and of the runs table's summary): everything an
 * operator needs to learn what a run did about its findings, and why it did no more.
 */
export interface ActionsReport {
  /** Every gate passed, so sinks could act (the summary's `gates.held` says which did not). */
  allowed: boolean;
  /** The site's configured sinks (`Actions`), in the order they act. */
  sinks: SinkName[];
  /** Findings of this run confirmed and not acted on by an earlier run. */
  confirmed: ActionCounts;
  /** Handed to the sinks this run (zero when a gate held). */
  planned: ActionCounts;
  /** Confirmed findings not handed to a sink (or not taken by any), by reason. */
  held: HeldCount[];
  /** Findings waiting for more sightings or days before they count as confirmed. */
  awaiting: AwaitingCount[];
  /** Findings of this run already acted on by an earlier run (not repeated). */
  actedEarlier: { missing: number; orphan: number; empty: number };
  /** What the sinks did, per sink, kind and outcome. */
  done: SinkOutcomeCount[];
  notes: string[];
}
