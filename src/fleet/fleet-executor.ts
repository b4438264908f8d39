import type { Config } from '../config/config-loader.ts';
import type { MemberCheck } from '../store/fleet-members.ts';
import type { PlannedCheck } from './fleet-plan.ts';

export type Log = (event: string, fields: Record<string, unknown>) => void;

/**
 * Where the daemon's checks run: in its own process (embedded) or on workers through the queue
 * (distributed). The daemon plans; an executor says what it holds and starts what was planned.
 */
export interface FleetExecutor {
  /** The sites this executor is running or holds queued, with their lock groups. */
  collectBusy(): Promise<{ site: string; lockGroup: string }[]>;
  /** The checks running in this process, for its fleet heartbeat (none for an executor whose checks run elsewhere). */
  listChecks?(): MemberCheck[];
  /** Starts (or enqueues) one planned check; returns once it is started, not when it ends. */
  start(check: PlannedCheck, config: Config): Promise<void>;
  /**
   * Seconds between rounds while checks are out: an executor that cannot tell the daemon when a
   * check ends (the queue's run on other hosts) is asked again this often. Undefined: it tells.
   */
  readonly pollSeconds?: number;
  /** Stops taking work; running checks (embedded) are halted and awaited. */
  close(): Promise<void>;
}

/** Seconds between a fleet run's heartbeats and halt checks: a halt reaches it well within 15 s. */
export const FLEET_HEARTBEAT_SECONDS = 5;

/**
 * What the daemon's runs do after the check (`daemon --unmerged [--more-logs]`, as `check` takes
 * them): given to the embedded runs, and carried in each queue job so every worker does the same.
 */
export interface RunPhases {
  /** Clean the unmerged area of the sites in `Unmerged` (src/unmerged). */
  unmerged?: boolean;
  /** With `unmerged`: also the AdditionalLogDeletions directories. */
  moreLogs?: boolean;
}

/** The queue job of one due check: one id per site and run slot, so it is never queued twice. */
export interface CheckJob extends RunPhases {
  site: string;
  slot: number;
  lockGroup: string;
}

export function checkJobId(site: string, slot: number): string {
  return `${site}.after-${slot}`;
}

/** A job's data as a CheckJob, or undefined when it is not one (a foreign job on the queue). */
export function asCheckJob(data: unknown): CheckJob | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as Record<string, unknown>;
  if (typeof d.site !== 'string' || typeof d.slot !== 'number' || typeof d.lockGroup !== 'string') return undefined;
  return { site: d.site, slot: d.slot, lockGroup: d.lockGroup, ...phasesOf(d) };
}

/** The phases asked for, as a RunPhases with only the true ones (a job of an older daemon has none). */
export function phasesOf(d: Record<string, unknown> | RunPhases | undefined): RunPhases {
  return { ...(d?.unmerged === true ? { unmerged: true } : {}), ...(d?.unmerged === true && d.moreLogs === true ? { moreLogs: true } : {}) };
}
