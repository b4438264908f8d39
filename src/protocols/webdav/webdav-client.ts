/**
 * The HTTP side of the WebDAV lister: one undici Agent (keep-alive pool per origin, `concurrency`
 * sockets at most, further requests queue), PROPFIND with redirects followed up to a cap (RFC 9110
 * §15.4: 301/302/307/308 keep the method here, as WebDAV clients do), HTTP status → error code.
 * Messages carry paths only: never query strings (redirects to data nodes may carry tokens) nor headers.
 */
import { Agent, Client } from 'undici';
import { DcError, type ErrorCode } from '../../core/errors.ts';
import { exchange, type AnswerBody, type Exchange } from './webdav-answer-body.ts';
import type { BearerTokenSource } from '../credentials/credentials-bearer-token.ts';
import type { TlsOptions } from '../credentials/credentials-x509.ts';
import { encodeStoragePath } from './webdav-href.ts';

/** RFC 4918 §9.1: ask only for what a listing needs, so servers skip costly live properties. */
const PROPFIND_BODY =
  '<?xml version="1.0" encoding="utf-8"?>\n' +
  '<D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:getcontentlength/><D:getlastmodified/></D:prop></D:propfind>';

export interface WebdavClientOptions {
  /** http(s) URL of the storage root; storage paths are appended to its path. */
  base: URL;
  concurrency: number;
  timeoutMs: number;
  tls?: TlsOptions;
  token?: BearerTokenSource;
  maxRedirects: number;
}

/** The parts of a URL a request needs: built from strings, not a URL object per request (one per directory). */
export class Target {
  constructor(
    readonly origin: string,
    readonly protocol: string,
    readonly host: string,
    readonly pathname: string,
    readonly search: string,
  ) {}

  static of(u: URL): Target {
    return new Target(u.origin, u.protocol, u.host, u.pathname, u.search);
  }

  toURL(): URL {
    return new URL(this.pathname + this.search, this.origin);
  }
}

export interface PropfindAnswer {
  /** What finally answered (after redirects); its path is what the hrefs are relative to. */
  target: Target;
  body: AnswerBody;
}

/** Maps an HTTP status to our codes: 404 → NOT_FOUND, 401/403 → PERMISSION, 5xx/429 → IO (retryable). */
export function statusError(status: number, what: string): DcError {
  let code: ErrorCode;
  if (status === 404 || status === 410) code = 'NOT_FOUND';
  else if (status === 401 || status === 403) code = 'PERMISSION';
  else if (status >= 500 || status === 429 || status === 408) code = 'IO';
  else if (status === 405 || status === 501) code = 'UNSUPPORTED';
  else code = 'PROTOCOL';
  return new DcError(code, `${what}: HTTP ${status}`, { detail: { httpStatus: status } });
}

/** Network and undici failures → IO / TIMEOUT; the caller's abort → ABORTED. Never includes headers. */
export function transportError(err: unknown, what: string, signal: AbortSignal): DcError {
  if (err instanceof DcError) return err;
  if (signal.aborted) return new DcError('ABORTED', `${what} aborted`);
  const e = err as { code?: string; name?: string; message?: string };
  const code = e?.code ?? e?.name ?? 'unknown';
  const timeout = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
  return new DcError(timeout ? 'TIMEOUT' : 'IO', `${what}: ${code}${e?.message ? ` (${e.message.replace(/\?\S*/g, '?…')})` : ''}`, { detail: { transport: code } });
}

export class WebdavClient {
  private readonly agent: Agent;
  private closed = false;
  /**
   * Origins sent PROPFIND without a body (RFC 4918 §9.1: then treated as allprop). XrdHttp 5.5 leaves
   * a request body unread on keep-alive connections and answers the next request with 400, so
   * XrootD servers, and any server that answered 400 to a request with a body, get none.
   */
  private readonly bodyless = new Set<string>();
  /** Origins that answered at least once: until then requests close their connection afterwards, so
   * a body XrdHttp left unread cannot poison a pooled socket before we know what the server is. */
  private readonly seen = new Set<string>();
  /** The base URL, its path without trailing slashes. */
  private readonly base: Target;

  constructor(private readonly opts: WebdavClientOptions) {
    const b = opts.base;
    this.base = new Target(b.origin, b.protocol, b.host, b.pathname.replace(/\/+$/, ''), '');
    this.agent = new Agent({
      connections: Math.max(1, opts.concurrency),
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      connect: { ...opts.tls, timeout: Math.min(opts.timeoutMs, 30_000) },
    });
  }

