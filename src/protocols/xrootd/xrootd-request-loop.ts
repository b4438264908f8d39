import { DcError } from '../../core/errors.ts';
import type { Pushback } from '../../core/listing-pace.ts';
import { sleep } from '../../core/sleep.ts';
import { Status } from './codec/xrootd-constants.ts';
import { decodeError, decodeRedirect, decodeWait, errorFromServer } from './codec/xrootd-responses.ts';
import type { XrootdConnection } from './xrootd-connection.ts';
import { abortedError, exchange, toDcError, untilAborted, type ExchangeLimits, type FinalReply } from './xrootd-exchange.ts';
import type { XrootdEndpoint, XrootdPool } from './xrootd-pool.ts';
import { redirectTarget } from './xrootd-url.ts';

export interface RequestOptions {
  signal?: AbortSignal;
  /** Send to this server instead of the client's origin (door discovery). */
  target?: XrootdEndpoint;
}

/** One kind of request as the loop sends it: how to encode it and what its answers mean. */
export interface RequestSpec<T> {
  what: string;
  path: string;
  idempotent: boolean;
  encode(streamId: number, path: string): Buffer;
  partial?(body: Buffer): void;
  /** The final answer, and the connection it came on (a file handle lives on it). */
  ok(body: Buffer, conn: XrootdConnection): T;
}

export interface RequestLimits extends ExchangeLimits {
  /** Redirects followed by one request before it fails. */
  maxRedirects: number;
  /** kXR_wait answers honoured by one request before it fails with TIMEOUT. */
  maxWaits: number;
  /** Retries of an idempotent request whose connection dropped before any answer. */
  dropRetries: number;
}

export interface RequestCounters {
  requests: number;
  redirects: number;
  waits: number;
  retriesAfterDrop: number;
}

/** What the request loops share: a client's pool, limits, counters and push-back reports. */
export interface RequestContext {
  readonly origin: XrootdEndpoint;
  readonly pool: XrootdPool;
  readonly limits: RequestLimits;
  readonly counters: RequestCounters;
  pushback(p: Pushback): void;
}

/**
 * One request until its answer: follows redirects (capped, carrying the opaque CGI), honours
 * kXR_wait, and sends an idempotent request again once its connection drops before any answer.
 */
export async function runRequest<T>(ctx: RequestContext, spec: RequestSpec<T>, ro: RequestOptions): Promise<T> {
  const { limits, counters } = ctx;
  let ep = ro.target ?? ctx.origin;
  const basePath = spec.path;
  let path = basePath;
  let redirects = 0;
  let waits = 0;
  let drops = 0;
  let sawPartial = false;
  const what = `${spec.what} ${basePath}`.trim();
  const partial = spec.partial
    ? (b: Buffer) => {
        sawPartial = true;
        spec.partial!(b);
      }
    : undefined;
  for (;;) {
    if (ro.signal?.aborted) throw abortedError(what);
    let res: FinalReply;
    let conn: XrootdConnection;
    try {
      // A server that accepts and never answers holds the connection set-up: the caller's stop
      // must not wait for the connect timeout.
      conn = await untilAborted(ctx.pool.acquire(ep), ro.signal, what);
      counters.requests++;
      res = await exchange(conn, (sid) => spec.encode(sid, path), partial, ro.signal, what, limits);
    } catch (err) {
      const e = toDcError(err, what);
      if (e.code === 'IO' && spec.idempotent && !sawPartial && drops++ < limits.dropRetries && !ro.signal?.aborted) {
        counters.retriesAfterDrop++;
        ctx.pushback({ kind: 'error' });
        continue;
      }
      throw e;
    }
    switch (res.status) {
      case Status.ok:
        return spec.ok(res.body, conn);
      case Status.redirect: {
        if (sawPartial) throw new DcError('PROTOCOL', `${what}: redirect after partial data`);
        if (++redirects > limits.maxRedirects) {
          throw new DcError('IO', `${what}: more than ${limits.maxRedirects} redirects (last to ${ep.host}:${ep.port})`, { detail: { redirects } });
        }
        ({ ep, path } = redirectTarget(ep, basePath, decodeRedirect(res.body)));
        counters.redirects++;
        continue;
      }
      case Status.wait:
        if (sawPartial) throw new DcError('PROTOCOL', `${what}: kXR_wait after partial data`);
        await honourWait(ctx, res.body, ++waits, what, ro.signal, true);
        continue;
      default:
        throw failure(res, what);
    }
  }
}

/**
 * A request bound to one connection (a file handle's): kXR_wait is honoured; a redirect or a
 * dropped connection fails it, since the handle means nothing elsewhere.
 */
export async function runOnConnection<T>(ctx: RequestContext, conn: XrootdConnection, spec: RequestSpec<T>, ro: RequestOptions): Promise<T> {
  let waits = 0;
  for (;;) {
    if (ro.signal?.aborted) throw abortedError(spec.what);
    ctx.counters.requests++;
    const res = await exchange(conn, (sid) => spec.encode(sid, spec.path), spec.partial, ro.signal, spec.what, ctx.limits).catch((err) => {
      throw toDcError(err, spec.what);
    });
    switch (res.status) {
      case Status.ok:
        return spec.ok(res.body, conn);
      case Status.wait:
        // Counted, not reported as push-back: its watchers pace a listing's directory requests
        // (xrootd-lister.ts), not a file's reads.
        await honourWait(ctx, res.body, ++waits, spec.what, ro.signal, false);
        continue;
      case Status.redirect:
        throw new DcError('IO', `${spec.what}: redirected while a file is open on ${conn.key}`);
      default:
        throw failure(res, spec.what);
    }
  }
}

/**
 * kXR_wait (XProtocol.hh, ServerResponseBody_Wait): the server asks for the request again after
 * some seconds, slept here up to maxWaitSeconds; the `waits`-th time past maxWaits fails with TIMEOUT.
 */
async function honourWait(ctx: RequestContext, body: Buffer, waits: number, what: string, signal: AbortSignal | undefined, report: boolean): Promise<void> {
  const { limits } = ctx;
  const w = decodeWait(body);
  if (waits > limits.maxWaits) throw new DcError('TIMEOUT', `${what}: server still asks to wait after ${limits.maxWaits} waits (${w.message})`);
  ctx.counters.waits++;
  if (report) ctx.pushback({ kind: 'wait' });
  await sleep(Math.min(w.seconds, limits.maxWaitSeconds) * 1000, signal);
}

/** The error a final answer other than ok, redirect or wait stands for. */
function failure(res: FinalReply, what: string): DcError {
  if (res.status === Status.error) return errorFromServer(decodeError(res.body), what);
  return new DcError('PROTOCOL', `${what}: unexpected response status ${res.status}`, { detail: { status: res.status } });
}
