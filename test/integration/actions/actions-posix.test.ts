import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { summaryText } from '../../../src/cli/summary-text.ts';
import { withFileArriving } from './actions-late-file.ts';
import { actionSites, PLANTED, SITE } from './actions-site.ts';

const DAY = 86400;
/** The defaults act: `Actions: ["storage"]` is the one switch (DeleteOrphans is true by default). */
const deleting = { Actions: ['storage'] };

describe('acting on a POSIX site', () => {
  const { make, closeAll } = actionSites();
  after(closeAll);

  it('acts only on the second sighting, and removes exactly the confirmed orphans and empty directories', async () => {
    const s = await make({ settings: deleting });
    const r1 = await s.run();
    assert.equal(r1.status, 'done', r1.error?.message);
    assert.deepEqual(r1.summary!.gates.held, []);
    assert.equal(r1.summary!.orphan.count, 2);
    assert.equal(r1.summary!.empty, 2);
    assert.deepEqual(await s.store.actions.collect(SITE, r1.runId), [], 'first sighting: nothing is confirmed yet');
    for (const f of PLANTED.orphans) assert.ok(existsSync(s.siteRoot + f));

    const r2 = await s.run();
    assert.equal(r2.status, 'done', r2.error?.message);
    const acts = await s.store.actions.collect(SITE, r2.runId);
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
    const orphans = await s.store.findings.collect(SITE, 'orphan');
    assert.ok(orphans.every((f) => f.acted_run === r2.runId));
    const summary = JSON.parse(readFileSync(join(s.dir, 'var', `${SITE}_summary.json`), 'utf8'));
    assert.deepEqual(summary.actions.planned, { transfers: 1, deletions: 2, rmdirs: 2 });
    assert.deepEqual(
      summary.actions.done.map((d: { sink: string; kind: string; outcome: string; count: number; bytes?: number }) => [d.sink, d.kind, d.outcome, d.count, d.bytes]),
      [['storage', 'delete', 'ok', 2, PLANTED.orphans.reduce((n, f) => n + 100 + (f.length % 50), 0)], ['storage', 'rmdir', 'ok', 2, undefined]],
    );
    assert.deepEqual(summary.actions.held, [{ reason: 'no-sink', kind: 'transfer', count: 1, detail: 'no sink in Actions [storage] acts on transfers' }]);
    const runs = await s.store.runs.collect(SITE);
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
      assert.deepEqual(await s.store.actions.collect(SITE, r.runId), []);
    }
    const orphanList = readFileSync(join(s.dir, 'var', `${SITE}_compare_orphan.txt`), 'utf8');
    assert.equal(orphanList.split('\n').filter(Boolean).length, 2);
    for (const f of PLANTED.orphans) assert.ok(existsSync(s.siteRoot + f));
    for (const d of PLANTED.empty) assert.ok(existsSync(s.siteRoot + d));
  });

  it('dry mode keeps the storage untouched; DeleteOrphans false keeps the orphans but still removes empty directories (issue 10)', async () => {
    const dry = await make({ settings: deleting });
    await dry.store.states.set(SITE, 'dry', 'test');
    await dry.run();
    const rd = await dry.run();
    assert.deepEqual(rd.summary!.gates.held.map((g) => g.gate), ['DryMode']);
    assert.deepEqual(await dry.store.actions.collect(SITE), []);
    assert.equal(rd.summary!.actions.allowed, false);
    assert.deepEqual(rd.summary!.actions.held.map((h) => [h.reason, h.kind, h.count]), [['gates', 'transfer', 1], ['gates', 'delete', 2], ['gates', 'rmdir', 2]]);
    assert.match(rd.summary!.actions.held[0].detail, /DryMode \(the site is in dry mode\)/);

    const noOrphans = await make({ settings: { ...deleting, DeleteOrphans: false } });
    await noOrphans.run();
    const rn = await noOrphans.run();
    assert.deepEqual(rn.summary!.gates.held, []);
    const acts = await noOrphans.store.actions.collect(SITE, rn.runId);
    assert.deepEqual(acts.map((a) => [a.kind, a.target, a.outcome]), PLANTED.empty.map((d) => ['rmdir', d, 'ok']), 'empty directories go whatever DeleteOrphans says');
    for (const d of PLANTED.empty) assert.equal(existsSync(noOrphans.siteRoot + d), false);
    assert.deepEqual(rn.summary!.actions.held.find((h) => h.kind === 'delete'), { reason: 'delete-orphans-false', kind: 'delete', count: 2, detail: 'DeleteOrphans is false: orphans are listed, never acted on' });
    assert.ok((await noOrphans.store.findings.collect(SITE, 'orphan')).every((f) => f.acted_run === null), 'orphans never acted on');
    const rn3 = await noOrphans.run();
    assert.equal(rn3.summary!.orphan.count, 2, 'still listed');
    assert.deepEqual((await noOrphans.store.actions.collect(SITE, rn3.runId)).filter((a) => a.kind === 'delete'), []);
    for (const s of [dry, noOrphans]) for (const f of PLANTED.orphans) assert.ok(existsSync(s.siteRoot + f));
  });

  it('a directory that receives a file after the check is refused, the file kept, and the refusal recorded (issue 10)', async () => {
    const s = await make({ settings: deleting });
    await s.run();
    const leaf = PLANTED.empty[0];
    const r2 = await s.run({ onResult: withFileArriving(s.siteRoot + leaf + '/late.root') });
    const acts = await s.store.actions.collect(SITE, r2.runId);
    const rmdirs = acts.filter((a) => a.kind === 'rmdir');
    assert.equal(rmdirs[0].target, leaf);
    assert.equal(rmdirs[0].outcome, 'refused');
    assert.match(rmdirs[0].detail ?? '', /not empty/);
    assert.ok(existsSync(s.siteRoot + leaf + '/late.root'), 'the file survives');
    // Its parent still holds the leaf: the storage refuses it as well.
    assert.deepEqual(rmdirs.map((a) => [a.target, a.outcome]), [[leaf, 'refused'], [PLANTED.empty[1], 'refused']]);
    assert.ok(r2.summary!.actions.done.some((d) => d.sink === 'storage' && d.kind === 'rmdir' && d.outcome === 'refused' && d.count === 2));
    assert.ok((await s.store.findings.collect(SITE, 'empty')).every((f) => f.acted_run === null), 'a refusal is not acted on');
    // The terminal says it, from the run's summary alone.
    const text = summaryText(r2.summary!, r2.files ?? {});
    assert.match(text, /\n {2}storage {5}rmdir refused 2: not empty: …: directory is not empty \(rmdir refused it\)\n/);
    assert.match(text, /\n {2}storage {5}delete ok 2 \(\d+ B\)\n/);
  });

  it('orphans wait for OrphanConfirmDays; empty removals are capped by MaxEmptyRemovals, leaves first', async () => {
    const s = await make({ settings: { ...deleting, OrphanConfirmDays: 2, OrphanConfirmations: 2, MaxEmptyRemovals: 1 } });
    const t0 = Date.now() / 1000;
    await s.run({ now: t0 });
    const r2 = await s.run({ now: t0 + 1 * DAY });
    assert.deepEqual(await s.store.actions.collect(SITE, r2.runId), [], 'two sightings within one day are not enough');
    const r3 = await s.run({ now: t0 + 2.5 * DAY });
    const acts = await s.store.actions.collect(SITE, r3.runId);
    assert.deepEqual(acts.filter((a) => a.kind === 'rmdir').map((a) => a.target), [PLANTED.empty[0]], 'one removal, the leaf');
    assert.equal(acts.filter((a) => a.kind === 'delete' && a.outcome === 'ok').length, 2);
    assert.ok(existsSync(s.siteRoot + PLANTED.empty[1]));
    const r4 = await s.run({ now: t0 + 3 * DAY });
    assert.deepEqual((await s.store.actions.collect(SITE, r4.runId)).filter((a) => a.kind === 'rmdir').map((a) => a.target), [PLANTED.empty[1]]);
  });
});
