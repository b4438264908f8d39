import type { RedisOptions } from 'bullmq';
import { DcError } from '../core/errors.ts';
import { redactUrl } from '../core/redact-url.ts';

type Log = (event: string, fields: Record<string, unknown>) => void;

/** How long a closing queue or worker waits for Redis before its connection is cut. */
export const CLOSE_TIMEOUT_MS = 2_000;

/** Longest wait between two attempts to reach Redis. */
const MAX_BACKOFF_MS = 10_000;

/**
 * Connection options for BullMQ from `Queue.Url` (redis://[user:password@]host:port/db, rediss://
 * for TLS). Redis unreachable: ioredis tries again with a growing delay (0.5 s, 1 s, … 10 s),
 * each attempt logged without the password; commands wait for the connection instead of failing
 * (maxRetriesPerRequest null, as BullMQ's workers need), so work resumes when Redis returns.
 * Once `stopping` fires no new attempt is made: a process shutting down while Redis is away
 * exits instead of waiting for it.
 */
export function redisOptions(url: string, log: Log, role: string, stopping: AbortSignal): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DcError('CONFIG', `Queue.Url ${JSON.stringify(redactUrl(url))} is not a URL`);
  }
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new DcError('CONFIG', `Queue.Url ${redactUrl(url)}: the path names a database number (redis://host:6379/0)`);
  const where = `${u.hostname}:${u.port || 6379}/${db || 0}`;
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    db: db === '' ? 0 : Number(db),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => {
      if (stopping.aborted) return null;
      const delay = Math.min(500 * 2 ** Math.min(times - 1, 5), MAX_BACKOFF_MS);
      log('redis-unreachable', { redis: where, role, attempt: times, retryInMs: delay, message: `Redis at ${where} is unreachable; trying again` });
      return delay;
    },
  };
}
