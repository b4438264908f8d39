import { DcError, errorMessage } from '../core/errors.ts';

/**
 * One attempt at a listing: its signal aborts when the caller's does, or when the listing makes
 * no progress (`arm()` not called again) for `timeoutMs`; `timedOut` then tells the two apart.
 * Shared by the per-directory walker and the tree walker.
 */
/** Abort reason of a finished attempt: made once, since an abort without a reason builds an error with a stack each time. */
const ATTEMPT_OVER = Object.freeze(new Error('listing attempt over'));
const ATTEMPT_IDLE = Object.freeze(new Error('listing attempt made no progress'));

export class ListingAttempt {
  // Linked to `outer` by hand, not with AbortSignal.any: on Node 20 every AbortSignal.any of a
  // long-lived signal stays in its dependants for good (nodejs/node#55351), one per attempt.
  private readonly ctrl = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private readonly onOuterAbort = () => this.ctrl.abort(this.outer?.reason);
  timedOut = false;

  constructor(
    private readonly outer: AbortSignal | undefined,
    private readonly timeoutMs: number,
  ) {
    outer?.addEventListener('abort', this.onOuterAbort, { once: true });
    if (outer?.aborted) this.ctrl.abort(outer.reason);
  }

  get signal(): AbortSignal {
    return this.ctrl.signal;
  }

  /** Progress was made: the idle timeout starts again. */
  arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.ctrl.abort(ATTEMPT_IDLE);
    }, this.timeoutMs);
  }

  /** Stops the timer while the consumer, not the storage, is the one taking time. */
  pause(): void {
    clearTimeout(this.timer);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.outer?.removeEventListener('abort', this.onOuterAbort);
    this.ctrl.abort(ATTEMPT_OVER);
  }
}

/**
 * Listers fail with a `DcError` (lister.ts); anything else thrown from inside one is a bug. It is
 * neither retried nor turned into an unlisted directory (that would hide it as a storage problem):
 * the walk stops with INTERNAL, naming the exception and where it was thrown. Undefined for a DcError.
 */
export function listerBug(kind: string, what: string, err: unknown): DcError | undefined {
  if (err instanceof DcError) return undefined;
  const name = err instanceof Error ? err.name : typeof err;
  const at = err instanceof Error ? err.stack?.split('\n').find((l) => /^\s+at /.test(l))?.trim() : undefined;
  return new DcError('INTERNAL', `bug in the ${kind} lister: ${what} threw ${name}: ${errorMessage(err)}${at ? ` (${at})` : ''}`, { cause: err });
}
