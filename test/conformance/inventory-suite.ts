/**
 * The one conformance suite every inventory backend runs (issue 5): the fixture of
 * inventory-fixture.ts, served by the real engine or dump reader, must come back the same.
 * A backend that cannot meet a point declares a gap with its reason; the case then asserts the
 * declared behaviour instead, so a gap that silently changes fails the run.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Inventory } from '../../src/inventory/inventory.ts';
import { DcError } from '../../src/core/errors.ts';
import {
  AWKWARD_NAMES, BULK_FILES, D, EXPECTED_PROTECTED_DYNAMO, EXPECTED_PROTECTED_QUEUES_ONLY, EXPECTED_QUEUED_DYNAMO,
  EXPECTED_QUEUED_QUEUES_ONLY, OTHER_SITE, SITE, SITES, expectedFiles,
} from './inventory-fixture.ts';

export type InventoryGapKey =
  /** Knows no datasets (dumps, generic SQL): protection and deletions come only from the queues. */
  | 'datasets'
  /** Cannot tell in-flux files (plain lists): every file is settled. */
  | 'inFlux'
  /** Knows no site list (generic SQL): collectSites() is empty. */
  | 'siteList'
  /** Sites are the `rse` values present in one dump: a site without rows is not listed. */
  | 'sitesFromRows'
  /** One dump per site: a site without a dump fails with NOT_FOUND instead of streaming nothing. */
  | 'unknownSiteFails';

export interface InventoryTarget {
  inventory: Inventory;
  teardown(): Promise<void>;
}

const BATCH_LIMIT = 5000;

async function collect(inv: Inventory, site: string) {
  const files = new Map<string, { size: number | null; settled: boolean }>();
  const batches: number[] = [];
  for await (const b of inv.streamFiles(site)) {
    batches.push(b.length);
    for (const f of b) files.set(f.lfn, { size: f.size, settled: f.settled });
  }
  return { files, batches };
}

function setDiff(a: Iterable<string>, b: Set<string>): string[] {
  return [...a].filter((x) => !b.has(x));
}