  /** Where a storage path below the base is asked for. */
  targetOf(storagePath: string): Target {
    const b = this.base;
    return new Target(b.origin, b.protocol, b.host, b.pathname + encodeStoragePath(storagePath), '');
  }

  /** PROPFIND with redirects followed; resolves once a 207 answer's headers arrived. */
  async propfind(storagePath: string, depth: 0 | 1, signal: AbortSignal): Promise<PropfindAnswer> {
    if (this.closed) throw new DcError('ABORTED', 'lister closed');
    const what = `PROPFIND ${storagePath}`;
    let url = this.targetOf(storagePath);
    const startOrigin = url.origin;
    let retriedAuth = false;
    for (let hop = 0; ; ) {
      if (signal.aborted) throw new DcError('ABORTED', `${what} aborted`);
      // A token follows a redirect only to the same origin or over TLS (data nodes of a grid site).
      const sendToken = this.opts.token !== undefined && (url.origin === startOrigin || url.protocol === 'https:');
      const authorization = sendToken ? await this.opts.token!.header() : undefined;
      const withBody = !this.bodyless.has(url.origin);
      const probe = withBody && !this.seen.has(url.origin);
      let res: Exchange;
      try {
        res = await exchange(
          this.agent,
          {
            origin: url.origin,
            path: url.pathname + url.search,
            method: 'PROPFIND',
            // Canonical capitalisation on purpose: XrdHttp 5.5 matches header names case-sensitively
            // and silently treats a lower-case `depth` as Depth: 0 (only the directory itself).
            headers: {
              Depth: String(depth),
              'Content-Type': 'application/xml; charset=utf-8',
              ...(authorization ? { Authorization: authorization } : {}),
            },
            body: withBody ? PROPFIND_BODY : undefined,
            reset: probe,
          },
          signal,
        );
      } catch (err) {
        throw transportError(err, what, signal);
      }
      const status = res.status;
      const server = res.headers.server;
      if (withBody && typeof server === 'string' && /xrootd/i.test(server)) this.bodyless.add(url.origin);
      this.seen.add(url.origin);
      if (status === 207) return { target: url, body: res.body };
      await res.body.discard();
      if (status === 400 && withBody && !this.bodyless.has(url.origin)) {
        this.bodyless.add(url.origin);
        continue;
      }
      if ([301, 302, 303, 307, 308].includes(status)) {
        const location = res.headers.location;
        if (typeof location !== 'string' || location === '') throw new DcError('PROTOCOL', `${what}: HTTP ${status} without Location`);
        if (++hop > this.opts.maxRedirects) throw new DcError('PROTOCOL', `${what}: more than ${this.opts.maxRedirects} redirects`);
        const next = new URL(location, url.toURL());
        if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new DcError('PROTOCOL', `${what}: redirect to unsupported scheme ${next.protocol}`);
        url = Target.of(next);
        continue;
      }
      if (status === 401 && sendToken && !retriedAuth) {
        // Tokens rotate: re-read the file now and try once more if it changed underneath us.
        const before = this.opts.token!.current;
        await this.opts.token!.header(true);
        retriedAuth = true;
        if (this.opts.token!.current !== before) continue;
      }
      if (status === 200) throw new DcError('UNSUPPORTED', `${what}: HTTP 200 instead of 207 Multi-Status (WebDAV not enabled there?)`, { detail: { httpStatus: 200 } });
      throw statusError(status, url.origin === startOrigin ? what : `${what} (redirected to ${url.host}${url.pathname})`);
    }
  }

  /**
   * Status of a bodyless `PROPFIND Depth: 0` of an exact URL (no redirects): existence probes. On
   * its own connection: the pool's may all be held by the answer being read while we probe.
   */
  async probe(url: URL, signal: AbortSignal): Promise<number> {
    const authorization = this.opts.token && (url.origin === this.opts.base.origin || url.protocol === 'https:') ? await this.opts.token.header() : undefined;
    const client = new Client(url.origin, { connect: { ...this.opts.tls, timeout: Math.min(this.opts.timeoutMs, 30_000) }, headersTimeout: this.opts.timeoutMs, bodyTimeout: this.opts.timeoutMs });
    try {
      const res = await client.request({
        origin: url.origin,
        path: url.pathname,
        method: 'PROPFIND',
        headers: { Depth: '0', ...(authorization ? { Authorization: authorization } : {}) },
        signal,
      });
      await res.body.dump().catch(() => undefined);
      return res.statusCode;
    } catch (err) {
      throw transportError(err, `PROPFIND probe ${url.pathname}`, signal);
    } finally {
      await client.destroy().catch(() => undefined);
    }
  }

  /** Fails queued and running requests and closes every socket. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.agent.destroy().catch(() => undefined);
  }
}
