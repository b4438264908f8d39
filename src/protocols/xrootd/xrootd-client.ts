import type { Pushback } from '../../core/listing-pace.ts';
import type { DirlistEntry } from './codec/requests/xrootd-dirlist.ts';
import { decodeLocateReply, encodeLocate, type LocateEntry } from './codec/requests/xrootd-locate.ts';
import { encodePing } from './codec/requests/xrootd-ping.ts';
import { encodeRm } from './codec/requests/xrootd-rm.ts';
import { encodeRmdir } from './codec/requests/xrootd-rmdir.ts';
import { decodeStatReply, encodeStat, type StatInfo } from './codec/requests/xrootd-stat.ts';
import { decodeOpenReply, encodeOpenRead } from './codec/requests/xrootd-open.ts';
import { encodeRead } from './codec/requests/xrootd-read.ts';
import { encodeClose } from './codec/requests/xrootd-close.ts';
import type { XrootdConnection } from './xrootd-connection.ts';
import { streamDirlist, type DirlistOptions } from './xrootd-dirlist-stream.ts';
import { XrootdPool, type PoolOptions, type XrootdEndpoint } from './xrootd-pool.ts';
import { runOnConnection, runRequest, type RequestContext, type RequestCounters, type RequestOptions } from './xrootd-request-loop.ts';

export interface XrootdClientOptions extends Partial<PoolOptions> {
  /** No response (or no new chunk) for this long fails the request with TIMEOUT. */
  requestTimeoutMs?: number;
  /** Redirects followed by one request before it fails. */
  maxRedirects?: number;
  /** kXR_wait answers honoured by one request before it fails with TIMEOUT. */
  maxWaits?: number;
  /** Retries of an idempotent request whose connection dropped before any answer. */
  dropRetries?: number;
}

/** A file opened for reading: its handle is valid on this one connection only. */
export interface XrootdOpenFile {
  readonly path: string;
  readonly conn: XrootdConnection;
  readonly handle: Buffer;
  /** From kXR_retstat, when the server gave it. */
  readonly stat?: StatInfo;
}

/**
 * The XRootD client: a pool of connections per server, one loop per request that follows
 * redirects (capped, carrying the opaque CGI), honours kXR_wait, extends its deadline on
 * kXR_waitresp, and retries an idempotent request once its connection drops before any answer
 * (xrootd-request-loop.ts, one exchange in xrootd-exchange.ts).
 */
export class XrootdClient {
  readonly origin: XrootdEndpoint;
  /** What this client has done so far, for progress reports and tests. */
  readonly counters: RequestCounters = { requests: 0, redirects: 0, waits: 0, retriesAfterDrop: 0 };
  private readonly pool: XrootdPool;
  private readonly requests: RequestContext;
  private readonly pushbackListeners = new Set<(p: Pushback) => void>();

  constructor(origin: XrootdEndpoint, opts: XrootdClientOptions = {}) {
    this.origin = origin;
    const maxWaitSeconds = opts.maxWaitSeconds ?? 60;
    this.pool = new XrootdPool({
      ...opts,
      connectionsPerHost: opts.connectionsPerHost ?? 2,
      spreadAt: opts.spreadAt ?? 16,
      connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
      maxWaitSeconds,
    });
    this.requests = {
      origin,
      pool: this.pool,
      counters: this.counters,
      limits: {
        timeoutMs: opts.requestTimeoutMs ?? 60_000,
        maxRedirects: opts.maxRedirects ?? 16,
        maxWaits: opts.maxWaits ?? 10,
        maxWaitSeconds,
        dropRetries: opts.dropRetries ?? 2,
      },
      pushback: (p) => {
        for (const l of this.pushbackListeners) l(p);
      },
    };
  }

  /**
   * Reports the push-back this client absorbs: each kXR_wait it honours before asking again, each
   * request it sends again after its connection dropped. Returns the function that stops the reports.
   */
  watchPushback(listener: (p: Pushback) => void): () => void {
    this.pushbackListeners.add(listener);
    return () => this.pushbackListeners.delete(listener);
  }

  stat(path: string, ro: RequestOptions = {}): Promise<StatInfo> {
    return runRequest(this.requests, { what: 'stat', path, idempotent: true, encode: encodeStat, ok: decodeStatReply }, ro);
  }

  locate(path: string, options = 0, ro: RequestOptions = {}): Promise<LocateEntry[]> {
    return runRequest(this.requests, { what: 'locate', path, idempotent: true, encode: (sid, p) => encodeLocate(sid, p, options), ok: decodeLocateReply }, ro);
  }

  ping(ro: RequestOptions = {}): Promise<void> {
    return runRequest(this.requests, { what: 'ping', path: '', idempotent: true, encode: (sid) => encodePing(sid), ok: () => undefined }, ro);
  }

  /** Not retried after a drop: a second try could report NOT_FOUND for a file the first removed. */
  rm(path: string, ro: RequestOptions = {}): Promise<void> {
    return runRequest(this.requests, { what: 'rm', path, idempotent: false, encode: encodeRm, ok: () => undefined }, ro);
  }

  rmdir(path: string, ro: RequestOptions = {}): Promise<void> {
    return runRequest(this.requests, { what: 'rmdir', path, idempotent: false, encode: encodeRmdir, ok: () => undefined }, ro);
  }

  /** One directory, streamed chunk by chunk (xrootd-dirlist-stream.ts). */
  dirlist(path: string, opts: DirlistOptions = {}): AsyncGenerator<DirlistEntry[], void, undefined> {
    return streamDirlist(this.requests, path, opts);
  }

  /**
   * Opens a file for reading (kXR_open, following redirects to the server holding it). Read it with
   * `read`, then `closeFile`; `readXrootdFile` (xrootd-read-file.ts) does all three, streamed.
   */
  openRead(path: string, ro: RequestOptions = {}): Promise<XrootdOpenFile> {
    return runRequest(this.requests, { what: 'open', path, idempotent: true, encode: encodeOpenRead, ok: (body, conn) => ({ path, conn, ...decodeOpenReply(body) }) }, ro);
  }

  /** Up to `length` bytes at `offset` (kXR_read), as the bodies came; fewer in all at the end of the file. */
  read(file: XrootdOpenFile, offset: number, length: number, ro: RequestOptions = {}): Promise<Buffer[]> {
    const parts: Buffer[] = [];
    return runOnConnection(this.requests, file.conn, {
      what: `read ${file.path} @${offset}`,
      path: file.path,
      idempotent: true,
      encode: (sid) => encodeRead(sid, file.handle, offset, length),
      partial: (body) => parts.push(Buffer.from(body)),
      ok: (body) => {
        if (body.length) parts.push(Buffer.from(body));
        return parts;
      },
    }, ro);
  }

  closeFile(file: XrootdOpenFile, ro: RequestOptions = {}): Promise<void> {
    return runOnConnection(this.requests, file.conn, { what: `close ${file.path}`, path: file.path, idempotent: true, encode: (sid) => encodeClose(sid, file.handle), ok: () => undefined }, ro);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  destroy(): void {
    this.pool.destroy();
  }
}
