import { createHash } from 'node:crypto';
import { Agent, type Dispatcher } from 'undici';
import { DcError, errorMessage } from '../../core/errors.ts';
import { sleep } from '../../core/sleep.ts';
import { BearerTokenSource } from '../../protocols/credentials/credentials-bearer-token.ts';
import type { ActionKind, ActionPlan, ActionRecord, ActionSink, SinkContext, SinkReport } from '../actions-types.ts';

export interface WebhookItem {
  kind: ActionKind;
  lfn: string;
}

/** The JSON body of one POST. The same batch always carries the same `idempotencyKey`. */
export interface WebhookBatch {
  site: string;
  runId: number;
  batch: number;
  batches: number;
  idempotencyKey: string;
  actions: WebhookItem[];
}

export interface WebhookOptions {
  /** First retry delay; doubles each attempt (with up to 25 % jitter), capped at 60 s. */
  baseDelayMs?: number;
}

/** Statuses worth another try: the receiver may be restarting or shedding load. */
const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * Posts the plan as JSON batches of `WebhookBatchSize` actions. Each batch has an idempotency key
 * (sent as the `Idempotency-Key` header and in the body) derived from site, run, batch number and
 * content, so a receiver can drop the duplicate when a retry follows a lost answer. Network errors,
 * 408/425/429/5xx are retried `WebhookRetries` times with exponential backoff (honouring
 * Retry-After); any other answer fails the batch at once. Messages name the URL's origin and path only.
 */
export class WebhookSink implements ActionSink {
  readonly name = 'webhook' as const;
  private agent: Agent | undefined;

  constructor(private readonly opts: WebhookOptions = {}) {}

  async execute(plan: ActionPlan, ctx: SinkContext): Promise<SinkReport> {
    const { site } = ctx;
    const items: WebhookItem[] = [
      ...plan.transfers.map((lfn) => ({ kind: 'transfer' as const, lfn })),
      ...plan.deletions.map((lfn) => ({ kind: 'delete' as const, lfn })),
      ...plan.rmdirs.map((lfn) => ({ kind: 'rmdir' as const, lfn })),
    ];
    const records: ActionRecord[] = [];
    if (items.length === 0) return { records };
    const record = (batch: WebhookItem[], outcome: ActionRecord['outcome'], detail: string) => {
      for (const it of batch) records.push({ sink: 'webhook', kind: it.kind, target: it.lfn, outcome, detail });
    };
    let url: URL;
    try {
      url = new URL(site.WebhookUrl);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    } catch {
      record(items, 'failed', 'WebhookUrl is not an http(s) URL');
      return { records };
    }
    const where = `${url.origin}${url.pathname}`;
    // Only the webhook's own file: the storage's WLCG token must never be sent to a webhook.
    const token = site.WebhookTokenFile ? new BearerTokenSource({ tokenFile: site.WebhookTokenFile }) : undefined;
    this.agent ??= new Agent({ connections: 2, headersTimeout: site.WebhookTimeout * 1000, bodyTimeout: site.WebhookTimeout * 1000, connect: { timeout: Math.min(site.WebhookTimeout, 30) * 1000 } });
    const size = site.WebhookBatchSize;
    const batches = Math.ceil(items.length / size);
    for (let b = 0; b < batches; b++) {
      const slice = items.slice(b * size, (b + 1) * size);
      const key = batchKey(site.name, ctx.runId, b, slice);
      const body: WebhookBatch = { site: site.name, runId: ctx.runId, batch: b + 1, batches, idempotencyKey: key, actions: slice };
      try {
        const attempts = await this.post(url, JSON.stringify(body), key, token, site.WebhookRetries, ctx.signal);
        record(slice, 'ok', `batch ${b + 1}/${batches} key ${key} accepted by ${where} after ${attempts} attempt${attempts > 1 ? 's' : ''}`);
      } catch (err) {
        if (err instanceof DcError && err.code === 'ABORTED') record(slice, 'skipped', 'run stopped before this batch was sent');
        else record(slice, 'failed', `batch ${b + 1}/${batches} key ${key} to ${where}: ${errorMessage(err)}`);
      }
    }
    return { records };
  }

  /** Sends one batch until accepted; returns the number of attempts it took. */
  private async post(url: URL, body: string, key: string, token: BearerTokenSource | undefined, retries: number, signal?: AbortSignal): Promise<number> {
    const base = this.opts.baseDelayMs ?? 1000;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw new DcError('ABORTED', 'webhook stopped');
      let failure: DcError;
      let retryAfterMs: number | undefined;
      try {
        const res: Dispatcher.ResponseData = await this.agent!.request({
          origin: url.origin,
          path: url.pathname + url.search,
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key, ...(await authorizationOf(token)) },
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
        if (err instanceof DcError && err.code === 'PROTOCOL') throw err;
        if (signal?.aborted) throw new DcError('ABORTED', 'webhook stopped');
        failure = err instanceof DcError ? err : new DcError('IO', (err as { code?: string }).code ?? errorMessage(err));
      }
      if (attempt > retries) throw new DcError(failure.code, `${failure.message} (gave up after ${attempt} attempts)`, { detail: failure.detail });
      const backoff = Math.min(60_000, base * 2 ** (attempt - 1)) * (1 + Math.random() * 0.25);
      await sleep(Math.min(60_000, Math.max(backoff, retryAfterMs ?? 0)), signal, 'webhook stopped');
    }
  }

  async close(): Promise<void> {
    await this.agent?.close().catch(() => undefined);
    this.agent = undefined;
  }
}

async function authorizationOf(token: BearerTokenSource | undefined): Promise<{ Authorization?: string }> {
  const value = await token?.header();
  return value ? { Authorization: value } : {};
}

/** Stable per batch: the same run, batch number and content always give the same key. */
export function batchKey(site: string, runId: number, batch: number, items: readonly WebhookItem[]): string {
  const h = createHash('sha256').update(`${site}\n${runId}\n${batch}\n`);
  for (const it of items) h.update(`${it.kind} ${it.lfn}\n`);
  return h.digest('hex').slice(0, 32);
}

