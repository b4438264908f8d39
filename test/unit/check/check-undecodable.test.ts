import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OLD, runCheck, settled, testSite } from '../../helpers/check-harness.ts';
import { MemoryInventory, MemoryLister } from '../../helpers/memory-site.ts';

const D = '/store/mc/Era/Prim/TIER/Proc-v1/0000';

describe('check: names that are not UTF-8 (issue 11 §2)', () => {
  it('matches a name by its bytes: listed and in the inventory, neither missing nor orphan', async () => {
    const lister = new MemoryLister([{ path: `${D}/bad\udcff.root`, mtime: OLD }, { path: `${D}/orph\udce9.root`, mtime: OLD }]);
    const r = await runCheck(testSite(), new MemoryInventory([settled(`${D}/bad\udcff.root`), settled(`${D}/gone\udcfe.root`)]), lister);
    // The lists write them escaped (\xHH).
    assert.deepEqual(r.missing, [`${D}/gone\\xfe.root`]);
    assert.deepEqual(r.orphan, [`${D}/orph\\xe9.root`]);
    assert.equal(r.summary.skipped.undecodableNames, 0);
  });

  it('counts a name whose bytes were lost (U+FFFD) and judges it neither missing nor orphan', async () => {
    const lister = new MemoryLister([{ path: `${D}/a.root`, mtime: OLD }, { path: `${D}/lost\ufffd.root`, mtime: OLD }]);
    const r = await runCheck(testSite(), new MemoryInventory([settled(`${D}/a.root`), settled(`${D}/other\ufffd.root`)]), lister);
    assert.deepEqual(r.missing, []);
    assert.deepEqual(r.orphan, []);
    assert.equal(r.summary.skipped.undecodableNames, 2);
  });

  it('does not call a name that is not UTF-8 missing from storage that holds UTF-8 names only (S3)', async () => {
    const lister = Object.assign(new MemoryLister([{ path: `${D}/a.root`, mtime: OLD }]), { utf8Names: true });
    const r = await runCheck(testSite(), new MemoryInventory([settled(`${D}/a.root`), settled(`${D}/bad\udcff.root`), settled(`${D}/gone.root`)]), lister);
    assert.deepEqual(r.missing, [`${D}/gone.root`]);
    assert.equal(r.summary.skipped.undecodableNames, 1);
  });
});
