import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FRESH, OLD, flux, runCheck, settled, testSite } from '../../helpers/check-harness.ts';
import { MemoryInventory, MemoryLister } from '../../helpers/memory-site.ts';
import type { DirEntry } from '../../../src/core/entries.ts';
import { DcError } from '../../../src/core/errors.ts';
import type { Lister, TreeItem } from '../../../src/listers/lister.ts';

const DS = '/store/mc/Era/Prim/TIER/Proc-v1';

describe('check: missing files', () => {
  it('reports a settled inventory file absent from the listing as missing', async () => {
    const lister = new MemoryLister([{ path: `${DS}/0000/a.root`, mtime: OLD }]);
    const inv = new MemoryInventory([settled(`${DS}/0000/a.root`), settled(`${DS}/0000/b.root`, 250)]);
    const r = await runCheck(testSite(), inv, lister);
    assert.deepEqual(r.missing, [`${DS}/0000/b.root`]);
    assert.equal(r.summary.missing.bytes, 250);
    assert.deepEqual(r.orphan, []);
  });

  it('never reports an in-flux file as missing', async () => {
    const lister = new MemoryLister([{ path: `${DS}/0000/a.root`, mtime: OLD }]);
    const inv = new MemoryInventory([settled(`${DS}/0000/a.root`), flux(`${DS}/0000/b.root`)]);
    const r = await runCheck(testSite(), inv, lister);
    assert.deepEqual(r.missing, []);
    assert.equal(r.summary.inventory.inFlux, 1);
  });

  it('counts a new remote file as present (its LFN is not missing)', async () => {
    const lister = new MemoryLister([{ path: `${DS}/0000/a.root`, mtime: FRESH }]);
    const r = await runCheck(testSite(), new MemoryInventory([settled(`${DS}/0000/a.root`)]), lister);
    assert.deepEqual(r.missing, []);
  });

  it('does not let a directory holding only new files hide missing files in it (seed bug)', async () => {
    const lister = new MemoryLister([{ path: `${DS}/0000/new.root`, mtime: FRESH }]);
    const inv = new MemoryInventory([settled(`${DS}/0000/gone.root`)]);
    const r = await runCheck(testSite(), inv, lister);
    assert.deepEqual(r.missing, [`${DS}/0000/gone.root`]);
    assert.deepEqual(r.orphan, []);
  });

  it('treats a duplicated LFN with any in-flux replica as in flux', async () => {
    const lister = new MemoryLister([{ path: '/store/x/keep.root', mtime: OLD }]);
    const inv = new MemoryInventory([settled('/store/x/dup.root'), flux('/store/x/dup.root'), settled('/store/x/keep.root')]);
    const r = await runCheck(testSite(), inv, lister);
    assert.deepEqual(r.missing, []);
  });

  it('does not report files of a dataset with a queued deletion, neither missing nor orphan', async () => {
    const lister = new MemoryLister([
      { path: `${DS}/0000/keep.root`, mtime: OLD },
      { path: '/store/mc/Era/Other/TIER/Proc-v1/0000/extra.root', mtime: OLD },
    ]);
    const inv = new MemoryInventory([settled(`${DS}/0000/keep.root`), settled(`${DS}/0000/gone.root`)], null, new Set(['/Prim/Era-Proc-v1/TIER', '/Other/Era-Proc-v1/TIER']));
    const r = await runCheck(testSite({ CmsDatasets: true }), inv, lister);
    assert.deepEqual(r.missing, []);
    assert.deepEqual(r.orphan, []);
    assert.equal(r.summary.skipped.queuedDeletion, 2);
  });

  it('groups missing files by dataset and block, largest first', async () => {
    const lister = new MemoryLister([{ path: '/store/keep.root', mtime: OLD }]);
    const inv = new MemoryInventory([
      { lfn: `${DS}/0000/a.root`, size: 10, settled: true, dataset: '/A/B/C', block: '/A/B/C#1' },
      { lfn: `${DS}/0000/b.root`, size: 500, settled: true, dataset: '/D/E/F', block: '/D/E/F#9' },
      { lfn: `${DS}/0000/c.root`, size: 20, settled: true, dataset: '/A/B/C', block: '/A/B/C#2' },
    ]);
    const r = await runCheck(testSite(), inv, lister);
    assert.deepEqual(r.missingDatasets.map((d) => [d.dataset, d.files, d.bytes]), [['/D/E/F', 1, 500], ['/A/B/C', 2, 30]]);
    assert.equal(r.missingDatasets[1].blocks.size, 2);
  });
});

