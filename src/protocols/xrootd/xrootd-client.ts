import { DcError } from '../../core/errors.ts';
import type { Pushback } from '../../core/listing-pace.ts';
import { sleep } from '../../core/sleep.ts';
import { Status } from './codec/xrootd-constants.ts';
import { decodeError, decodeRedirect, decodeWait, errorFromServer, type RedirectReply } from './codec/xrootd-responses.ts';
import { DirlistDecoder, encodeDirlist, type DirlistEntry } from './codec/requests/xrootd-dirlist.ts';
import { decodeLocateReply, encodeLocate, splitHostPort, type LocateEntry } from './codec/requests/xrootd-locate.ts';
import { encodePing } from './codec/requests/xrootd-ping.ts';
import { encodeRm } from './codec/requests/xrootd-rm.ts';
import { encodeRmdir } from './codec/requests/xrootd-rmdir.ts';
import { decodeStatReply, encodeStat, type StatInfo } from './codec/requests/xrootd-stat.ts';
import { decodeOpenReply, encodeOpenRead } from './codec/requests/xrootd-open.ts';
import { encodeRead } from './codec/requests/xrootd-read.ts';
import { encodeClose } from './codec/requests/xrootd-close.ts';
import type { ResponseHandler, XrootdConnection } from './xrootd-connection.ts';
import { XrootdPool, type PoolOptions, type XrootdEndpoint } from './xrootd-pool.ts';

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

export interface RequestOptions {
  signal?: AbortSignal;
  /** Send to this server instead of the client's origin (door discovery). */
  target?: XrootdEndpoint;
}

interface RequestSpec<T> {
  what: string;
  path: string;
  idempotent: boolean;
  encode(streamId: number, path: string): Buffer;
  partial?(body: Buffer): void;
  /** The final answer, and the connection it came on (a file handle lives on it). */
  ok(body: Buffer, conn: XrootdConnection): T;
}

/** A file opened for reading: its handle is valid on this one connection only. */
export interface XrootdOpenFile {
  readonly path: string;
  readonly conn: XrootdConnection;
  readonly handle: Buffer;
  /** From kXR_retstat, when the server gave it. */
  readonly stat?: StatInfo;
}



