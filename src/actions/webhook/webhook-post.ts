import { Agent, type Dispatcher } from 'undici';
import { DcError, errorMessage } from '../../core/errors.ts';
import { sleep } from '../../core/sleep.ts';
import type { BearerTokenSource } from '../../protocols/credentials/credentials-bearer-token.ts';

/**
 * JSON over HTTP POST with retries, shared by the webhook sink and the failure notice
 * (src/actions/notify). What is secret in a URL never leaves here: credentials written in the URL
 * (`https://user:password@host/…`) go in a Basic `Authorization` header, a token file's token in a
 * Bearer one, and messages name only what `HttpTarget.where` says.
 */
export interface HttpTarget {
  /** The URL without its user and password. */
  url: URL;
  /** Origin and path, for messages: no user, password or query (which may carry a key). */
  where: string;
  /** `Basic …` from the URL's user and password, if it has them. */
  basic?: string;
  /** The URL's password and query values, for scrubbing any text that could echo them. */
  secrets: string[];
}

/** Parses an http(s) URL; undefined when it is not one (the caller words the error with its key). */
export function httpTarget(text: string): HttpTarget | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const basic = user || password ? `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` : undefined;
  const secrets = [password, ...[...url.searchParams.values()]].filter((s) => s.length >= 4);
  url.username = '';
  url.password = '';
  return { url, where: `${url.origin}${url.pathname}`, basic, secrets };
}

/** Statuses worth another try: the receiver may be restarting or shedding load. */
const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);

export interface PostOptions {
  /** Extra headers (an `Idempotency-Key`). */
  headers?: Record<string, string>;
  /** Bearer token for the `Authorization` header; else the target's Basic credentials, if any. */
  token?: BearerTokenSource;
  /** Extra attempts after the first. */
  retries: number;
  /** First retry delay; doubles each attempt (with up to 25 % jitter), capped at 60 s. */
  baseDelayMs: number;
  signal?: AbortSignal;
}

/**
 * Posts JSON bodies, each until accepted: network errors, 408/425/429/5xx are retried with
 * exponential backoff (honouring Retry-After), any other answer fails at once (PROTOCOL, with
 * `detail.httpStatus`). A stop of `signal` fails with ABORTED. Errors carry no header or body text.
 */
export class JsonPoster {
  private agent: Agent | undefined;

  constructor(private readonly timeoutSeconds: number) {}

  /** Sends `body` to `target` until accepted; returns the number of attempts it took. */
  async post(target: HttpTarget, body: string, opts: PostOptions): Promise<number> {
    const { url } = target;
    const { signal } = opts;
    const ms = this.timeoutSeconds * 1000;
    this.agent ??= new Agent({ connections: 2, headersTimeout: ms, bodyTimeout: ms, connect: { timeout: Math.min(this.timeoutSeconds, 30) * 1000 } });
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw new DcError('ABORTED', 'post stopped');
      let failure: DcError;
      let retryAfterMs: number | undefined;
      try {
        const bearer = await opts.token?.header();
        const authorization = bearer ?? target.basic;
        const res: Dispatcher.ResponseData = await this.agent.request({
          origin: url.origin,
          path: url.pathname + url.search,
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...opts.headers, ...(authorization ? { Authorization: authorization } : {}) },
          body,
          signal,
        });
        await res.body.dump().catch(() => undefined);
        if (res.statusCode >= 200 && res.statusCode < 300) return attempt;
        failure = new DcError(RETRYABLE.has(res.statusCode) ? 'IO' : 'PROTOCOL', `HTTP ${res.statusCode}`, { detail: { httpStatus: res.statusCode } });
        if (!RETRYABLE.has(res.statusCode)) throw failure;
        const ra = res.headers['retry-after'];
        if (typeof ra === 'string' && /^\d+$/.test(ra)) retryAfterMs = Number(ra) * 1000;
      } catch (err) {
        if (err instanceof DcError && (err.code === 'PROTOCOL' || err.code === 'CONFIG')) throw err;
        if (signal?.aborted) throw new DcError('ABORTED', 'post stopped');
        failure = err instanceof DcError ? err : new DcError('IO', (err as { code?: string }).code ?? errorMessage(err));
      }
      if (attempt > opts.retries) throw new DcError(failure.code, `${failure.message} (gave up after ${attempt} attempts)`, { detail: failure.detail });
      const backoff = Math.min(60_000, opts.baseDelayMs * 2 ** (attempt - 1)) * (1 + Math.random() * 0.25);
      await sleep(Math.min(60_000, Math.max(backoff, retryAfterMs ?? 0)), signal, 'post stopped');
    }
  }

  async close(): Promise<void> {
    await this.agent?.close().catch(() => undefined);
    this.agent = undefined;
  }
}