describe('check: orphan files', () => {
  it('reports an old listed file unknown to the inventory as orphan', async () => {
    const lister = new MemoryLister([{ path: `${DS}/0000/x.root`, mtime: OLD, size: 7 }]);
    const r = await runCheck(testSite(), new MemoryInventory([], null), lister);
    assert.deepEqual(r.orphan, [`${DS}/0000/x.root`]);
    assert.equal(r.summary.orphan.bytes, 7);
  });

  it('never reports a new file as orphan', async () => {
    const lister = new MemoryLister([{ path: `${DS}/0000/x.root`, mtime: FRESH }]);
    const r = await runCheck(testSite(), new MemoryInventory([], null), lister);
    assert.deepEqual(r.orphan, []);
    assert.equal(r.summary.skipped.newFiles, 1);
  });

  it('never reports an in-flux inventory file as orphan', async () => {
    const lister = new MemoryLister([{ path: `${DS}/0000/x.root`, mtime: OLD }]);
    const r = await runCheck(testSite(), new MemoryInventory([flux(`${DS}/0000/x.root`)], null), lister);
    assert.deepEqual(r.orphan, []);
    assert.deepEqual(r.missing, []);
  });

  it('skips paths matching IgnoreDirectories as plain substrings, for orphans only', async () => {
    const lister = new MemoryLister([
      { path: '/store/unmerged/logs/x.root', mtime: OLD },
      { path: '/store/other/y.root', mtime: OLD },
    ]);
    const inv = new MemoryInventory([settled('/store/unmerged/logs/gone.root')], null);
    const r = await runCheck(testSite({ IgnoreDirectories: ['unmerged/log'] }), inv, lister);
    assert.deepEqual(r.orphan, ['/store/other/y.root']);
    assert.deepEqual(r.missing, ['/store/unmerged/logs/gone.root'], 'IgnoreDirectories does not hide missing files');
  });

  it('protects orphans of datasets the inventory protects, and too-short paths', async () => {
    const lister = new MemoryLister([
      { path: `${DS}/0000/protected.root`, mtime: OLD },
      { path: '/store/mc/Era/Free/TIER/Proc-v1/0000/orphan.root', mtime: OLD },
      { path: '/store/short/file.root', mtime: OLD },
    ]);
    const inv = new MemoryInventory([], new Set(['/Prim/Era-Proc-v1/TIER']));
    const r = await runCheck(testSite({ CmsDatasets: true }), inv, lister);
    assert.deepEqual(r.orphan, ['/store/mc/Era/Free/TIER/Proc-v1/0000/orphan.root']);
    assert.equal(r.summary.skipped.protectedOrphans, 2);
  });

  it('protects nothing by dataset unless the site sets CmsDatasets (issue 10)', async () => {
    const lister = new MemoryLister([
      { path: `${DS}/0000/replicated.root`, mtime: OLD },
      { path: '/store/temp/batch7/0001/out.root', mtime: OLD },
    ]);
    const inv = new MemoryInventory([], new Set(['/Prim/Era-Proc-v1/TIER']), new Set(['/Prim/Era-Proc-v1/TIER']));
    const r = await runCheck(testSite(), inv, lister);
    assert.deepEqual(r.orphan, [`${DS}/0000/replicated.root`, '/store/temp/batch7/0001/out.root']);
    assert.equal(r.summary.skipped.protectedOrphans, 0);
    assert.equal(r.summary.skipped.queuedDeletion, 0, 'an orphan has no dataset but by the CMS convention');
    assert.equal(r.summary.cmsDatasets, false);
  });

  it('protects nothing when the inventory knows no datasets', async () => {
    const lister = new MemoryLister([{ path: '/store/short/file.root', mtime: OLD }]);
    const r = await runCheck(testSite(), new MemoryInventory([], null), lister);
    assert.deepEqual(r.orphan, ['/store/short/file.root']);
  });
});

describe('check: size mismatch', () => {
  it('puts a settled file with another size on its own list, not missing nor orphan', async () => {
    const lister = new MemoryLister([{ path: `${DS}/0000/a.root`, mtime: OLD, size: 99 }]);
    const r = await runCheck(testSite(), new MemoryInventory([settled(`${DS}/0000/a.root`, 100)]), lister);
    assert.deepEqual(r.sizeMismatch, [`${DS}/0000/a.root`]);
    assert.deepEqual(r.missing, []);
    assert.deepEqual(r.orphan, []);
  });

  it('does not judge the size of a new file still being written', async () => {
    const lister = new MemoryLister([{ path: `${DS}/0000/a.root`, mtime: FRESH, size: 5 }]);
    const r = await runCheck(testSite(), new MemoryInventory([settled(`${DS}/0000/a.root`, 100)]), lister);
    assert.deepEqual(r.sizeMismatch, []);
  });
});

