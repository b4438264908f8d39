import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { actOnRun } from '../../../src/actions/actions-run.ts';
import type { ActionPlan, ActionSink } from '../../../src/actions/actions-types.ts';
import { evaluateGates, type GateName } from '../../../src/check/gates.ts';
import type { CheckSummary } from '../../../src/check/check-types.ts';
import type { Config } from '../../../src/config/config-loader.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { healthySummary, testSite } from '../../helpers/check-harness.ts';

const healthy = healthySummary;

const limits = { MaxMissing: 100, MaxOrphan: 100, MaxMissingFraction: 0.05, MaxOrphanFraction: 0.05, MaxUnlistedFraction: 0.1 };
const ready = { status: 'ready' as const, mode: 'act' as const };

/** One case per gate: the change that trips it, and only it. */
const cases: [GateName, (s: CheckSummary) => void, typeof ready | { status: 'halt' | 'disable' | 'ready'; mode: 'act' | 'dry' }, Partial<typeof limits>?][] = [
  ['MaxMissing', (s) => (s.missing.count = 101), ready, { MaxMissingFraction: 1 }],
  ['MaxMissingFraction', (s) => (s.missing.count = 60), ready],
  ['MaxOrphan', (s) => (s.orphan.count = 101), ready, { MaxOrphanFraction: 1 }],
  ['MaxOrphanFraction', (s) => (s.orphan.count = 60), ready],
  ['MaxUnlistedFraction', (s) => ((s.unlisted.count = 1), (s.unlisted.settledFilesBelow = 101)), ready],
  ['ZeroFilesListed', (s) => ((s.listing.files = 0), (s.orphan.count = 0)), ready],
  ['DryMode', () => undefined, { status: 'ready', mode: 'dry' }],
  ['SiteNotReady', () => undefined, { status: 'halt', mode: 'act' }],
  ['SiteNotReady', () => undefined, { status: 'disable', mode: 'act' }],
];

/** A sink that records whether it was asked to do anything. */
function spySink(): ActionSink & { calls: ActionPlan[] } {
  const calls: ActionPlan[] = [];
  return {
    name: 'webhook',
    calls,
    async execute(plan) {
      calls.push(plan);
      return { records: [...plan.deletions, ...plan.transfers].map((t) => ({ sink: 'webhook' as const, kind: 'delete' as const, target: t, outcome: 'ok' as const })) };
    },
    async close() {},
  };
}

describe('safety gates', () => {
  it('a healthy run passes every gate', () => {
    assert.deepEqual(evaluateGates(healthy(), testSite(limits), ready), { act: true, held: [] });
  });

  for (const [gate, trip, state, over] of cases) {
    it(`${gate} (${state.status}/${state.mode}) holds the run, and is the only gate that does`, () => {
      const s = healthy();
      trip(s);
      const d = evaluateGates(s, testSite({ ...limits, ...over }), state);
      assert.equal(d.act, false);
      assert.deepEqual(d.held.map((h) => h.gate), [gate]);
      assert.ok(d.held[0].reason.length > 0);
    });
  }

  it('size mismatches count as both missing and orphan', () => {
    const s = healthy();
    s.sizeMismatch.count = 96;
    const d = evaluateGates(s, testSite({ ...limits, MaxMissingFraction: 1, MaxOrphanFraction: 1 }), ready);
    assert.deepEqual(d.held.map((h) => h.gate), ['MaxMissing', 'MaxOrphan']);
  });

  it('a held gate means no sink is called and nothing is recorded, whatever is confirmed', async () => {
    const store = await HistoryStore.open('sqlite::memory:');
    try {
      const site = testSite({ ...limits, DeleteOrphans: true, MissingConfirmations: 1, OrphanConfirmations: 1 });
      for (let i = 0; i < 2; i++) {
        const runId = await store.runs.start(site.name, new Date().toISOString());
        await store.findings.record(site.name, runId, 'orphan', ['/store/mc/a/b/c/d/e/o.root']);
        await store.findings.record(site.name, runId, 'missing', ['/store/mc/a/b/c/d/e/m.root']);
        const held = { act: false, held: [{ gate: 'DryMode' as const, reason: 'dry' }] };
        const spy = spySink();
        const gates = i === 0 ? held : { act: true, held: [] };
        const r = await actOnRun({ config: {} as Config, site, store, runId, gates, now: Date.now() / 1000, sinks: [spy] });
        await store.runs.finish(runId, 'done', {});
        if (i === 0) {
          assert.equal(spy.calls.length, 0);
          assert.deepEqual(r.records, []);
          assert.match(r.summary.notes[0], /DryMode/);
          assert.equal(r.summary.allowed, false);
          assert.deepEqual(r.summary.held.map((h) => [h.reason, h.kind, h.count]), [['gates', 'transfer', 1], ['gates', 'delete', 1]]);
        } else {
          // The same findings with the gates passing: the sink is called (the gate was the only reason).
          assert.equal(spy.calls.length, 1);
          assert.deepEqual(spy.calls[0].deletions, ['/store/mc/a/b/c/d/e/o.root']);
        }
      }
    } finally {
      await store.close();
    }
  });
});
