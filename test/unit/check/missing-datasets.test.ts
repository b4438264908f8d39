import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MissingDatasetTally, missingDatasetLines } from '../../../src/check/missing-datasets.ts';

describe("SITE_missing_datasets.txt in the seed's format (issue 10)", () => {
  it("writes '%10i    %-17s  %s#%s' per block: count, group, dataset#block; most missing datasets first, blocks by name", () => {
    const t = new MissingDatasetTally();
    const add = (dataset: string, block: string, n: number) => {
      for (let i = 0; i < n; i++) t.add({ lfn: `/x/${block}/${i}`, size: 1000, settled: true, dataset, block });
    };
    add('/Big/Era-v1/AOD', '/Big/Era-v1/AOD#b2', 1);
    add('/Big/Era-v1/AOD', '/Big/Era-v1/AOD#a1', 2);
    add('/Small/Era-v1/RAW', 'f3c2-11e8', 1); // Dynamo's own block names carry no dataset
    const groups = new Map([['/Big/Era-v1/AOD#a1', 'DataOps'], ['/Big/Era-v1/AOD#b2', 'Unsubscribed']]);
    assert.deepEqual(missingDatasetLines(t.collect(), (b) => groups.get(b)), [
      '         2    DataOps            /Big/Era-v1/AOD#a1',
      '         1    Unsubscribed       /Big/Era-v1/AOD#b2',
      '         1    -                  /Small/Era-v1/RAW#f3c2-11e8',
    ]);
  });

  it('escapes odd names as every list does, and keeps one line per block', () => {
    const t = new MissingDatasetTally();
    t.add({ lfn: '/store/a', size: 1, settled: true, dataset: '/P/E-v1/T', block: '/P/E-v1/T#new\nline' });
    assert.deepEqual(missingDatasetLines(t.collect(), () => 'Group\tX'), ['         1    Group\\tX           /P/E-v1/T#new\\nline']);
  });

  it('names no dataset by the CMS convention unless the site is CMS', () => {
    const lfn = '/store/mc/Era/Prim/TIER/Proc-v1/0000/f.root';
    const cms = new MissingDatasetTally(true);
    cms.add({ lfn, size: 1, settled: true });
    const plain = new MissingDatasetTally(false);
    plain.add({ lfn, size: 1, settled: true });
    assert.deepEqual([cms.collect()[0].dataset, plain.collect()[0].dataset], ['/Prim/Era-Proc-v1/TIER', '(no dataset)']);
  });
});
