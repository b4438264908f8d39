/**
 * The fleet's members and live runs in the history store (store.members, issue 14 point 5) on
 * every engine: HISTORY_ENGINES=sqlite,postgres,mysql (default all three) picks them.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { createEngineDatabase, HISTORY_ENGINES, type TestDatabase } from '../../servers/databases.ts';
import { makeSummary } from '../web/web-fixture.ts';

for (const engine of HISTORY_ENGINES) {
  describe(`fleet members on ${engine}`, () => {
    let db: TestDatabase | undefined;
    let store: HistoryStore | undefined;
    after(async () => {
      await store?.close();
      await db?.drop();
    });

    it('keeps one row per member through its heartbeats, forgets it when it leaves or falls silent', async () => {
      db = await createEngineDatabase(engine, 'dc_members');
      store = await HistoryStore.open(db.url);
      const w = { id: 'host-b:42', role: 'worker' as const, host: 'host-b', pid: 42, version: '1.2.3', slots: 2, startedMs: 1_700_000_000_000, heartbeatMs: 1_700_000_000_000, checks: [] };
      await store.members.beat(w);
      await store.members.beat(w); // the same beat twice (MySQL reports no changed row)
      await store.members.beat({ ...w, heartbeatMs: w.heartbeatMs + 5000, checks: [{ site: 'T2_<b>', since: 1_700_000_001_000, jobId: 'T2_<b>.after-0' }] });
      await store.members.beat({ id: 'host-a:7', role: 'daemon', host: 'host-a', pid: 7, version: '1.2.3', slots: 0, startedMs: 1, heartbeatMs: 2, checks: [] });
      const all = await store.members.collect();
      assert.deepEqual(all.map((m) => [m.id, m.role]), [['host-a:7', 'daemon'], ['host-b:42', 'worker']]);
      assert.deepEqual(all[1], { ...w, heartbeatMs: w.heartbeatMs + 5000, checks: [{ site: 'T2_<b>', since: 1_700_000_001_000, jobId: 'T2_<b>.after-0' }] });
      await store.members.prune(100);
      assert.deepEqual((await store.members.collect()).map((m) => m.id), ['host-b:42'], 'the silent daemon is forgotten');
      await store.members.leave('host-b:42');
      assert.deepEqual(await store.members.collect(), []);
    });

    it('lists the live runs with their lock holders, and counts done runs into duration buckets', async () => {
      assert.ok(await store!.locks.acquire('S1', 'host-b:42'));
      const run = await store!.runs.start('S1', new Date().toISOString());
      await store!.locks.heartbeat('S1', run, { phase: 'listing', dirsListed: 3 }, 'host-b:42');
      const live = await store!.members.collectLiveRuns();
      assert.equal(live.length, 1);
      assert.deepEqual([live[0].runId, live[0].site, live[0].lockOwner, typeof live[0].lockHeartbeat], [run, 'S1', 'host-b:42', 'number']);
      assert.match(live[0].progress ?? '', /"dirsListed":3/);
      for (const [site, total] of [['S2', 20], ['S2', 400], ['S2', 5000], ['S3', 60]] as const) {
        const id = await store!.runs.start(site, new Date().toISOString());
        await store!.runs.finish(id, 'done', { summary: makeSummary(site, id, { total }), gatesHeld: [] });
      }
      const failed = await store!.runs.start('S3', new Date().toISOString());
      await store!.runs.finish(failed, 'failed', { error: 'not counted' });
      assert.deepEqual(await store!.members.collectDurationHistogram([30, 60, 1000]), [
        { site: 'S2', count: 3, sum: 5420, buckets: [1, 1, 2] },
        { site: 'S3', count: 1, sum: 60, buckets: [0, 1, 1] },
      ]);
    });
  });
}