/** Parses `root://host[:port]/path` (or `roots://`) into an endpoint and a path. */
export function parseXrootdUrl(url: string): { endpoint: XrootdEndpoint; path: string } {
  const m = /^(roots?|xroots?):\/\/([^/?#]+)(\/[^?#]*)?(?:\?([^#]*))?/.exec(url);
  if (!m) throw new DcError('CONFIG', `not a root:// URL: ${JSON.stringify(url)}`);
  const { host, port } = splitHostPort(m[2].replace(/^[^@]*@/, ''));
  const tls = m[1].endsWith('s');
  let path = m[3] ?? '/';
  // root://host//abs/path and root://host/abs/path name the same path.
  path = '/' + path.replace(/^\/+/, '');
  return { endpoint: { host, port, tlsMode: tls ? 'want' : 'off' }, path: m[4] ? `${path}?${m[4]}` : path };
}

function withCgi(path: string, cgi: string): string {
  if (!cgi) return path;
  return path + (path.includes('?') ? '&' : '?') + cgi;
}

function toDcError(err: unknown, what: string): DcError {
  if (err instanceof DcError) return err;
  return new DcError('IO', `${what}: ${String(err)}`, { cause: err });
}

/**
 * The XRootD client: a pool of connections per server, one loop per request that follows
 * redirects (capped, carrying the opaque CGI), honours kXR_wait, extends its deadline on
 * kXR_waitresp, and retries an idempotent request once its connection drops before any answer.
 */
export class XrootdClient {
  readonly origin: XrootdEndpoint;
  /** What this client has done so far, for progress reports and tests. */
  readonly counters = { requests: 0, redirects: 0, waits: 0, retriesAfterDrop: 0 };
  private readonly pool: XrootdPool;
  private readonly timeoutMs: number;
  private readonly maxRedirects: number;
  private readonly maxWaits: number;
  private readonly maxWaitSeconds: number;
  private readonly dropRetries: number;
  private readonly pushbackListeners = new Set<(p: Pushback) => void>();

  constructor(origin: XrootdEndpoint, opts: XrootdClientOptions = {}) {
    this.origin = origin;
    this.timeoutMs = opts.requestTimeoutMs ?? 60_000;
    this.maxRedirects = opts.maxRedirects ?? 16;
    this.maxWaits = opts.maxWaits ?? 10;
    this.maxWaitSeconds = opts.maxWaitSeconds ?? 60;
    this.dropRetries = opts.dropRetries ?? 2;
    this.pool = new XrootdPool({
      ...opts,
      connectionsPerHost: opts.connectionsPerHost ?? 2,
      spreadAt: opts.spreadAt ?? 16,
      connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
      maxWaitSeconds: this.maxWaitSeconds,
    });
  }

  /**
   * Reports the push-back this client absorbs: each kXR_wait it honours before asking again, each
   * request it sends again after its connection dropped. Returns the function that stops the reports.
   */
  watchPushback(listener: (p: Pushback) => void): () => void {
    this.pushbackListeners.add(listener);
    return () => this.pushbackListeners.delete(listener);
  }

  private pushback(p: Pushback): void {
    for (const l of this.pushbackListeners) l(p);
  }

  stat(path: string, ro: RequestOptions = {}): Promise<StatInfo> {
    return this.run({ what: 'stat', path, idempotent: true, encode: encodeStat, ok: decodeStatReply }, ro);
  }

  locate(path: string, options = 0, ro: RequestOptions = {}): Promise<LocateEntry[]> {
    return this.run({ what: 'locate', path, idempotent: true, encode: (sid, p) => encodeLocate(sid, p, options), ok: decodeLocateReply }, ro);
  }

  ping(ro: RequestOptions = {}): Promise<void> {
    return this.run({ what: 'ping', path: '', idempotent: true, encode: (sid) => encodePing(sid), ok: () => undefined }, ro);
  }

  /** Not retried after a drop: a second try could report NOT_FOUND for a file the first removed. */
  rm(path: string, ro: RequestOptions = {}): Promise<void> {
    return this.run({ what: 'rm', path, idempotent: false, encode: encodeRm, ok: () => undefined }, ro);
  }

  rmdir(path: string, ro: RequestOptions = {}): Promise<void> {
    return this.run({ what: 'rmdir', path, idempotent: false, encode: encodeRmdir, ok: () => undefined }, ro);
  }

  /**
   * Lists one directory, yielding entries as each kXR_oksofar chunk is decoded. Entries carry
   * `stat` when the server honoured kXR_dstat. Stopping the iteration early abandons the request.
   */
  async *dirlist(path: string, opts: RequestOptions & { dstat?: boolean } = {}): AsyncGenerator<DirlistEntry[], void, undefined> {
    // Linked by hand, not with AbortSignal.any: on Node 20 every AbortSignal.any of the run's
    // long-lived signal stays in that signal's dependants for good (nodejs/node#55351), one
    // entry per directory listed.
    const inner = new AbortController();
    const onOuter = () => inner.abort();
    opts.signal?.addEventListener('abort', onOuter, { once: true });
    if (opts.signal?.aborted) inner.abort();
    const decoder = new DirlistDecoder(opts.dstat ?? true);
    const queue: DirlistEntry[][] = [];
    let done = false;
    let failure: unknown;
    let wake: (() => void) | undefined;
    const notify = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const spec: RequestSpec<void> = {
      what: 'dirlist',
      path,
      idempotent: true,
      encode: (sid, p) => encodeDirlist(sid, p, opts.dstat ?? true),
      partial: (body) => {
        const entries = decoder.push(body, false);
        if (entries.length) {
          queue.push(entries);
          notify();
        }
      },
      ok: (body) => {
        const entries = decoder.push(body, true);
        if (entries.length) queue.push(entries);
      },
    };
    this.run(spec, { target: opts.target, signal: inner.signal }).then(
      () => {
        done = true;
        notify();
      },
      (err) => {
        failure = err;
        done = true;
        notify();
      },
    );
    try {
      for (;;) {
        while (queue.length) yield queue.shift()!;
        if (done) {
          if (failure !== undefined) throw failure;
          return;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      if (!done) inner.abort();
      opts.signal?.removeEventListener('abort', onOuter);
    }
  }

  private async run<T>(spec: RequestSpec<T>, ro: RequestOptions): Promise<T> {
    let ep = ro.target ?? this.origin;
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
      if (ro.signal?.aborted) throw new DcError('ABORTED', `${what} aborted`);
      let res: { status: number; body: Buffer };
      let conn: XrootdConnection;
      try {
        // A server that accepts and never answers holds the connection set-up: the caller's stop
        // must not wait for the connect timeout.
        conn = await untilAborted(this.pool.acquire(ep), ro.signal, what);
        this.counters.requests++;
        res = await this.exchange(conn, (sid) => spec.encode(sid, path), partial, ro.signal, what);
      } catch (err) {
        const e = toDcError(err, what);
        if (e.code === 'IO' && spec.idempotent && !sawPartial && drops++ < this.dropRetries && !ro.signal?.aborted) {
          this.counters.retriesAfterDrop++;
          this.pushback({ kind: 'error' });
          continue;
        }
        throw e;
      }
      switch (res.status) {
        case Status.ok:
          return spec.ok(res.body, conn);
        case Status.error:
          throw errorFromServer(decodeError(res.body), what);
        case Status.redirect: {
          if (sawPartial) throw new DcError('PROTOCOL', `${what}: redirect after partial data`);
          if (++redirects > this.maxRedirects) {
            throw new DcError('IO', `${what}: more than ${this.maxRedirects} redirects (last to ${ep.host}:${ep.port})`, { detail: { redirects } });
          }
          ({ ep, path } = this.follow(ep, basePath, decodeRedirect(res.body)));
          this.counters.redirects++;
          continue;
        }
        case Status.wait: {
          if (sawPartial) throw new DcError('PROTOCOL', `${what}: kXR_wait after partial data`);
          const w = decodeWait(res.body);
          if (++waits > this.maxWaits) throw new DcError('TIMEOUT', `${what}: server still asks to wait after ${this.maxWaits} waits (${w.message})`);
          this.counters.waits++;
          this.pushback({ kind: 'wait' });
          await sleep(Math.min(w.seconds, this.maxWaitSeconds) * 1000, ro.signal);
          continue;
        }
        default:
          throw new DcError('PROTOCOL', `${what}: unexpected response status ${res.status}`, { detail: { status: res.status } });
      }
    }
  }

  /**
   * Opens a file for reading (kXR_open, following redirects to the server holding it). Read it with
   * `read`, then `closeFile`; `readXrootdFile` (xrootd-read-file.ts) does all three, streamed.
   */
  openRead(path: string, ro: RequestOptions = {}): Promise<XrootdOpenFile> {
    return this.run({ what: 'open', path, idempotent: true, encode: encodeOpenRead, ok: (body, conn) => ({ path, conn, ...decodeOpenReply(body) }) }, ro);
  }

  /** Up to `length` bytes at `offset` (kXR_read), as the bodies came; fewer in all at the end of the file. */
  read(file: XrootdOpenFile, offset: number, length: number, ro: RequestOptions = {}): Promise<Buffer[]> {
    const parts: Buffer[] = [];
    return this.runOn(file.conn, {
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
    return this.runOn(file.conn, { what: `close ${file.path}`, path: file.path, idempotent: true, encode: (sid) => encodeClose(sid, file.handle), ok: () => undefined }, ro);
  }

  /**
   * A request bound to one connection (a file handle's): kXR_wait is honoured; a redirect or a
   * dropped connection fails it, since the handle means nothing elsewhere.
   */
  private async runOn<T>(conn: XrootdConnection, spec: RequestSpec<T>, ro: RequestOptions): Promise<T> {
    let waits = 0;
    for (;;) {
      if (ro.signal?.aborted) throw new DcError('ABORTED', `${spec.what} aborted`);
      this.counters.requests++;
      const res = await this.exchange(conn, (sid) => spec.encode(sid, spec.path), spec.partial, ro.signal, spec.what).catch((err) => {
        throw toDcError(err, spec.what);
      });
      switch (res.status) {
        case Status.ok:
          return spec.ok(res.body, conn);
        case Status.error:
          throw errorFromServer(decodeError(res.body), spec.what);
        case Status.wait: {
          const w = decodeWait(res.body);
          if (++waits > this.maxWaits) throw new DcError('TIMEOUT', `${spec.what}: server still asks to wait after ${this.maxWaits} waits (${w.message})`);
          this.counters.waits++;
          await sleep(Math.min(w.seconds, this.maxWaitSeconds) * 1000, ro.signal);
          continue;
        }
        case Status.redirect:
          throw new DcError('IO', `${spec.what}: redirected while a file is open on ${conn.key}`);
        default:
          throw new DcError('PROTOCOL', `${spec.what}: unexpected response status ${res.status}`, { detail: { status: res.status } });
      }
    }
  }

  /** Where a redirect sends the request next; the opaque CGI replaces the previous one. */
  private follow(from: XrootdEndpoint, basePath: string, r: RedirectReply): { ep: XrootdEndpoint; path: string } {
    if (r.url !== undefined) {
      const u = parseXrootdUrl(r.url);
      return { ep: { ...u.endpoint, tlsMode: u.endpoint.tlsMode === 'want' ? 'want' : from.tlsMode }, path: u.path === '/' ? basePath : u.path };
    }
    const ep: XrootdEndpoint = { host: r.host, port: r.port > 0 ? r.port : 1094, tlsMode: from.tlsMode, loginCgi: r.token || undefined };
    return { ep, path: withCgi(basePath, r.opaque) };
  }

  /** One request on one connection, until its final response, a timeout, an abort or a drop. */
  private exchange(
    conn: XrootdConnection,
    encode: (sid: number) => Buffer,
    partial: ((b: Buffer) => void) | undefined,
    signal: AbortSignal | undefined,
    what: string,
  ): Promise<{ status: number; body: Buffer }> {
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
      const onAbort = () => giveUp(new DcError('ABORTED', `${what} aborted`));
      const handler: ResponseHandler = {
        partial: (body) => {
          if (settled) return;
          arm(this.timeoutMs);
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
          if (!settled) arm(Math.min(seconds, this.maxWaitSeconds) * 1000 + this.timeoutMs);
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
      arm(this.timeoutMs);
    });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  destroy(): void {
    this.pool.destroy();
  }
}

/** `p`, or an ABORTED error as soon as `signal` fires (what `p` was doing goes on, unawaited). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(new DcError('ABORTED', `${what} aborted`));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      p.catch(() => undefined);
      reject(new DcError('ABORTED', `${what} aborted`));
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