describe('check: unlisted directories', () => {
  it('reports nothing below an unlisted directory, and judges sibling subtrees normally', async () => {
    const lister = new MemoryLister([
      { path: '/store/a/bad/f1.root', mtime: OLD },
      { path: '/store/a/bad/deeper/orphan.root', mtime: OLD },
      { path: '/store/a/good/orphan.root', mtime: OLD },
    ]);
    lister.failures.set('/store/a/bad', Infinity);
    const inv = new MemoryInventory([settled('/store/a/bad/missing.root'), settled('/store/a/bad/deeper/m2.root'), settled('/store/a/good/missing.root')], null);
    const r = await runCheck(testSite(), inv, lister);
    assert.deepEqual(r.unlisted, ['/store/a/bad']);
    assert.deepEqual(r.missing, ['/store/a/good/missing.root']);
    assert.deepEqual(r.orphan, ['/store/a/good/orphan.root']);
    assert.equal(r.summary.unlisted.settledFilesBelow, 2);
    assert.equal(r.summary.unlisted.dirs[0].code, 'IO');
  });

  it('retries a failing directory and lists it when a retry succeeds', async () => {
    const lister = new MemoryLister([{ path: '/store/a/f.root', mtime: OLD }]);
    lister.failures.set('/store/a', 1);
    const r = await runCheck(testSite({ Retries: 1 }), new MemoryInventory([settled('/store/a/f.root')]), lister);
    assert.deepEqual(r.unlisted, []);
    assert.deepEqual(r.missing, []);
    assert.equal(r.summary.listing.retries, 1);
  });

  it('marks a top directory that does not exist as unlisted, not "everything missing"', async () => {
    const lister = new MemoryLister([{ path: '/store/mc/x/f.root', mtime: OLD }]);
    const inv = new MemoryInventory([settled('/store/mc/x/f.root'), settled('/store/data/y/g.root')]);
    const r = await runCheck(testSite({ DirectoryList: ['mc', 'data'] }), inv, lister);
    assert.deepEqual(r.unlisted, ['/store/data']);
    assert.equal(r.summary.unlisted.dirs[0].code, 'NOT_FOUND');
    assert.deepEqual(r.missing, []);
  });

  it('never reports missing files below an unlisted node that also holds listed content (seed bug)', async () => {
    const lister = new MemoryLister([
      { path: '/store/a/f.root', mtime: OLD },
      { path: '/store/a/sub/g.root', mtime: OLD },
    ]);
    lister.failures.set('/store/a/sub', Infinity);
    const inv = new MemoryInventory([settled('/store/a/f.root'), settled('/store/a/sub/g.root'), settled('/store/a/sub/h.root')]);
    const r = await runCheck(testSite(), inv, lister);
    assert.deepEqual(r.missing, []);
  });
});

