import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunSummaryFile } from '../../../src/check/check-outputs.ts';
import { summaryText } from '../../../src/cli/summary-text.ts';
import { notActedReport } from '../../../src/actions/actions-run.ts';
import { FRESH, OLD, runCheck, settled, testSite } from '../../helpers/check-harness.ts';
import { MemoryInventory, MemoryLister } from '../../helpers/memory-site.ts';

const DS = '/store/mc/Era/Prim/TIER/Proc-v1/0000';

async function printed(site: ReturnType<typeof testSite>, inv: MemoryInventory, lister: MemoryLister): Promise<string> {
  const r = await runCheck(site, inv, lister);
  const s: RunSummaryFile<ReturnType<typeof notActedReport>> = { ...r.summary, gates: { act: false, held: [] }, actions: notActedReport(site, 'test'), files: {} };
  return summaryText(s, {});
}

describe('terminal summary: held-back files (issue 10)', () => {
  it('prints a count for every reason a file was kept off the lists, zeros included', async () => {
    const lister = new MemoryLister([
      { path: `${DS}/new.root`, mtime: FRESH },
      { path: '/store/unmerged/x.root', mtime: OLD },
      { path: '/store/short.root', mtime: OLD },
      { path: '/store/a/joined.root', mtime: OLD },
    ]);
    const inv = new MemoryInventory([settled(`${DS}/gone.root`)], new Set());
    inv.after = [settled('/store/a/joined.root')];
    const text = await printed(testSite({ CmsDatasets: true, IgnoreDirectories: ['unmerged'] }), inv, lister);
    assert.match(text, /held back +5 files kept off the lists/);
    assert.match(text, /new \(younger than IgnoreAge\) +1\n/);
    assert.match(text, /ignored \(IgnoreDirectories\) +1\n/);
    assert.match(text, /protected dataset +1\n/);
    assert.match(text, /queued deletion +0\n/);
    assert.match(text, /changed during the run +2 \(1 left or changed in the inventory, 1 joined it\)/);
    assert.match(text, /outside listed tops +0\n/);
    assert.match(text, /listed below unlisted dirs +0\n/);
  });

  it('says that dataset protection is off without CmsDatasets', async () => {
    const text = await printed(testSite(), new MemoryInventory([], new Set()), new MemoryLister([{ path: '/store/short.root', mtime: OLD }]));
    assert.match(text, /protected dataset +0 \(CmsDatasets off: no dataset protection\)/);
    assert.match(text, /orphan +1 /);
  });
});

describe('terminal summary: listings in flight (issue 13)', () => {
  it('prints the peak level, the cap and the back-offs of the listing', async () => {
    const text = await printed(testSite({ NumThreads: 4 }), new MemoryInventory([], new Set()), new MemoryLister([{ path: '/store/a/f.root', mtime: OLD }]));
    assert.match(text, /in flight +peak \d+ of cap 4, \d+ at the end, \d+ back-offs \(\d+ push-backs\)\n/);
  });
});

describe('terminal summary: what a dump site was listed from (issue 15)', () => {
  it('names the dump read, and prints no line for a site listed from its storage', async () => {
    const site = testSite();
    const r = await runCheck(site, new MemoryInventory([], new Set()), new MemoryLister([{ path: '/store/a/f.root', mtime: OLD }]));
    const base: RunSummaryFile<ReturnType<typeof notActedReport>> = { ...r.summary, gates: { act: false, held: [] }, actions: notActedReport(site, 'test'), files: {} };
    assert.doesNotMatch(summaryText(base, {}), /read from/);
    assert.match(summaryText({ ...base, listedFrom: 'dump of 20261130 from https://h/d.tsv?token=***' }, {}), /\n {2}read from +dump of 20261130 from https:\/\/h\/d\.tsv\?token=\*\*\*\n/);
  });
});
