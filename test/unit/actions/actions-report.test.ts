import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { actOnRun } from '../../../src/actions/actions-run.ts';
import type { ActionPlan, ActionSink, SinkName } from '../../../src/actions/actions-types.ts';
import type { GateDecision } from '../../../src/check/gates.ts';
import type { Config, SiteConfig } from '../../../src/config/config-loader.ts';
import { siteDefaults } from '../../../src/config/config-defaults.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { testSite } from '../../helpers/check-harness.ts';

const DAY = 86400;
const T0 = Date.parse('2026-01-10T00:00:00Z') / 1000;
const iso = (t: number) => new Date(t * 1000).toISOString();
const pass: GateDecision = { act: true, held: [] };

/** A sink that handles deletions and directories only (as the storage sink does) and records ok. */
function deletingSink(name: SinkName = 'storage'): ActionSink & { calls: ActionPlan[] } {
  const calls: ActionPlan[] = [];
  return {
    name,
    calls,
    async execute(plan) {
      calls.push(plan);
      return {
        records: [
          ...plan.deletions.map((t) => ({ sink: name, kind: 'delete' as const, target: t, outcome: 'ok' as const })),
          ...plan.rmdirs.map((t) => ({ sink: name, kind: 'rmdir' as const, target: t, outcome: 'refused' as const, detail: `${t}: directory is not empty` })),
        ],
      };
    },
    async close() {},
  };
}