describe('check: empty directories', () => {
  it('lists old directories without files below them, children before parents', async () => {
    const lister = new MemoryLister([{ path: '/store/a/keep/f.root', mtime: OLD }], [
      { path: '/store/a/e1', mtime: OLD },
      { path: '/store/a/e1/e2', mtime: OLD },
      { path: '/store/a/e1/e2/e3', mtime: OLD },
    ]);
    const r = await runCheck(testSite(), new MemoryInventory([settled('/store/a/keep/f.root')]), lister);
    assert.deepEqual(r.empty, ['/store/a/e1/e2/e3', '/store/a/e1/e2', '/store/a/e1']);
  });

  it('does not call a directory empty when it or a descendant is new, holds a new file, or is ignored', async () => {
    const lister = new MemoryLister([{ path: '/store/a/withnew/f.root', mtime: FRESH }], [
      { path: '/store/a/fresh', mtime: FRESH },
      { path: '/store/a/oldparent', mtime: OLD },
      { path: '/store/a/oldparent/freshchild', mtime: FRESH },
      { path: '/store/a/withnew', mtime: OLD },
      { path: '/store/a/unmerged', mtime: OLD },
    ]);
    const r = await runCheck(testSite({ IgnoreDirectories: ['unmerged'] }), new MemoryInventory([]), lister);
    assert.deepEqual(r.empty, []);
  });

  it('never calls a parent of an ignored directory empty, however deep (issue 10)', async () => {
    const lister = new MemoryLister([], [
      { path: '/store/data/x', mtime: OLD },
      { path: '/store/data/x/y', mtime: OLD },
      { path: '/store/data/x/y/keep', mtime: OLD },
      { path: '/store/data/x/y/gone', mtime: OLD },
      { path: '/store/data/z', mtime: OLD },
    ]);
    const r = await runCheck(testSite({ IgnoreDirectories: ['/store/data/x/y/keep'] }), new MemoryInventory([]), lister);
    assert.deepEqual(r.empty, ['/store/data/z', '/store/data/x/y/gone']);
  });

  it('never calls RootPath, a DirectoryList top, or a directory with an unlisted child empty', async () => {
    const lister = new MemoryLister([], [
      { path: '/store/mc', mtime: OLD },
      { path: '/store/mc/parent', mtime: OLD },
      { path: '/store/mc/parent/broken', mtime: OLD },
    ]);
    lister.failures.set('/store/mc/parent/broken', Infinity);
    const r = await runCheck(testSite({ DirectoryList: ['mc'], ListOnlyInventoryDirs: false }), new MemoryInventory([]), lister);
    assert.deepEqual(r.empty, []);
    assert.deepEqual(r.unlisted, ['/store/mc/parent/broken']);
  });
});

describe('check: what is listed', () => {
  it('lists only DirectoryList tops that the inventory also has (ListOnlyInventoryDirs)', async () => {
    const lister = new MemoryLister([
      { path: '/store/mc/a/f.root', mtime: OLD },
      { path: '/store/data/b/orphan.root', mtime: OLD },
    ]);
    const r = await runCheck(testSite({ DirectoryList: ['mc', 'data'] }), new MemoryInventory([settled('/store/mc/a/f.root')], null), lister);
    assert.deepEqual(r.orphan, []);
    assert.ok(!lister.listed.includes('/store/data'));
    const all = await runCheck(testSite({ DirectoryList: ['mc', 'data'], ListOnlyInventoryDirs: false }), new MemoryInventory([settled('/store/mc/a/f.root')], null), new MemoryLister([
      { path: '/store/mc/a/f.root', mtime: OLD },
      { path: '/store/data/b/orphan.root', mtime: OLD },
    ]));
    assert.deepEqual(all.orphan, ['/store/data/b/orphan.root']);
  });

  it('applies PathPrefix between the site URL and the LFN', async () => {
    const lister = new MemoryLister([{ path: '/cms/store/a/f.root', mtime: OLD }]);
    const r = await runCheck(testSite({ PathPrefix: '/cms' }), new MemoryInventory([settled('/store/a/f.root'), settled('/store/a/g.root')]), lister);
    assert.deepEqual(r.missing, ['/store/a/g.root']);
    assert.deepEqual(r.orphan, []);
  });

  it('keeps to NumThreads listings in flight', async () => {
    const files = [];
    for (let i = 0; i < 40; i++) files.push({ path: `/store/d${i}/f.root`, mtime: OLD });
    const lister = new MemoryLister(files);
    lister.delayMs = 5;
    const r = await runCheck(testSite({ NumThreads: 3 }), new MemoryInventory([]), lister);
    assert.equal(lister.maxInFlight, 3);
    // The summary says what level the listing reached, under the cap NumThreads set.
    assert.deepEqual([r.summary.listing.inFlight?.peak, r.summary.listing.inFlight?.cap, r.summary.listing.inFlight?.adaptive], [3, 3, true]);
  });

  it('handles awkward names: spaces, #, %, unicode NFC and NFD, newline', async () => {
    const names = ['with space.root', 'hash#1.root', 'pct%20.root', 'caf\u00e9.root', 'cafe\u0301.root', 'new\nline.root'];
    const lister = new MemoryLister(names.slice(1).map((n) => ({ path: `/store/x/${n}`, mtime: OLD })));
    const inv = new MemoryInventory(names.slice(0, 5).map((n) => settled(`/store/x/${n}`)), null);
    const r = await runCheck(testSite(), inv, lister);
    assert.deepEqual(r.missing, ['/store/x/with space.root']);
    assert.deepEqual(r.orphan, ['/store/x/new\\nline.root'], 'a newline is written escaped');
  });
});

