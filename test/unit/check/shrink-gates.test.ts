import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateGates, type SizeBaseline } from '../../../src/check/gates.ts';
import type { CheckSummary } from '../../../src/check/check-types.ts';
import { siteDefaults } from '../../../src/config/config-defaults.ts';
import { healthySummary, testSite } from '../../helpers/check-harness.ts';

function run(settled: number, listed: number): CheckSummary {
  const s = healthySummary();
  s.listing.files = listed;
  s.inventory = { files: settled, settled, inFlux: 0, bytes: 0 };
  s.missing.count = 0;
  s.orphan.count = 0;
  return s;
}

const ready = { status: 'ready' as const, mode: 'act' as const };
const base: SizeBaseline = { settled: 1000, listed: 1000, runId: 7, setBy: 'run' };
const site = testSite({ MaxInventoryShrink: 0.2, MaxListingShrink: 0.2, MaxMissingFraction: 1, MaxOrphanFraction: 1 });
const gates = (s: CheckSummary, b?: SizeBaseline) => evaluateGates(s, site, ready, b).held.map((h) => h.gate);

describe('shrink gates', () => {
  it('defaults: shrink 0.2, missing and orphan fractions 0.1 (Rucio)', () => {
    assert.equal(siteDefaults.MaxInventoryShrink, 0.2);
    assert.equal(siteDefaults.MaxListingShrink, 0.2);
    assert.equal(siteDefaults.MaxMissingFraction, 0.1);
    assert.equal(siteDefaults.MaxOrphanFraction, 0.1);
  });

  it('a settled inventory that shrank by more than MaxInventoryShrink holds the run, naming both sizes', () => {
    const d = evaluateGates(run(790, 1000), site, ready, base);
    assert.deepEqual(d.held.map((h) => h.gate), ['MaxInventoryShrink']);
    assert.match(d.held[0].reason, /from 1000 to 790 files/);
    assert.match(d.held[0].reason, /run 7/);
    assert.match(d.held[0].reason, /set-status T2_TEST accept/);
    assert.deepEqual(gates(run(800, 1000), base), [], 'exactly 20 % is allowed');
    assert.deepEqual(gates(run(5000, 1000), base), [], 'growth is never held');
  });

  it('a listing that shrank by more than MaxListingShrink holds the run (a lost mount)', () => {
    const d = evaluateGates(run(1000, 500), site, ready, base);
    assert.deepEqual(d.held.map((h) => h.gate), ['MaxListingShrink']);
    assert.match(d.held[0].reason, /from 1000 to 500 files/);
  });

  it('an empty settled inventory while the storage holds files is held even without a baseline', () => {
    assert.deepEqual(gates(run(0, 162)), ['MaxInventoryShrink']);
    assert.deepEqual(gates(run(0, 162), { ...base, listed: 162 }), ['MaxInventoryShrink']);
    assert.deepEqual(gates(run(0, 0)), [], 'an empty site with an empty inventory is consistent');
  });

  it('without a baseline (first run) sizes are not compared', () => {
    assert.deepEqual(gates(run(10, 10)), []);
  });

  it('the thresholds are per site keys', () => {
    const loose = testSite({ MaxInventoryShrink: 0.9, MaxListingShrink: 0.9, MaxMissingFraction: 1, MaxOrphanFraction: 1 });
    assert.deepEqual(evaluateGates(run(200, 200), loose, ready, base).held, []);
  });
});
