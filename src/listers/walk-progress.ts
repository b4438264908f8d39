import { DcError, isRetryable } from '../core/errors.ts';
import type { ListingPace, Pushback } from '../core/listing-pace.ts';
import type { WalkProgress } from './walk-types.ts';

/** A fresh progress record for a walk. */
export function newWalkProgress(pace: ListingPace): WalkProgress {
  return { dirsListed: 0, dirsQueued: 0, inFlight: 0, files: 0, bytes: 0, unlisted: 0, retries: 0, elapsedMs: 0, pace: pace.report() };
}

/**
 * Reports `progress` to `onProgress` at most every 250 ms (or at once with `force`), after letting
 * `refresh` fill in the fields that are read rather than counted.
 */
export function progressReporter(progress: WalkProgress, onProgress: ((p: WalkProgress) => void) | undefined, refresh?: () => void): (force?: boolean) => void {
  const started = Date.now();
  let last = 0;
  return (force = false) => {
    if (!onProgress) return;
    const now = Date.now();
    if (!force && now - last < 250) return;
    last = now;
    progress.elapsedMs = now - started;
    refresh?.();
    onProgress({ ...progress });
  };
}

/**
 * The push-back a failed listing attempt tells of: a timeout, HTTP 429/503 (throttled), another
 * failure worth retrying (the server may be struggling). A missing path or a refusal is no load signal.
 */
export function pushbackOf(err: unknown): Pushback | undefined {
  if (!isRetryable(err)) return undefined;
  if (err instanceof DcError) {
    if (err.code === 'TIMEOUT') return { kind: 'timeout' };
    const status = err.detail?.httpStatus;
    if (status === 429 || status === 503) return { kind: 'throttled' };
  }
  return { kind: 'error' };
}
