import { setTimeout as delay } from 'node:timers/promises';
import { DcError } from './errors.ts';

/**
 * Waits `ms`; rejects with ABORTED (message `what`) as soon as `signal` aborts, for a wait whose
 * caller must stop (a retry back-off, a server's kXR_wait).
 */
export async function sleep(ms: number, signal?: AbortSignal, what = 'aborted while waiting'): Promise<void> {
  if (signal?.aborted) throw new DcError('ABORTED', what);
  try {
    await delay(ms, undefined, { signal });
  } catch (err) {
    if (signal?.aborted) throw new DcError('ABORTED', what, { cause: err });
    throw err;
  }
}

/** Waits `ms`, or less when `signal` aborts; never rejects (the caller looks at its signal next). */
export async function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return;
  try {
    await delay(ms, undefined, { signal });
  } catch (err) {
    if (!signal?.aborted) throw err;
  }
}
