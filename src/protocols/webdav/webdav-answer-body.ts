/**
 * One HTTP exchange over undici's dispatch API, and the body of its answer handed over chunk by
 * chunk as undici's HTTP parser produces it. No stream object is built per request: a walk makes
 * one request per directory, and `request()`'s Readable body cost more than parsing what it carried.
 * The connection is paused while more than HIGH_WATER bytes wait unread, so memory stays flat
 * behind a slow consumer.
 */
import type { Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import { DcError } from '../../core/errors.ts';

const HIGH_WATER = 1 << 20;

export interface Exchange {
  status: number;
  headers: IncomingHttpHeaders;
  body: AnswerBody;
}

export class AnswerBody {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private failure: unknown = undefined;
  private wake: (() => void) | undefined;
  private controller: Dispatcher.DispatchController | undefined;

  /**
   * The next chunk; null once the answer ended; undefined when nothing arrived yet (then await
   * `wait()`). Throws the transport error that cut the answer.
   */
  take(): Buffer | null | undefined {
    if (this.failure !== undefined) throw this.failure;
    const chunk = this.chunks.shift();
    if (chunk !== undefined) {
      this.buffered -= chunk.length;
      if (this.controller?.paused && this.buffered <= HIGH_WATER) this.controller.resume();
      return chunk;
    }
    return this.ended ? null : undefined;
  }

  /** Resolves when `take()` has something new to say. */
  wait(): Promise<void> {
    if (this.chunks.length > 0 || this.ended || this.failure !== undefined) return Promise.resolve();
    return new Promise((resolve) => (this.wake = resolve));
  }

  /** Stops reading: the request is aborted and its connection closed rather than drained. */
  destroy(): void {
    if (this.ended || this.failure !== undefined) return;
    const err = new DcError('ABORTED', 'answer abandoned');
    this.fail(err);
    this.controller?.abort(err);
  }

  /** Reads and drops the rest of a small answer (error pages, redirects); a big one is cut. */
  async discard(limit = 1 << 20): Promise<void> {
    let seen = 0;
    try {
      for (let c = this.take(); c !== null; c = this.take()) {
        if (c === undefined) await this.wait();
        else if ((seen += c.length) > limit) return this.destroy();
      }
    } catch {
      // An error in a body we drop changes nothing.
    }
  }

  /** @internal handler side */
  attach(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
  }

  /** @internal */
  push(chunk: Buffer): void {
    if (this.failure !== undefined) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered > HIGH_WATER) this.controller?.pause();
    this.notify();
  }

  /** @internal */
  end(): void {
    this.ended = true;
    this.notify();
  }

  /** @internal */
  fail(err: unknown): void {
    if (this.failure !== undefined || this.ended) return;
    this.failure = err;
    this.chunks.length = 0;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}

/**
 * Sends one request; resolves with the status and headers once they arrived, the body then
 * streaming into `Exchange.body`. `signal` aborts it at any stage, queued ones included.
 */
export function exchange(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, signal: AbortSignal): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError(options));
    const handler = new ExchangeHandler(options, signal, resolve, reject);
    try {
      dispatcher.dispatch(options, handler);
    } catch (err) {
      handler.onResponseError(undefined, err as Error);
    }
  });
}

const abortError = (options: Dispatcher.DispatchOptions) => new DcError('ABORTED', `${options.method} aborted`);

/**
 * undici handler of one exchange, and the abort listener of its signal (`handleEvent`): methods,
 * not closures, since one is made per directory listed.
 */
class ExchangeHandler implements Dispatcher.DispatchHandler {
  private readonly body = new AnswerBody();
  private controller: Dispatcher.DispatchController | undefined;
  private started = false;

  constructor(
    private readonly options: Dispatcher.DispatchOptions,
    private readonly signal: AbortSignal,
    private readonly resolve: (e: Exchange) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    signal.addEventListener('abort', this, { once: true });
  }

  handleEvent(): void {
    const err = abortError(this.options);
    this.controller?.abort(err);
    if (!this.started) this.reject(err);
    else this.body.fail(err);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    this.body.attach(controller);
    if (this.signal.aborted) controller.abort(abortError(this.options));
  }

  onResponseStart(_c: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    this.started = true;
    this.resolve({ status, headers, body: this.body });
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.body.push(chunk);
  }

  onResponseEnd(): void {
    this.signal.removeEventListener('abort', this);
    this.body.end();
  }

  onResponseError(_c: Dispatcher.DispatchController | undefined, err: Error): void {
    this.signal.removeEventListener('abort', this);
    if (!this.started) this.reject(err);
    else this.body.fail(err);
  }
}