export function runInventoryConformance(name: string, setup: () => Promise<InventoryTarget>, gaps: Partial<Record<InventoryGapKey, string>> = {}): void {
  describe(`inventory conformance: ${name}`, () => {
    let target: InventoryTarget | undefined;
    const inv = () => {
      assert.ok(target, 'setup failed; see the before() hook error');
      return target.inventory;
    };
    before(async () => {
      target = await setup();
    });
    after(async () => {
      await target?.teardown();
    });

    it('streams every file at the site with its size, settled or in flux', async () => {
      const want = expectedFiles(SITE);
      const { files } = await collect(inv(), SITE);
      assert.deepEqual(setDiff(want.keys(), new Set(files.keys())), [], 'files missing from the stream');
      assert.deepEqual(setDiff(files.keys(), new Set(want.keys())), [], 'files that are not at the site');
      for (const [lfn, w] of want) {
        const got = files.get(lfn)!;
        assert.equal(got.size, w.size, `size of ${lfn}`);
        assert.equal(got.settled, gaps.inFlux ? true : w.settled, `settled flag of ${lfn}${gaps.inFlux ? ` (gap: ${gaps.inFlux})` : ''}`);
      }
    });

    it('marks complete, group-owned replicas settled and incomplete or unowned ones in flux', async () => {
      const { files } = await collect(inv(), SITE);
      const flags = (d: { dir: string }) => [...files].filter(([l]) => l.startsWith(d.dir + '/')).map(([, f]) => f.settled);
      assert.ok(flags(D.settled).length > 0 && flags(D.settled).every((s) => s));
      const flux = [...flags(D.incomplete), ...flags(D.unowned)];
      assert.equal(flux.length, 3);
      if (gaps.inFlux) assert.ok(flux.every((s) => s), `gap: ${gaps.inFlux}`);
      else assert.ok(flux.every((s) => !s), 'incomplete and unowned replicas must be in flux');
    });

    it('keeps awkward names byte-exact (spaces, unicode, NFC/NFD and case twins, backslash, quotes)', async () => {
      const { files } = await collect(inv(), SITE);
      for (const n of AWKWARD_NAMES) assert.ok(files.has(`${D.awkward.dir}/${n}`), `missing ${JSON.stringify(n)}`);
      const awkward = [...files.keys()].filter((l) => l.startsWith(D.awkward.dir + '/'));
      assert.equal(awkward.length, AWKWARD_NAMES.length);
    });

    it(`streams in bounded batches (${BULK_FILES} bulk files, at most ${BATCH_LIMIT} a batch)`, async () => {
      const { files, batches } = await collect(inv(), SITE);
      assert.ok(batches.length >= Math.ceil(files.size / BATCH_LIMIT), `batches ${batches.join(',')}`);
      assert.ok(batches.every((n) => n > 0 && n <= BATCH_LIMIT), `batch sizes ${batches.join(',')}`);
    });

    it('keeps each site to its own files', async () => {
      const { files } = await collect(inv(), OTHER_SITE);
      assert.deepEqual([...files.keys()].sort(), [...expectedFiles(OTHER_SITE).keys()].sort());
    });

    it(gaps.unknownSiteFails ? `fails for a site it has no inventory for (gap: ${gaps.unknownSiteFails})` : 'streams nothing for an unknown site', async () => {
      if (gaps.unknownSiteFails) {
        await assert.rejects(collect(inv(), 'T3_NO_SUCH_SITE'), (e: unknown) => e instanceof DcError && e.code === 'NOT_FOUND');
        return;
      }
      const { files } = await collect(inv(), 'T3_NO_SUCH_SITE');
      assert.equal(files.size, 0);
      assert.deepEqual([...(await inv().collectQueuedDeletions('T3_NO_SUCH_SITE'))], []);
    });

    it('protects datasets replicated at the site, IGNORED, or with a pending subscription or transfer', async () => {
      const got = await inv().collectProtectedDatasets(SITE);
      assert.ok(got, 'a backend with queue sources returns a set');
      const want = gaps.datasets ? EXPECTED_PROTECTED_QUEUES_ONLY : EXPECTED_PROTECTED_DYNAMO;
      assert.deepEqual([...got].sort(), [...want].sort(), gaps.datasets ? `gap: ${gaps.datasets}` : undefined);
      assert.ok(!got.has(D.finishedSubscription.name), 'a finished subscription protects nothing');
    });

    it('reports datasets with a deletion queued at the site (subscriptions and deletion_queue)', async () => {
      const got = await inv().collectQueuedDeletions(SITE);
      const want = gaps.datasets ? EXPECTED_QUEUED_QUEUES_ONLY : EXPECTED_QUEUED_DYNAMO;
      assert.deepEqual([...got].sort(), [...want].sort(), gaps.datasets ? `gap: ${gaps.datasets}` : undefined);
      const other = await inv().collectQueuedDeletions(OTHER_SITE);
      assert.ok(other.has(D.settled.name), 'the other site keeps its own queued deletion');
      assert.ok(!got.has(D.settled.name));
    });

    it('lists the sites it knows', async () => {
      const sites = await inv().collectSites();
      if (gaps.siteList) assert.deepEqual(sites, [], `gap: ${gaps.siteList}`);
      else if (gaps.sitesFromRows) assert.deepEqual(sites, SITES.filter((s) => expectedFiles(s).size > 0), `gap: ${gaps.sitesFromRows}`);
      else assert.deepEqual(sites, SITES);
    });

    it('gives the same answer on a second read (before/after snapshots read twice)', async () => {
      const a = await collect(inv(), SITE);
      const b = await collect(inv(), SITE);
      assert.deepEqual([...a.files].sort(), [...b.files].sort());
    });
  });
}
