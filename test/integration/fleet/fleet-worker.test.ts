/**
 * The worker against a run left by a worker on another host (issue 14 point 3): while the dead
 * run's lease is fresh the job waits (it is put back, delayed, without using a try); once the
 * lease's heartbeat is older than LOCK_STALE_SECONDS the job runs, the dead run is recorded
 * `failed` with the reason, and the new run takes the site's turn. Real Redis on 127.0.0.1:6379,
 * a queue of this test's own.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { loadConfig } from '../../../src/config/config-loader.ts';
import { removeTree } from '../../../src/demo/demo-site.ts';
import { checkJobId, type CheckJob } from '../../../src/fleet/fleet-executor.ts';
import { openSql } from '../../../src/sql/sql-database.ts';
import type { StoreDb } from '../../../src/store/history-schema.ts';
import { collectSiteHistory } from '../../../src/fleet/fleet-turns.ts';
import { runFleetWorker } from '../../../src/fleet/fleet-worker.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { LOCK_STALE_SECONDS } from '../../../src/store/site-lock.ts';
import { collectRunRows, makePosixSite, waitFor, writeFleetConfig } from './fleet-fixture.ts';

const SITE = 'T2_AA_One';
const QUEUE = `dc-test-worker-${process.pid}-${randomBytes(3).toString('hex')}`;
const connection = { host: '127.0.0.1', port: 6379 };

let root: string;
let store: HistoryStore;
let queue: Queue<CheckJob>;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'dc-fleet-worker-'));
  queue = new Queue<CheckJob>(QUEUE, { connection });
});

after(async () => {
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  await store?.close();
  removeTree(root);
});

describe('a worker taking over a site from a dead worker on another host', () => {
  it('waits while the dead run\'s lease is fresh, then records that run failed and checks the site', async () => {
    const cfg = writeFleetConfig(root, { Sites: { [SITE]: makePosixSite(root, SITE) }, History: { Url: 'sqlite:var/history.sqlite' } });
    const config = loadConfig(cfg, {});
    store = await HistoryStore.open(config.historyUrl);
    // What a worker on another host leaves when it dies mid-check: a running run and a lock it no longer renews.
    assert.equal(await store.locks.acquire(SITE, 'far-host:4242'), true);
    const deadRun = await store.runs.start(SITE, new Date().toISOString());

    const events: { event: string; fields: Record<string, unknown> }[] = [];
    const stop = new AbortController();
    const worker = runFleetWorker({ config, store, queue: { url: 'redis://127.0.0.1:6379/0', name: QUEUE, stallSeconds: 3 }, concurrency: 1, signal: stop.signal, log: (event, fields) => events.push({ event, fields }) });
    try {
      await queue.add('check', { site: SITE, slot: 0, lockGroup: '' }, { jobId: checkJobId(SITE, 0), attempts: 2 });
      const deferred = await waitFor('the job to wait for the lease', async () => events.find((e) => e.event === 'check-deferred'), 20_000);
      assert.match(String(deferred.fields.reason), /being checked by another process/);
      assert.equal((await collectRunRows(config.historyUrl)).length, 1, 'nothing ran while the lease was fresh');

      // The dead worker's heartbeat ages past LOCK_STALE_SECONDS: the next try takes the site over.
      const history = await openSql<StoreDb>(config.historyUrl);
      await history.db.updateTable('site_states').set({ lock_heartbeat: Math.floor(Date.now() / 1000) - LOCK_STALE_SECONDS - 10 }).where('site', '=', SITE).execute().finally(() => history.close());
      const done = await waitFor('the site to be checked', async () => (await collectRunRows(config.historyUrl)).find((r) => r.id !== deadRun && r.status === 'done'), 30_000);
      const dead = (await collectRunRows(config.historyUrl)).find((r) => r.id === deadRun)!;
      assert.equal(dead.status, 'failed');
      assert.match(dead.error ?? '', /crash or kill/);
      await waitFor('the turn to be recorded', async () => (await collectSiteHistory(store, [SITE])).get(SITE)?.last?.runId === done.id, 5_000);
      const job = await queue.getJob(checkJobId(SITE, 0));
      assert.equal(job?.attemptsMade, 1, 'one try, the one that ran: waiting for the lease used none');
    } finally {
      stop.abort();
      await worker;
    }
  });
});