describe('the actions report of a run (issue 10)', () => {
  let store: HistoryStore;
  before(async () => {
    store = await HistoryStore.open('sqlite::memory:');
  });
  after(async () => {
    await store?.close();
  });

  /** One done run seeing these findings (names with sizes), at time t (acted on after it finished, which is the same for the plan). */
  async function run(site: SiteConfig, t: number, f: { missing?: string[]; orphan?: string[]; empty?: string[] }) {
    const id = await store.runs.start(site.name, iso(t));
    await store.findings.record(site.name, id, 'missing', (f.missing ?? []).map((name) => ({ name, size: 1000 })), iso(t));
    await store.findings.record(site.name, id, 'orphan', (f.orphan ?? []).map((name) => ({ name, size: 250 })), iso(t));
    await store.findings.record(site.name, id, 'empty', f.empty ?? [], iso(t));
    await store.runs.finish(id, 'done', {});
    return id;
  }

  it('the seed defaults: DeleteOrphans true, MaxMissing 100, MaxOrphan 1000', () => {
    assert.equal(siteDefaults.DeleteOrphans, true);
    assert.equal(siteDefaults.MaxMissing, 100);
    assert.equal(siteDefaults.MaxOrphan, 1000);
    assert.equal('DeleteOnStorage' in siteDefaults, false);
  });

  it('counts findings awaiting confirmation by sightings, k of n, and those waiting for OrphanConfirmDays', async () => {
    const site = testSite({ name: 'T2_AWAIT', MissingConfirmations: 3, OrphanConfirmations: 2, OrphanConfirmDays: 2, Actions: ['storage'] });
    await run(site, T0, { missing: ['/store/m1'], orphan: ['/store/mc/o1'] });
    const r2 = await run(site, T0 + 0.5 * DAY, { missing: ['/store/m1', '/store/m2'], orphan: ['/store/mc/o1', '/store/mc/o2'], empty: ['/store/mc/e'] });
    const r = await actOnRun({ config: {} as Config, site, store, runId: r2, gates: pass, now: T0 + 0.5 * DAY, sinks: [deletingSink()] });
    assert.deepEqual(r.summary.confirmed, { transfers: 0, deletions: 0, rmdirs: 0 });
    assert.deepEqual(r.summary.awaiting, [
      { category: 'missing', count: 1, seen: 1, needed: 3 },
      { category: 'missing', count: 1, seen: 2, needed: 3 },
      { category: 'orphan', count: 1, seen: 1, needed: 2 },
      { category: 'orphan', count: 1, seen: 2, needed: 2, days: 2 },
      { category: 'empty', count: 1, seen: 1, needed: 2 },
    ]);
    assert.deepEqual(r.summary.done, []);
  });

  it('says per sink what was done with bytes, what no sink took, and what was refused and why', async () => {
    const site = testSite({ name: 'T2_DONE', MissingConfirmations: 1, OrphanConfirmations: 1, Actions: ['storage'] });
    const id = await run(site, T0, { missing: ['/store/mc/m1'], orphan: ['/store/mc/o1', '/store/mc/o2'], empty: ['/store/mc/e'] });
    const r = await actOnRun({ config: {} as Config, site, store, runId: id, gates: pass, now: T0, sinks: [deletingSink()] });
    assert.equal(r.summary.allowed, true);
    assert.deepEqual(r.summary.confirmed, { transfers: 1, deletions: 2, rmdirs: 1 });
    assert.deepEqual(r.summary.planned, { transfers: 1, deletions: 2, rmdirs: 1 });
    assert.deepEqual(r.summary.done, [
      { sink: 'storage', kind: 'delete', outcome: 'ok', count: 2, bytes: 500 },
      { sink: 'storage', kind: 'rmdir', outcome: 'refused', count: 1, details: ['…: directory is not empty'] },
    ]);
    assert.deepEqual(r.summary.held, [{ reason: 'no-sink', kind: 'transfer', count: 1, detail: 'no sink in Actions [storage] acts on transfers' }]);
    // The next run sees the same orphans: acted on already, said so.
    const id2 = await run(site, T0 + DAY, { orphan: ['/store/mc/o1', '/store/mc/o2'] });
    const r2 = await actOnRun({ config: {} as Config, site, store, runId: id2, gates: pass, now: T0 + DAY, sinks: [deletingSink()] });
    assert.deepEqual(r2.summary.actedEarlier, { missing: 0, orphan: 2, empty: 0 });
    assert.deepEqual(r2.summary.confirmed, { transfers: 0, deletions: 0, rmdirs: 0 });
  });

  it('DeleteOrphans false holds the orphans (said so) and still hands confirmed empty directories to the sinks', async () => {
    const site = testSite({ name: 'T2_KEEP', MissingConfirmations: 1, OrphanConfirmations: 1, DeleteOrphans: false, Actions: ['storage'] });
    const id = await run(site, T0, { orphan: ['/store/mc/o1'], empty: ['/store/mc/e'] });
    const sink = deletingSink();
    const r = await actOnRun({ config: {} as Config, site, store, runId: id, gates: pass, now: T0, sinks: [sink] });
    assert.deepEqual(sink.calls[0].deletions, []);
    assert.deepEqual(sink.calls[0].rmdirs, ['/store/mc/e']);
    assert.deepEqual(r.summary.held, [{ reason: 'delete-orphans-false', kind: 'delete', count: 1, detail: 'DeleteOrphans is false: orphans are listed, never acted on' }]);
  });

  it('no sink configured: everything confirmed is held with that reason', async () => {
    const site = testSite({ name: 'T2_NOSINK', MissingConfirmations: 1, OrphanConfirmations: 1, Actions: [] });
    const id = await run(site, T0, { missing: ['/store/mc/m1'], orphan: ['/store/mc/o1'] });
    const r = await actOnRun({ config: {} as Config, site, store, runId: id, gates: pass, now: T0 });
    assert.deepEqual(r.summary.sinks, []);
    assert.deepEqual(r.summary.held.map((h) => [h.reason, h.kind, h.count]), [['no-sink', 'transfer', 1], ['no-sink', 'delete', 1]]);
  });

  it('a held gate: what was confirmed is held with the gate and its numbers, and no sink is called', async () => {
    const site = testSite({ name: 'T2_GATE', MissingConfirmations: 1, OrphanConfirmations: 1, Actions: ['storage'] });
    const id = await run(site, T0, { missing: ['/store/mc/m1'], orphan: ['/store/mc/o1'] });
    const sink = deletingSink();
    const gates: GateDecision = { act: false, held: [{ gate: 'MaxMissing', reason: '150 missing > MaxMissing 100' }] };
    const r = await actOnRun({ config: {} as Config, site, store, runId: id, gates, now: T0, sinks: [sink] });
    assert.equal(sink.calls.length, 0);
    assert.equal(r.summary.allowed, false);
    assert.deepEqual(r.summary.planned, { transfers: 0, deletions: 0, rmdirs: 0 });
    assert.deepEqual(r.summary.held, [
      { reason: 'gates', kind: 'transfer', count: 1, detail: 'MaxMissing (150 missing > MaxMissing 100)' },
      { reason: 'gates', kind: 'delete', count: 1, detail: 'MaxMissing (150 missing > MaxMissing 100)' },
    ]);
  });
});
