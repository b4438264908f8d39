/**
 * Issue 15: the unmerged cleaning's history — the last accepted protected list (the shrink check's
 * reference) and the unmerged findings confirmed like orphans — on every history engine.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { collectConfirmed } from '../../../src/actions/actions-confirm.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { createEngineDatabase, HISTORY_ENGINES, type TestDatabase } from '../../servers/databases.ts';

const T0 = Date.parse('2026-01-10T00:00:00Z') / 1000;
const iso = (t: number) => new Date(t * 1000).toISOString();

for (const engine of HISTORY_ENGINES) {
  describe(`unmerged history on ${engine}`, () => {
    let db: TestDatabase | undefined;
    let store: HistoryStore | undefined;
    after(async () => {
      await store?.close();
      await db?.drop();
    });

    it('keeps one accepted protected list per site, replaced by the next, and confirms unmerged findings across runs', async () => {
      db = await createEngineDatabase(engine, 'dc_unm');
      store = await HistoryStore.open(db.url);
      assert.equal(await store.protectedLists.get('T2_A'), undefined);
      await store.protectedLists.set({ site: 'T2_A', count: 12345, runId: 1, fetchedAt: iso(T0), source: 'https://wm.example/protectedlfns' });
      await store.protectedLists.set({ site: 'T2_B', count: 3, runId: 2, fetchedAt: iso(T0), source: 'file.json' });
      await store.protectedLists.set({ site: 'T2_A', count: 12000, runId: 3, fetchedAt: iso(T0 + 60), source: 'https://wm.example/protectedlfns' });
      assert.deepEqual(await store.protectedLists.get('T2_A'), { site: 'T2_A', count: 12000, runId: 3, fetchedAt: iso(T0 + 60), source: 'https://wm.example/protectedlfns' });
      assert.equal((await store.protectedLists.get('T2_B'))?.count, 3);

      const rule = { runs: 2, days: 0, now: T0 + 1000 };
      const run = async (t: number, names: string[] | undefined) => {
        const id = await store!.runs.start('T2_A', iso(t));
        // As the unmerged phase: its sightings continue those of the last run that cleaned.
        if (names) await store!.findings.record('T2_A', id, 'unmerged', names, iso(t), (await store!.findings.lastRun('T2_A', 'unmerged')) ?? -1);
        else await store!.findings.record('T2_A', id, 'orphan', ['/store/mc/o.root'], iso(t));
        await store!.runs.finish(id, 'done', {});
        return id;
      };
      const r1 = await run(T0, ['/store/unmerged/a.root', '/store/unmerged/d']);
      assert.deepEqual(await collectConfirmed(store, 'T2_A', r1, 'unmerged', rule), []);
      assert.equal(await store.findings.lastRun('T2_A', 'unmerged'), r1);
      await run(T0 + 50, undefined); // a plain check in between breaks no chain
      const r2 = await run(T0 + 100, ['/store/unmerged/a.root', '/store/unmerged/b.root']);
      assert.deepEqual((await collectConfirmed(store, 'T2_A', r2, 'unmerged', rule)).map((c) => c.lfn), ['/store/unmerged/a.root']);
      await store.findings.markActed('T2_A', 'unmerged', ['/store/unmerged/a.root'], r2);
      assert.deepEqual(await collectConfirmed(store, 'T2_A', r2, 'unmerged', rule), [], 'acted on: not planned again');
    });
  });
}
