import { healthySummary } from '../../helpers/check-harness.ts';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ActionsReport } from '../../../src/actions/actions-types.ts';
import type { RunSummaryFile } from '../../../src/check/check-outputs.ts';
import type { GateDecision } from '../../../src/check/gates.ts';
import { summaryText } from '../../../src/cli/summary-text.ts';

function summary(actions: Partial<ActionsReport>, gates: GateDecision = { act: true, held: [] }): RunSummaryFile<ActionsReport> {
  const none = { transfers: 0, deletions: 0, rmdirs: 0 };
  return {
    ...healthySummary(),
    runId: 7,
    gates,
    files: {},
    actions: { allowed: gates.act, sinks: ['storage'], confirmed: none, planned: none, held: [], awaiting: [], actedEarlier: { missing: 0, orphan: 0, empty: 0 }, done: [], notes: [], ...actions },
  };
}

/** The lines from "Actions" to the end. */
const block = (s: RunSummaryFile<ActionsReport>) => {
  const text = summaryText(s, { missing: '/var/T2_TEST_compare_missing.txt' });
  return text.slice(text.indexOf('\nActions')).trim().split('\n');
};

describe('the terminal summary ends with what the actions did and why not more (issue 10)', () => {
  it('per sink: counts, bytes, refusals with their reason', () => {
    const lines = block(summary({
      confirmed: { transfers: 1, deletions: 2, rmdirs: 2 },
      planned: { transfers: 1, deletions: 2, rmdirs: 2 },
      done: [
        { sink: 'storage', kind: 'delete', outcome: 'ok', count: 2, bytes: 2_500_000 },
        { sink: 'storage', kind: 'rmdir', outcome: 'refused', count: 2, details: ['not empty: …: directory is not empty (rmdir refused it)'] },
      ],
      held: [{ reason: 'no-sink', kind: 'transfer', count: 1, detail: 'no sink in Actions [storage] acts on transfers' }],
    }));
    assert.deepEqual(lines, [
      'Actions (sinks: storage):',
      '  confirmed   1 to copy back, 2 to delete, 2 directories to remove; handed to sinks: 1 to copy back, 2 to delete, 2 directories to remove',
      '  storage     delete ok 2 (2.5 MB)',
      '  storage     rmdir refused 2: not empty: …: directory is not empty (rmdir refused it)',
      '  held        1 missing file to copy back: no sink in Actions [storage] acts on transfers',
    ]);
  });

  it('a held gate names the gate and its numbers; dry mode is one of them', () => {
    const gates: GateDecision = { act: false, held: [{ gate: 'MaxMissing', reason: '150 missing > MaxMissing 100' }, { gate: 'DryMode', reason: 'the site is in dry mode' }] };
    const lines = block(summary({ confirmed: { transfers: 3, deletions: 0, rmdirs: 0 }, held: [{ reason: 'gates', kind: 'transfer', count: 3, detail: 'MaxMissing (150 missing > MaxMissing 100); DryMode (the site is in dry mode)' }] }, gates));
    assert.equal(lines[2], '  confirmed   3 to copy back, 0 to delete, 0 directories to remove', 'nothing handed to sinks: the gate held');
    assert.equal(lines[1], '  gates       held, nothing acted on: MaxMissing (150 missing > MaxMissing 100); DryMode (the site is in dry mode)');
    assert.equal(lines[3], '  held        3 missing files to copy back: MaxMissing (150 missing > MaxMissing 100); DryMode (the site is in dry mode)');
  });

  it('no sink, DeleteOrphans false, and findings awaiting confirmation k of n', () => {
    const lines = block(summary({
      sinks: [],
      held: [
        { reason: 'delete-orphans-false', kind: 'delete', count: 4, detail: 'DeleteOrphans is false: orphans are listed, never acted on' },
        { reason: 'no-sink', kind: 'rmdir', count: 1, detail: 'no sink configured (Actions is empty)' },
      ],
      awaiting: [
        { category: 'missing', count: 5, seen: 1, needed: 2 },
        { category: 'orphan', count: 1, seen: 2, needed: 2, days: 3 },
      ],
      actedEarlier: { missing: 2, orphan: 0, empty: 0 },
    }));
    assert.deepEqual(lines.slice(0, 2), ['Actions (no sink configured: Actions is empty):', '  confirmed   nothing confirmed in this run']);
    assert.deepEqual(lines.slice(2), [
      '  held        4 orphans to delete: DeleteOrphans is false: orphans are listed, never acted on',
      '  held        1 empty directory to remove: no sink configured (Actions is empty)',
      '  awaiting    5 missing files awaiting confirmation: seen 1 of 2 runs',
      '  awaiting    1 orphan awaiting confirmation: seen in 2 runs, waiting for OrphanConfirmDays 3',
      '  earlier     acted on by an earlier run, not repeated: 2 missing files',
    ]);
  });

  it('says so when there is nothing to act on', () => {
    assert.equal(block(summary({})).at(-1), '  nothing to act on: no missing file, orphan or empty directory in this run');
  });
});
