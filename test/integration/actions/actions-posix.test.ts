import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectActions } from '../../../src/store/action-log.ts';
import { makeActionSite, PLANTED, SITE, type ActionSite } from './actions-site.ts';

const DAY = 86400;
const deleting = { Actions: ['storage'], DeleteOrphans: true, DeleteOnStorage: true };

describe('acting on a POSIX site', () => {
  const sites: ActionSite[] = [];
  after(async () => {
    for (const s of sites) await s.close();
  });
  const make = async (...a: Parameters<typeof makeActionSite>) => {
    const s = await makeActionSite(...a);
    sites.push(s);
    return s;
  };

  it('acts only on the second sighting, and removes exactly the confirmed orphans and empty directories', async () => {
    const s = await make({ settings: deleting });
    const r1 = await s.run();
    assert.equal(r1.status, 'done', r1.error?.message);
    assert.deepEqual(r1.summary!.gates.held, []);
    assert.equal(r1.summary!.orphan.count, 2);
    assert.equal(r1.summary!.empty, 2);
    assert.deepEqual(await collectActions(s.store, SITE, r1.runId), [], 'first sighting: nothing is confirmed yet');
    for (const f of PLANTED.orphans) assert.ok(existsSync(s.siteRoot + f));

    const r2 = await s.run();
    assert.equal(r2.status, 'done', r2.error?.message);
    const acts = await collectActions(s.store, SITE, r2.runId);
    // Files are deleted in parallel (any order); directories one by one, leaves first.
    const deletes = acts.filter((a) => a.kind === 'delete').map((a) => [a.sink, a.target, a.outcome]);
    assert.deepEqual(deletes.sort(), [...PLANTED.orphans].sort().map((t) => ['storage', t, 'ok']));
    assert.deepEqual(acts.filter((a) => a.kind === 'rmdir').map((a) => [a.sink, a.target, a.outcome]), PLANTED.empty.map((t) => ['storage', t, 'ok']));
    assert.equal(acts.length, 4);
    for (const f of PLANTED.orphans) assert.equal(existsSync(s.siteRoot + f), false, `${f} deleted`);
    for (const d of PLANTED.empty) assert.equal(existsSync(s.siteRoot + d), false, `${d} removed`);
    for (const f of PLANTED.present) assert.ok(existsSync(s.siteRoot + f), `${f} kept`);
    // The orphans' directory is empty now but was never confirmed empty: it stays.
    assert.ok(existsSync(s.siteRoot + '/store/mc/EraO/Orph/AODSIM/procO-v1/0000'));
    assert.ok(existsSync(s.siteRoot + '/store/mc/EraO/Orph/AODSIM/procO-v1'));
    const orphans = await s.store.collectFindings(SITE, 'orphan');
    assert.ok(orphans.every((f) => f.acted_run === r2.runId));
    const summary = JSON.parse(readFileSync(join(s.dir, 'var', `${SITE}_summary.json`), 'utf8'));
    assert.deepEqual(summary.actions[0].planned, { transfers: 1, deletions: 2, rmdirs: 2 });
    const runs = await s.store.collectRuns(SITE);
    assert.deepEqual(runs.map((r) => r.status), ['done', 'done']);
  });

  it('a listing failure under half of the files means zero actions, while the lists are still written', async () => {
    // /store/data holds 10 of the 21 settled files; its top directory is gone from the storage.
    const s = await make({ settings: { ...deleting, MaxOrphanFraction: 1 }, removeTops: ['/store/data'] });
    for (let i = 0; i < 3; i++) {
      const r = await s.run();
      assert.equal(r.status, 'done', r.error?.message);
      assert.deepEqual(r.summary!.gates.held.map((g) => g.gate), ['MaxUnlistedFraction']);
      assert.equal(r.summary!.orphan.count, 2);
      assert.deepEqual(await collectActions(s.store, SITE, r.runId), []);
    }
    const orphanList = readFileSync(join(s.dir, 'var', `${SITE}_compare_orphan.txt`), 'utf8');
    assert.equal(orphanList.split('\n').filter(Boolean).length, 2);
    for (const f of PLANTED.orphans) assert.ok(existsSync(s.siteRoot + f));
    for (const d of PLANTED.empty) assert.ok(existsSync(s.siteRoot + d));
  });

  it('dry mode, DeleteOrphans false and DeleteOnStorage false each keep the storage untouched', async () => {
    const dry = await make({ settings: deleting });
    await dry.store.setState(SITE, 'dry', 'test');
    await dry.run();
    const rd = await dry.run();
    assert.deepEqual(rd.summary!.gates.held.map((g) => g.gate), ['DryMode']);
    assert.deepEqual(await collectActions(dry.store, SITE), []);

    const noOrphans = await make({ settings: { ...deleting, DeleteOrphans: false } });
    await noOrphans.run();
    const rn = await noOrphans.run();
    assert.deepEqual(rn.summary!.gates.held, []);
    assert.deepEqual(await collectActions(noOrphans.store, SITE), []);
    assert.match(JSON.stringify(rn.summary!.actions), /DeleteOrphans is false/);

    const noStorage = await make({ settings: { ...deleting, DeleteOnStorage: false } });
    await noStorage.run();
    const rs = await noStorage.run();
    const acts = await collectActions(noStorage.store, SITE, rs.runId);
    assert.equal(acts.length, 4);
    assert.ok(acts.every((a) => a.outcome === 'skipped' && a.detail === 'DeleteOnStorage is false'));
    assert.ok((await noStorage.store.collectFindings(SITE, 'orphan')).every((f) => f.acted_run === null), 'skipped is not acted on');
    for (const s of [dry, noOrphans, noStorage]) for (const f of PLANTED.orphans) assert.ok(existsSync(s.siteRoot + f));
  });

  it('orphans wait for OrphanConfirmDays; empty removals are capped by MaxEmptyRemovals, leaves first', async () => {
    const s = await make({ settings: { ...deleting, OrphanConfirmDays: 2, OrphanConfirmations: 2, MaxEmptyRemovals: 1 } });
    const t0 = Date.now() / 1000;
    await s.run({ now: t0 });
    const r2 = await s.run({ now: t0 + 1 * DAY });
    assert.deepEqual(await collectActions(s.store, SITE, r2.runId), [], 'two sightings within one day are not enough');
    const r3 = await s.run({ now: t0 + 2.5 * DAY });
    const acts = await collectActions(s.store, SITE, r3.runId);
    assert.deepEqual(acts.filter((a) => a.kind === 'rmdir').map((a) => a.target), [PLANTED.empty[0]], 'one removal, the leaf');
    assert.equal(acts.filter((a) => a.kind === 'delete' && a.outcome === 'ok').length, 2);
    assert.ok(existsSync(s.siteRoot + PLANTED.empty[1]));
    const r4 = await s.run({ now: t0 + 3 * DAY });
    assert.deepEqual((await collectActions(s.store, SITE, r4.runId)).filter((a) => a.kind === 'rmdir').map((a) => a.target), [PLANTED.empty[1]]);
  });
});
