import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { actOnRun } from '../../../src/actions/actions-run.ts';
import { WebhookSink, type WebhookBatch } from '../../../src/actions/webhook/webhook-sink.ts';
import { siteConfig } from '../../../src/config/config-loader.ts';
import type { ResultContext } from '../../../src/run/run-site.ts';
import { makeActionSite, PLANTED, SITE, type ActionSite } from './actions-site.ts';

interface Seen {
  key: string | undefined;
  body: WebhookBatch;
  answered: number;
}

/** A receiver that answers `plan(n)` to its n-th request (1-based) and records every request. */
async function receiver(plan: (n: number) => number): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (text += d));
    req.on('end', () => {
      const status = plan(seen.length + 1);
      seen.push({ key: req.headers['idempotency-key'] as string | undefined, body: JSON.parse(text), answered: status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/hooks/consistency?tenant=cms`, seen, close: () => new Promise((r) => server.close(() => r())) };
}

/** The run's result hook with a fast-retrying webhook (the production backoff starts at 1 s). */
const fastWebhook = async (ctx: ResultContext) => {
  const r = await actOnRun({ ...ctx, sinks: [new WebhookSink({ baseDelayMs: 5 })] });
  return { actions: r.summary };
};

describe('webhook sink', () => {
  let s: ActionSite;
  let recv: Awaited<ReturnType<typeof receiver>>;
  before(async () => {
    // The first two requests fail with 503, then the receiver accepts everything.
    recv = await receiver((n) => (n <= 2 ? 503 : 200));
    s = await makeActionSite({ settings: { Actions: ['webhook'], WebhookUrl: recv.url, WebhookBatchSize: 2, WebhookRetries: 3, DeleteOrphans: true } });
  });
  after(async () => {
    await s?.close();
    await recv?.close();
  });

  it('posts confirmed actions in batches, retrying with the same idempotency key until accepted', async () => {
    await s.run({ onResult: fastWebhook });
    assert.equal(recv.seen.length, 0, 'nothing confirmed on the first run');
    const r2 = await s.run({ onResult: fastWebhook });
    assert.equal(r2.status, 'done', r2.error?.message);
    // 1 transfer + 2 deletions + 2 rmdirs in batches of 2 = 3 batches; batch 1 needed 3 attempts.
    assert.deepEqual(recv.seen.map((x) => [x.body.batch, x.answered]), [[1, 503], [1, 503], [1, 200], [2, 200], [3, 200]]);
    const keys = recv.seen.map((x) => x.key);
    assert.equal(keys[0], keys[1]);
    assert.equal(keys[1], keys[2]);
    assert.equal(new Set(keys).size, 3, 'one key per batch');
    assert.ok(recv.seen.every((x) => x.key === x.body.idempotencyKey && x.body.site === SITE && x.body.runId === r2.runId && x.body.batches === 3));
    const sent = recv.seen.filter((x) => x.answered === 200).flatMap((x) => x.body.actions.map((a) => `${a.kind} ${a.lfn}`));
    assert.deepEqual(sent.sort(), [...PLANTED.missing.map((l) => `transfer ${l}`), ...PLANTED.orphans.map((l) => `delete ${l}`), ...PLANTED.empty.map((l) => `rmdir ${l}`)].sort());
    const acts = await s.store.actions.collect(SITE, r2.runId);
    assert.equal(acts.length, 5);
    assert.ok(acts.every((a) => a.sink === 'webhook' && a.outcome === 'ok'));
    assert.match(acts[0].detail!, /after 3 attempts/);
    assert.doesNotMatch(acts[0].detail!, /tenant=cms/, 'the query string (may hold a secret) is never recorded');
    // Acted on: the next run sends nothing again.
    await s.run({ onResult: fastWebhook });
    assert.equal(recv.seen.length, 5);
  });

  it('gives up at once on a 4xx answer, and after WebhookRetries on a receiver that keeps failing', async () => {
    const site = siteConfig(s.config, SITE);
    const plan = { transfers: ['/store/a'], deletions: [], rmdirs: [], notes: [] };
    const ctx = { config: s.config, runId: 9, now: Date.now() / 1000, log: () => undefined };
    const bad = await receiver(() => 400);
    const down = await receiver(() => 502);
    const sinks = [new WebhookSink({ baseDelayMs: 5 }), new WebhookSink({ baseDelayMs: 5 })];
    try {
      const r400 = await sinks[0].execute(plan, { ...ctx, site: { ...site, WebhookUrl: bad.url } });
      assert.equal(bad.seen.length, 1);
      assert.equal(r400.records[0].outcome, 'failed');
      assert.match(r400.records[0].detail!, /HTTP 400/);
      const r502 = await sinks[1].execute(plan, { ...ctx, site: { ...site, WebhookUrl: down.url, WebhookRetries: 2 } });
      assert.equal(down.seen.length, 3);
      assert.equal(r502.records[0].outcome, 'failed');
      assert.match(r502.records[0].detail!, /gave up after 3 attempts/);
    } finally {
      for (const k of sinks) await k.close();
      await bad.close();
      await down.close();
    }
  });
});