describe('check: race safety (before/after snapshots)', () => {
  it('does not report a file that left the inventory during the listing as missing', async () => {
    const lister = new MemoryLister([{ path: '/store/a/keep.root', mtime: OLD }]);
    const inv = new MemoryInventory([settled('/store/a/keep.root'), settled('/store/a/deleted.root')]);
    inv.after = [settled('/store/a/keep.root')];
    const r = await runCheck(testSite(), inv, lister);
    assert.deepEqual(r.missing, []);
    assert.equal(r.summary.skipped.leftInventoryDuringRun, 1);
  });

  it('does not report a file that joined the inventory during the listing as orphan', async () => {
    const lister = new MemoryLister([{ path: '/store/a/arrived.root', mtime: OLD }]);
    const inv = new MemoryInventory([], null);
    inv.after = [settled('/store/a/arrived.root')];
    const r = await runCheck(testSite(), inv, lister);
    assert.deepEqual(r.orphan, []);
    assert.equal(r.summary.skipped.joinedInventoryDuringRun, 1);
  });

  it('does not report a file that went in flux during the listing as missing', async () => {
    const lister = new MemoryLister([]);
    const inv = new MemoryInventory([settled('/store/a/f.root')]);
    inv.after = [flux('/store/a/f.root')];
    const r = await runCheck(testSite({ DirectoryList: [] }), inv, lister);
    assert.deepEqual(r.missing, []);
  });
});

describe('check: protection read again after the listing', () => {
  it('honours a deletion queued and a protection added while the listing ran', async () => {
    const lister = new MemoryLister([{ path: '/store/mc/Era/Late/TIER/Proc-v1/0000/x.root', mtime: OLD }]);
    const inv = new MemoryInventory([settled(`${DS}/0000/gone.root`)], new Set());
    const site = testSite({ CmsDatasets: true });
    lister.beforeList = (p) => {
      if (p === '/store') {
        inv.queued.add('/Prim/Era-Proc-v1/TIER');
        inv.protectedDatasets!.add('/Late/Era-Proc-v1/TIER');
      }
    };
    const r = await runCheck(site, inv, lister);
    assert.deepEqual(r.missing, []);
    assert.deepEqual(r.orphan, []);
  });
});

describe('check: partitioned judging', () => {
  /** A site of 3 000 files with every kind of finding, built afresh for each run. */
  function scenario() {
    const files: { path: string; size: number; mtime: number }[] = [];
    const inv = [];
    for (let i = 0; i < 3000; i++) {
      const lfn = `/store/mc/Era/P${i % 7}/TIER/Proc-v1/${String(i % 40).padStart(4, '0')}/f${i}.root`;
      const onDisk = i % 50 !== 0; // 2 % missing
      const size = 1000 + i;
      if (i % 10 !== 3) inv.push(i % 97 === 5 ? flux(lfn, size) : settled(lfn, size));
      if (onDisk) files.push({ path: lfn, size: i % 333 === 7 ? size + 1 : size, mtime: i % 211 === 9 ? FRESH : OLD });
    }
    const lister = new MemoryLister(files, [{ path: '/store/mc/Era/Empty/TIER/Proc-v1/0000', mtime: OLD }]);
    lister.failures.set('/store/mc/Era/P3/TIER/Proc-v1/0005', Infinity);
    return { lister, inventory: new MemoryInventory(inv, null) };
  }

  it('finds the same things whether the site is judged in 1, 5 or 16 partitions', async () => {
    const results = [];
    for (const parts of [1, 5, 16]) {
      const { lister, inventory } = scenario();
      const r = await runCheck(testSite(), inventory, lister, parts);
      // The in-flight level follows the timing of the run (the pace adapts to it), not the partitions.
      const { inFlight, ...listing } = r.summary.listing;
      assert.ok(inFlight && inFlight.peak <= 4 && inFlight.cap === 4);
      results.push({ missing: r.missing, orphan: r.orphan, sizeMismatch: r.sizeMismatch, empty: r.empty, unlisted: r.unlisted, inventory: r.summary.inventory, skipped: r.summary.skipped, listing });
    }
    assert.ok(results[0].missing.length > 10 && results[0].orphan.length > 100 && results[0].sizeMismatch.length > 3, JSON.stringify(results[0].skipped));
    assert.deepEqual(results[1], results[0]);
    assert.deepEqual(results[2], results[0]);
  });

  it('finds the same orphans whether their listing lines are kept or the listing is read again', async () => {
    const results = [];
    for (const kept of [undefined, 3, 0]) {
      const { lister, inventory } = scenario();
      const r = await runCheck(testSite(), inventory, lister, 5, kept);
      results.push({ missing: r.missing, orphan: r.orphan, sizeMismatch: r.sizeMismatch, skipped: r.summary.skipped, orphanCount: r.summary.orphan });
    }
    assert.ok(results[0].orphan.length > 100);
    assert.deepEqual(results[1], results[0]);
    assert.deepEqual(results[2], results[0]);
  });
});

