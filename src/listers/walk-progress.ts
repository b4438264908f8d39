import type { WalkProgress } from './walker.ts';

/** A fresh progress record for a walk. */
export function newWalkProgress(): WalkProgress {
  return { dirsListed: 0, dirsQueued: 0, inFlight: 0, files: 0, bytes: 0, unlisted: 0, retries: 0, elapsedMs: 0 };
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
