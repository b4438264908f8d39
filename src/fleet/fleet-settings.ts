import type { Config } from '../config/config-loader.ts';
import { DcError } from '../core/errors.ts';
import { redactUrl } from '../core/redact-url.ts';
import { sqlEngineOfUrl } from '../sql/sql-engine.ts';

/** The fleet's own settings, read once from the validated configuration (issue 14). */
export interface FleetSettings {
  /** Checks running (embedded) or queued and running (distributed) at once. */
  readonly maxConcurrentChecks: number;
  readonly readinessUrl?: string;
  /** Present for a distributed fleet: checks go through BullMQ to `worker` processes. */
  readonly queue?: QueueSettings;
}

export interface QueueSettings {
  readonly url: string;
  readonly name: string;
  /** Seconds a job's lock lives without renewal: a worker silent that long has its job given to another. */
  readonly stallSeconds: number;
}

export const DEFAULT_MAX_CONCURRENT_CHECKS = 4;
export const DEFAULT_QUEUE_NAME = 'dynamo-consistency';
const DEFAULT_STALL_SECONDS = 30;

/**
 * The fleet's settings. A distributed fleet shares its history between hosts, so a SQLite history
 * (a file on one machine) is refused with CONFIG naming the keys.
 */
export function fleetSettings(config: Config): FleetSettings {
  const raw = config.raw;
  const q = raw.Queue;
  if (q && sqlEngineOfUrl(config.historyUrl) === 'sqlite') {
    throw new DcError('CONFIG', `${config.file}: key "Queue" needs a history database every host shares: History.Url is SQLite (${redactUrl(config.historyUrl)}); use postgres://… or mysql://…, or remove Queue to run the checks inside the daemon`, { detail: { file: config.file } });
  }
  return Object.freeze({
    maxConcurrentChecks: raw.MaxConcurrentChecks ?? DEFAULT_MAX_CONCURRENT_CHECKS,
    ...(raw.ReadinessUrl ? { readinessUrl: raw.ReadinessUrl } : {}),
    ...(q ? { queue: Object.freeze({ url: q.Url, name: q.Name ?? DEFAULT_QUEUE_NAME, stallSeconds: q.StallSeconds ?? DEFAULT_STALL_SECONDS }) } : {}),
  });
}