describe('check: every held-back file is counted (issue 10)', () => {
  it('counts a new file whose size differs from the inventory as held back (new)', async () => {
    const lister = new MemoryLister([{ path: `${DS}/0000/a.root`, mtime: FRESH, size: 5 }]);
    const r = await runCheck(testSite(), new MemoryInventory([settled(`${DS}/0000/a.root`, 100)]), lister);
    assert.deepEqual(r.sizeMismatch, []);
    assert.equal(r.summary.skipped.newFiles, 1);
  });

  it('counts a would-be size mismatch whose inventory entry was resized, went in flux or left during the run', async () => {
    const lister = new MemoryLister([
      { path: '/store/a/resized.root', mtime: OLD, size: 99 },
      { path: '/store/a/flux.root', mtime: OLD, size: 99 },
      { path: '/store/a/gone.root', mtime: OLD, size: 99 },
    ]);
    const inv = new MemoryInventory([settled('/store/a/resized.root'), settled('/store/a/flux.root'), settled('/store/a/gone.root')], null);
    inv.after = [settled('/store/a/resized.root', 99), flux('/store/a/flux.root')];
    const r = await runCheck(testSite(), inv, lister);
    assert.deepEqual(r.sizeMismatch, []);
    assert.equal(r.summary.skipped.leftInventoryDuringRun, 3);
  });

  it('counts listed files below a directory that ended unlisted instead of dropping them', async () => {
    // A tree listing that yields one directory and then fails for good: the top is unlisted.
    const lister: Lister = {
      kind: 'partial-tree',
      async *listDir(): AsyncIterable<DirEntry[]> {
        throw new DcError('UNSUPPORTED', 'tree only');
      },
      async *listTree(path: string): AsyncIterable<TreeItem[]> {
        yield [{ type: 'dir', path: `${path}/a`, mtime: OLD, entries: [{ name: 'f.root', isDir: false, size: 3, mtime: OLD }] }];
        throw new DcError('PERMISSION', 'refused half-way');
      },
      async close() {},
    };
    const r = await runCheck(testSite(), new MemoryInventory([], null), lister as MemoryLister);
    assert.deepEqual(r.unlisted, ['/store']);
    assert.deepEqual(r.orphan, []);
    assert.equal(r.summary.skipped.listedBelowUnlisted, 1);
  });

  it('accounts for every listed file: listed = judged + held back', async () => {
    const lister = new MemoryLister([
      { path: `${DS}/0000/known.root`, mtime: OLD },
      { path: `${DS}/0000/mismatch.root`, mtime: OLD, size: 1 },
      { path: `${DS}/0000/orphan.root`, mtime: OLD },
      { path: `${DS}/0000/new.root`, mtime: FRESH },
      { path: '/store/unmerged/x.root', mtime: OLD },
      { path: '/store/temp/short.root', mtime: OLD },
      { path: '/store/mc/Era/Queued/TIER/Proc-v1/0000/q.root', mtime: OLD },
      { path: '/store/a/joined.root', mtime: OLD },
    ]);
    const inv = new MemoryInventory([settled(`${DS}/0000/known.root`), settled(`${DS}/0000/mismatch.root`)], new Set(), new Set(['/Queued/Era-Proc-v1/TIER']));
    inv.after = [...inv.files, settled('/store/a/joined.root')];
    const r = await runCheck(testSite({ CmsDatasets: true, IgnoreDirectories: ['unmerged'] }), inv, lister);
    const k = r.summary.skipped;
    assert.deepEqual([k.newFiles, k.ignoredOrphans, k.protectedOrphans, k.queuedDeletion, k.joinedInventoryDuringRun], [1, 1, 1, 1, 1]);
    const heldBack = Object.values(k).reduce((a: number, b) => a + (b ?? 0), 0);
    assert.equal(r.summary.listing.files, 1 /* known.root, present */ + r.sizeMismatch.length + r.orphan.length + heldBack);
    assert.deepEqual(r.orphan, [`${DS}/0000/orphan.root`]);
  });
});
