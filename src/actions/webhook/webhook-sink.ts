import { createHash } from 'node:crypto';
import { DcError, errorMessage } from '../../core/errors.ts';
import { BearerTokenSource } from '../../protocols/credentials/credentials-bearer-token.ts';
import { httpTarget, JsonPoster } from './webhook-post.ts';
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

/**
 * Posts the plan as JSON batches of `WebhookBatchSize` actions. Each batch has an idempotency key
 * (sent as the `Idempotency-Key` header and in the body) derived from site, run, batch number and
 * content, so a receiver can drop the duplicate when a retry follows a lost answer. Network errors,
 * 408/425/429/5xx are retried `WebhookRetries` times with exponential backoff (honouring
 * Retry-After); any other answer fails the batch at once (src/actions/webhook/webhook-post.ts). Messages
 * name the URL's origin and path only; a user and password in the URL are sent as Basic credentials.
 */
export class WebhookSink implements ActionSink {
  readonly name = 'webhook' as const;
  private poster: JsonPoster | undefined;

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
    const target = httpTarget(site.WebhookUrl);
    if (!target) {
      record(items, 'failed', 'WebhookUrl is not an http(s) URL');
      return { records };
    }
    const { where } = target;
    // Only the webhook's own file: the storage's WLCG token must never be sent to a webhook.
    const token = site.WebhookTokenFile ? new BearerTokenSource({ tokenFile: site.WebhookTokenFile }) : undefined;
    this.poster ??= new JsonPoster(site.WebhookTimeout);
    const size = site.WebhookBatchSize;
    const batches = Math.ceil(items.length / size);
    for (let b = 0; b < batches; b++) {
      const slice = items.slice(b * size, (b + 1) * size);
      const key = batchKey(site.name, ctx.runId, b, slice);
      const body: WebhookBatch = { site: site.name, runId: ctx.runId, batch: b + 1, batches, idempotencyKey: key, actions: slice };
      try {
        const attempts = await this.poster.post(target, JSON.stringify(body), { headers: { 'Idempotency-Key': key }, token, retries: site.WebhookRetries, baseDelayMs: this.opts.baseDelayMs ?? 1000, signal: ctx.signal });
        record(slice, 'ok', `batch ${b + 1}/${batches} key ${key} accepted by ${where} after ${attempts} attempt${attempts > 1 ? 's' : ''}`);
      } catch (err) {
        if (err instanceof DcError && err.code === 'ABORTED') record(slice, 'skipped', 'run stopped before this batch was sent');
        else record(slice, 'failed', `batch ${b + 1}/${batches} key ${key} to ${where}: ${errorMessage(err)}`);
      }
    }
    return { records };
  }

  async close(): Promise<void> {
    await this.poster?.close();
    this.poster = undefined;
  }
}

/** Stable per batch: the same run, batch number and content always give the same key. */
export function batchKey(site: string, runId: number, batch: number, items: readonly WebhookItem[]): string {
  const h = createHash('sha256').update(`${site}\n${runId}\n${batch}\n`);
  for (const it of items) h.update(`${it.kind} ${it.lfn}\n`);
  return h.digest('hex').slice(0, 32);
}

