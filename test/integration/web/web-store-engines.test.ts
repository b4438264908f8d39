import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { createEngineDatabase, HISTORY_ENGINES, type TestDatabase } from '../../servers/databases.ts';
import { makeSummary } from './web-fixture.ts';

for (const engine of HISTORY_ENGINES) {
  describe(`dashboard queries on ${engine}`, () => {
    let db: TestDatabase | undefined;
    let store: HistoryStore | undefined;
    after(async () => {
      await store?.close();
      await db?.drop();
    });

    it('finds the latest run and the latest finished run of every site in one query', async () => {
      db = await createEngineDatabase(engine, 'dc_web');
      await (await HistoryStore.open(db.url)).close();
      store = await HistoryStore.open(db.url); // the migration is idempotent: every open runs it
      await store.states.ensure(['A', 'B', 'C']);
      const done = async (site: string, files: number) => {
        const id = await store!.runs.start(site, new Date().toISOString());
        await store!.runs.finish(id, 'done', { summary: makeSummary(site, id, { files }), gatesHeld: ['DryMode'] });
        return id;
      };
      await done('A', 1);
      const a2 = await done('A', 2);
      const a3 = await store.runs.start('A', new Date().toISOString());
      await store.runs.finish(a3, 'failed', { error: 'boom' });
      const b1 = await done('B', 7);
      const b2 = await store.runs.start('B', new Date().toISOString());
      await store.locks.heartbeat('B', b2, { phase: 'listing', dirsListed: 3 });
      const latest = new Map((await store.runs.collectLatest()).map((l) => [l.site, l]));
      assert.deepEqual([...latest.keys()].sort(), ['A', 'B', 'C']);
      assert.equal(latest.get('A')!.last!.id, a3);
      assert.equal(latest.get('A')!.last!.status, 'failed');
      assert.equal(latest.get('A')!.done!.id, a2);
      assert.equal(latest.get('A')!.done!.files, 2);
      assert.equal(typeof latest.get('A')!.done!.files, 'number');
      assert.equal(latest.get('B')!.last!.status, 'running');
      assert.match(latest.get('B')!.last!.progress!, /dirsListed/);
      assert.equal(latest.get('B')!.done!.id, b1);
      assert.equal(latest.get('C')!.last, null);
      assert.equal(latest.get('C')!.done, null);
      const runs = await store.runs.collectPoints('A', 2);
      assert.deepEqual(runs.map((r) => r.id), [a3, a2]);
      assert.deepEqual(runs[1].gatesHeld, ['DryMode']);
    });

    it('records state changes with their origin', async () => {
      const st = await store!.states.set('C', 'halt', 'web:127.0.0.1');
      assert.equal(st.status, 'halt');
      await store!.states.set('C', 'act', 'api:127.0.0.1');
      const changes = await store!.states.collectChanges('C');
      assert.deepEqual(changes.map((c) => [c.value, c.by]), [['act', 'api:127.0.0.1'], ['halt', 'web:127.0.0.1']]);
    });
  });
}
