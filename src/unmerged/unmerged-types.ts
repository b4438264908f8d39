import type { Config, SiteConfig } from '../config/config-loader.ts';
import type { UnlistedDir } from '../check/check-types.ts';
import type { HistoryStore } from '../store/history-store.ts';
import type { GateHit } from '../check/gates.ts';

/** Gates of the unmerged phase besides the operational ones (dry mode, site not ready). */
/** The run an unmerged phase belongs to: what the phase, its deletions and the run's step all take. */
export interface UnmergedContext {
  config: Config;
  site: SiteConfig;
  store: HistoryStore;
  runId: number;
  /** Run start, epoch seconds. */
  now: number;
  signal: AbortSignal;
  log: (event: string, fields: Record<string, unknown>) => void;
}

export type UnmergedGateName = GateHit['gate'] | 'MaxUnmergedDeletions' | 'MaxUnmergedFraction';

export interface UnmergedHold {
  gate: UnmergedGateName;
  reason: string;
}

/**
 * The `unmerged` block of SITE_summary.json and of the run's summary in the history (issue 15).
 * `cleaned` is what the dashboard's "unmerged cleaned" column shows.
 */
export interface UnmergedReport {
  /** LFN of the area (LFN_TO_CLEAN) and where it was listed. */
  area: string;
  storagePath: string;
  whichList: 'files' | 'directories';
  moreLogs: boolean;
  /** Why nothing was cleaned at all (the protected list could not be used); the rest is then empty. */
  refused?: string;
  protectedList: { source?: string; count: number; previousCount?: number };
  listed: { files: number; bytes: number; directories: number };
  unlisted: { count: number; dirs: UnlistedDir[] };
  /** Directories matching IgnoreDirectories, not listed. */
  ignoredDirectories: number;
  kept: { protected: number; avoided: number; young: number; youngLogs: number; notListed: number };
  /** On this run's deletion list (whatever the gates say). */
  deletable: { files: number; bytes: number; logs: number; logArchives: number; directories: number; listEntries: number };
  /** Of those, seen by enough consecutive runs (OrphanConfirmations, OrphanConfirmDays). */
  confirmed: { files: number; directories: number };
  gates: { act: boolean; held: UnmergedHold[] };
  /** Done by the sinks (queued by `registry`, removed by `storage`). */
  deleted: { files: number; bytes: number; logArchives: number; directories: number; failed: number; refused: number; skipped: number };
  /** Files deleted: the dashboard's column. */
  cleaned: number;
  notes: string[];
  files: Record<string, string>;
}

export function emptyUnmergedReport(area: string, storagePath: string, whichList: 'files' | 'directories', moreLogs: boolean): UnmergedReport {
  return {
    area,
    storagePath,
    whichList,
    moreLogs,
    protectedList: { count: 0 },
    listed: { files: 0, bytes: 0, directories: 0 },
    unlisted: { count: 0, dirs: [] },
    ignoredDirectories: 0,
    kept: { protected: 0, avoided: 0, young: 0, youngLogs: 0, notListed: 0 },
    deletable: { files: 0, bytes: 0, logs: 0, logArchives: 0, directories: 0, listEntries: 0 },
    confirmed: { files: 0, directories: 0 },
    gates: { act: false, held: [] },
    deleted: { files: 0, bytes: 0, logArchives: 0, directories: 0, failed: 0, refused: 0, skipped: 0 },
    cleaned: 0,
    notes: [],
    files: {},
  };
}
