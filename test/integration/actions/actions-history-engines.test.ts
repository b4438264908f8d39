import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { collectConfirmed, planActions } from '../../../src/actions/actions-confirm.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { createEngineDatabase, HISTORY_ENGINES, type TestDatabase } from '../../servers/databases.ts';
import { testSite } from '../../helpers/check-harness.ts';

const DAY = 86400;
const T0 = Date.parse('2026-01-10T00:00:00Z') / 1000;
const iso = (t: number) => new Date(t * 1000).toISOString();

for (const engine of HISTORY_ENGINES) {
  describe(`history and confirmation on ${engine}`, () => {
    let db: TestDatabase | undefined;
    let store: HistoryStore | undefined;
    after(async () => {
      await store?.close();
      await db?.drop();
    });

    it('counts sightings across done runs, confirms, records actions and marks findings acted on', async () => {
      db = await createEngineDatabase(engine, 'dc_hist');
      store = await HistoryStore.open(db.url);
      const site = testSite({ MissingConfirmations: 2, OrphanConfirmations: 2, OrphanConfirmDays: 1, DeleteOrphans: true });
      const run = async (t: number, missing: string[], orphan: string[], status: 'done' | 'failed' = 'done') => {
        const id = await store!.runs.start(site.name, iso(t));
        // As runSite: a run that fails records no findings.
        if (status === 'done') {
          await store!.findings.record(site.name, id, 'missing', missing, iso(t));
          await store!.findings.record(site.name, id, 'orphan', orphan, iso(t));
        }
        await store!.runs.finish(id, status, {});
        return id;
      };
      const r1 = await run(T0, ['/m/a', '/m/b'], ['/store/mc/o1']);
      const r2 = await run(T0 + 0.5 * DAY, ['/m/a'], ['/store/mc/o1']);
      let missing = await collectConfirmed(store, site.name, r2, 'missing', { runs: 2, days: 0, now: T0 + 0.5 * DAY });
      assert.deepEqual(missing.map((m) => m.lfn), ['/m/a']);
      // Two sightings, but only half a day apart: the orphan is not confirmed yet.
      assert.deepEqual(await collectConfirmed(store, site.name, r2, 'orphan', { runs: 2, days: 1, now: T0 + 0.5 * DAY }), []);
      const r3 = await run(T0 + 1.5 * DAY, ['/m/a', '/m/b'], ['/store/mc/o1']);
      const rows = await store.findings.collect(site.name, 'missing');
      assert.deepEqual(rows.map((r) => [r.lfn, Number(r.consecutive), Number(r.first_run)]), [['/m/a', 3, r1], ['/m/b', 1, r3]], '/m/b reset when run 2 did not see it');
      const { plan } = await planActions(store, site, r3, T0 + 1.5 * DAY);
      assert.deepEqual(plan, { transfers: ['/m/a'], deletions: ['/store/mc/o1'], rmdirs: [], notes: [] });

      await store.actions.record([
        { runId: r3, site: site.name, sink: 'registry', kind: 'transfer', target: '/m/a', outcome: 'ok', detail: 'queued from T1_X' },
        { runId: r3, site: site.name, sink: 'registry', kind: 'delete', target: '/store/mc/o1', outcome: 'failed' },
      ]);
      await store.findings.markActed(site.name, 'missing', ['/m/a'], r3);
      const acts = await store.actions.collect(site.name, r3);
      assert.deepEqual(acts.map((a) => [a.sink, a.kind, a.target, a.outcome, a.detail]), [
        ['registry', 'transfer', '/m/a', 'ok', 'queued from T1_X'],
        ['registry', 'delete', '/store/mc/o1', 'failed', null],
      ]);
      // A failed run neither counts as a sighting nor breaks the chain.
      await run(T0 + 2 * DAY, [], [], 'failed');
      const r5 = await run(T0 + 2.5 * DAY, ['/m/a'], ['/store/mc/o1']);
      const again = await planActions(store, site, r5, T0 + 2.5 * DAY);
      assert.deepEqual(again.plan.transfers, [], 'acted on already');
      assert.deepEqual(again.plan.deletions, ['/store/mc/o1'], 'the failed deletion is planned again');
      missing = await collectConfirmed(store, site.name, r5, 'missing', { runs: 2, days: 0, now: 0 });
      assert.deepEqual(missing, []);

      assert.equal(await store.locks.acquire(site.name, 'host-a:1'), true);
      assert.equal(await store.locks.acquire(site.name, 'host-b:2'), false);
      await store.locks.release(site.name, 'host-a:1');
      assert.deepEqual((await store.runs.collect(site.name)).map((r) => r.status), ['done', 'failed', 'done', 'done', 'done']);
    });
  });
}
