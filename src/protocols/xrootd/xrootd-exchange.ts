import { DcError } from '../../core/errors.ts';
import type { ResponseHandler, XrootdConnection } from './xrootd-connection.ts';

/** The timers of one exchange. */
export interface ExchangeLimits {
  /** No response (or no new chunk) for this long fails the request with TIMEOUT. */
  timeoutMs: number;
  /** The longest kXR_waitresp (and kXR_wait) honoured, in seconds. */
  maxWaitSeconds: number;
}

/** A final response: its status (kXR_ok, kXR_error, kXR_redirect, kXR_wait…) and its body. */
export interface FinalReply {
  status: number;
  body: Buffer;
}

/** The error of a request stopped by its caller's signal. */
export function abortedError(what: string): DcError {
  return new DcError('ABORTED', `${what} aborted`);
}

/** `err` as a DcError: one already is, anything else is an IO failure of `what`. */
export function toDcError(err: unknown, what: string): DcError {
  if (err instanceof DcError) return err;
  return new DcError('IO', `${what}: ${String(err)}`, { cause: err });
}

/**
 * One request on one connection, until its final response, a timeout, an abort or a drop. Each
 * kXR_oksofar body goes to `partial` and re-arms the timer; a kXR_waitresp extends it by the
 * seconds the server announced (capped), since the answer then comes later as a kXR_attn.
 */
export function exchange(
  conn: XrootdConnection,
  encode: (sid: number) => Buffer,
  partial: ((b: Buffer) => void) | undefined,
  signal: AbortSignal | undefined,
  what: string,
  limits: ExchangeLimits,
): Promise<FinalReply> {
  return new Promise((resolve, reject) => {
    let sid = -1;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const cleanup = () => {
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const giveUp = (err: DcError) => {
      if (settled) return;
      if (sid !== -1) conn.abandon(sid, handler);
      cleanup();
      reject(err);
    };
    const arm = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        giveUp(new DcError('TIMEOUT', `${what}: no answer from ${conn.key} within ${ms} ms`));
        // Not a byte from the server all that time: the connection is stalled (a dead peer, a
        // black-holed path), not the server slow on this one request. Dropped, so the requests
        // on it move to a new connection instead of each timing out in turn.
        if (conn.silentMs() >= ms) conn.destroy(new DcError('IO', `connection to ${conn.key}: nothing received for ${ms} ms, dropped`));
      }, ms);
    };
    const onAbort = () => giveUp(abortedError(what));
    const handler: ResponseHandler = {
      partial: (body) => {
        if (settled) return;
        arm(limits.timeoutMs);
        try {
          partial ? partial(body) : giveUp(new DcError('PROTOCOL', `${what}: unexpected kXR_oksofar`));
        } catch (err) {
          giveUp(toDcError(err, what));
        }
      },
      final: (status, body) => {
        if (settled) return;
        cleanup();
        resolve({ status, body });
      },
      waitresp: (seconds) => {
        if (!settled) arm(Math.min(seconds, limits.maxWaitSeconds) * 1000 + limits.timeoutMs);
      },
      fail: (err) => {
        if (settled) return;
        cleanup();
        reject(err);
      },
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      sid = conn.send(encode, handler);
    } catch (err) {
      cleanup();
      return reject(toDcError(err, what));
    }
    arm(limits.timeoutMs);
  });
}

/** `p`, or an ABORTED error as soon as `signal` fires (what `p` was doing goes on, unawaited). */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(abortedError(what));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      p.catch(() => undefined);
      reject(abortedError(what));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
