/**
 * Issue 14 point 4 with in-process fakes: the split puts every directory in exactly one shard, and
 * a check whose listing goes through shards (the sharded lister, segments through a real SQLite
 * history) gives the same lists as the same check listed in one walk; a shard that fails makes its
 * directories unlisted, never its files missing.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { SiteConfig } from '../../../src/config/config-loader.ts';
import { parentDir } from '../../../src/core/lfn.ts';
import { splitChildren, splitTops, shardOfDir } from '../../../src/fleet/shard-plan.ts';
import { listShard, type ShardJob } from '../../../src/fleet/shard-run.ts';
import { ShardedLister, type ShardDispatch } from '../../../src/fleet/sharded-lister.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { FRESH, OLD, runCheck, settled, testSite } from '../../helpers/check-harness.ts';
import { MemoryInventory, MemoryLister } from '../../helpers/memory-site.ts';

const noLog = () => undefined;

/** A site: /store/{mc,data}/<era>/<prim>/<n>/f*.root, some empty directories, an orphan, missing files, a new file, a size mismatch. */
function makeSite(): { files: { path: string; size: number; mtime: number }[]; dirs: { path: string; mtime: number }[]; inventory: MemoryInventory } {
  const files: { path: string; size: number; mtime: number }[] = [];
  const dirs: { path: string; mtime: number }[] = [];
  const inv = [];
  for (const top of ['mc', 'data']) {
    for (let e = 0; e < 7; e++) {
      for (let p = 0; p < 3; p++) {
        for (let n = 0; n < 2; n++) {
          for (let f = 0; f < 3; f++) {
            const path = `/store/${top}/Era${e}/Prim${p}/000${n}/f${f}.root`;
            files.push({ path, size: 100 + f, mtime: OLD });
            inv.push(settled(path, 100 + f));
          }
        }
      }
      dirs.push({ path: `/store/${top}/Era${e}/Empty/sub`, mtime: OLD });
    }
  }
  files.push({ path: '/store/mc/top-level-file.root', size: 7, mtime: OLD });
  inv.push(settled('/store/mc/top-level-file.root', 7));
  // Problems: missing, orphan, size mismatch, new file.
  inv.push(settled('/store/mc/Era1/Prim0/0000/gone.root', 5), settled('/store/data/Era4/Prim2/0001/gone.root', 5));
  files.push({ path: '/store/data/Era3/Prim1/0000/orphan.root', size: 9, mtime: OLD });
  files.push({ path: '/store/mc/Era2/Prim2/0001/new.root', size: 9, mtime: FRESH });
  inv.find((f) => f.lfn === '/store/mc/Era5/Prim0/0000/f0.root')!.size = 999;
  return { files, dirs, inventory: new MemoryInventory(inv) };
}

/** Shard jobs run in this process over the in-memory storage; `fail` lists shards whose job fails without listing. */
class MemoryShards implements ShardDispatch {
  readonly ended = new Map<number, string>();
  readonly started: ShardJob[] = [];
  constructor(
    private readonly site: SiteConfig,
    private readonly lister: MemoryLister,
    private readonly store: HistoryStore,
    private readonly fail = new Set<number>(),
  ) {}
  async start(jobs: readonly ShardJob[]): Promise<void> {
    for (const job of jobs) {
      this.started.push(job);
      if (this.fail.has(job.shard)) {
        setTimeout(() => this.ended.set(job.shard, 'injected failure'), 20);
        continue;
      }
      listShard(this.site, this.lister, job, this.store, { signal: new AbortController().signal, log: noLog }).then(
        () => this.ended.set(job.shard, 'done'),
        (err: unknown) => this.ended.set(job.shard, String(err)),
      );
    }
  }
  async collectEnded(): Promise<Map<number, string>> {
    return new Map(this.ended);
  }
  async cancel(): Promise<void> {}
}

let store: HistoryStore;
before(async () => {
  store = await HistoryStore.open('sqlite::memory:');
});
after(async () => {
  await store.close();
});

describe('sharded listing (issue 14.4)', () => {
  it('hash: each subdirectory of a top goes to one shard, stably', () => {
    const children = [
      ['/store/mc/A', '/store/mc/B', '/store/mc/C', '/store/mc/D', '/store/mc/E'].map((d) => [d, 1] as [string, number]),
      ['/store/data/A', '/store/data/B'].map((d) => [d, 2] as [string, number]),
    ];
    const tops = ['/store/mc', '/store/data'];
    const a = splitChildren(tops, children, 3);
    const assigned = a.flatMap((x) => x.segments.flatMap((s) => s.dirs.map((d) => [x.shard, s.top, d[0], d[1]])));
    assert.equal(assigned.length, 7, 'every subdirectory assigned');
    assert.equal(new Set(assigned.map((x) => x[2])).size, 7, 'none twice');
    for (const [shard, top, lfn, mtime] of assigned) {
      assert.equal(shard, shardOfDir(lfn as string, 3));
      assert.equal(top, (lfn as string).startsWith('/store/mc') ? 0 : 1);
      assert.equal(mtime, top === 0 ? 1 : 2);
    }
    for (const x of a) for (const s of x.segments) assert.equal(s.within, tops[s.top]);
    assert.deepEqual(splitChildren(tops, children, 3), a, 'the same split every time');
  });

  it('top: top i goes to shard i % Shards, and shards without work get no job', () => {
    const a = splitTops(['/a', '/b', '/c', '/d', '/e'], 3);
    assert.deepEqual(a.map((x) => [x.shard, x.segments.map((s) => s.dirs[0][0])]), [[0, ['/a', '/d']], [1, ['/b', '/e']], [2, ['/c']]]);
    assert.deepEqual(splitTops(['/only'], 4).map((x) => x.shard), [0]);
  });

  for (const ShardBy of ['hash', 'top'] as const) {
    it(`${ShardBy}: every directory of the site is listed by the coordinator or one shard (with hash, tops again once per shard)`, async () => {
      const site = testSite({ DirectoryList: ['mc', 'data'], ListOnlyInventoryDirs: false, Shards: 3, ShardBy } as Partial<SiteConfig>);
      const s = makeSite();
      const lister = new MemoryLister(s.files, s.dirs);
      const runId = await store.runs.start(site.name, new Date().toISOString());
      const dispatch = new MemoryShards(site, lister, store);
      const sharded = new ShardedLister(lister, site, { runId, signal: new AbortController().signal, log: noLog }, store, dispatch);
      await runCheck(site, s.inventory, sharded as unknown as MemoryLister, 4);
      const every = [...lister.dirs.keys()].filter((d) => d.startsWith('/store/mc') || d.startsWith('/store/data'));
      const again = ShardBy === 'hash' ? dispatch.started.flatMap((j) => j.segments.map((g) => g.within!)) : [];
      assert.deepEqual([...lister.listed].sort(), [...every, ...again].sort(), 'each directory listed once (tops: by the coordinator and once by each shard with work below them), none left out');
      // The shards' directories: disjoint subtrees, and with hash more than one shard had work.
      const roots = dispatch.started.flatMap((j) => j.segments.flatMap((g) => g.dirs.map((d) => d[0])));
      for (const r of roots) for (const q of roots) if (r !== q) assert.ok(!q.startsWith(r + '/'), `${q} lies below ${r}`);
      if (ShardBy === 'hash') {
        assert.ok(new Set(dispatch.started.map((j) => j.shard)).size > 1);
        for (const r of roots) assert.ok(['/store/mc', '/store/data'].includes(parentDir(r)));
      }
      await sharded.close();
    });

    for (const DirectoryList of [['mc', 'data', 'nowhere'], []]) {
      it(`${ShardBy}, DirectoryList ${JSON.stringify(DirectoryList)}: the lists equal those of a check listed in one walk`, async () => {
        const over = { DirectoryList, ListOnlyInventoryDirs: false, IgnoreAge: 1 } as Partial<SiteConfig>;
        const s = makeSite();
        const single = await runCheck(testSite(over), s.inventory, new MemoryLister(s.files, s.dirs), 4);
        const site = testSite({ ...over, Shards: 3, ShardBy } as Partial<SiteConfig>);
        const s2 = makeSite();
        const lister = new MemoryLister(s2.files, s2.dirs);
        const runId = await store.runs.start(site.name, new Date().toISOString());
        const sharded = new ShardedLister(lister, site, { runId, signal: new AbortController().signal, log: noLog }, store, new MemoryShards(site, lister, store));
        const r = await runCheck(site, s2.inventory, sharded as unknown as MemoryLister, 4);
        for (const k of ['missing', 'orphan', 'sizeMismatch', 'unlisted', 'empty'] as const) assert.deepEqual(r[k], single[k], k);
        assert.ok(single.missing.length === 2 && single.orphan.length === 1 && single.sizeMismatch.length === 1 && single.empty.length > 0, 'the site has something of each');
        const counts = (l: typeof r.summary.listing) => [l.files, l.bytes, l.directories, l.newFiles];
        assert.deepEqual(counts(r.summary.listing), counts(single.summary.listing));
        assert.deepEqual(r.summary.tops, single.summary.tops);
        assert.deepEqual(r.summary.skipped, single.summary.skipped);
        await sharded.close();
        assert.deepEqual(await store.shardParts.collectFinished(runId), [], 'the parts are removed once merged');
      });
    }
  }

  it('a shard that fails makes its directories unlisted: no file of it is missing, gates see the unlisted share', async () => {
    const over = { DirectoryList: ['mc', 'data'], ListOnlyInventoryDirs: false } as Partial<SiteConfig>;
    const s = makeSite();
    const single = await runCheck(testSite(over), s.inventory, new MemoryLister(s.files, s.dirs), 4);
    const site = testSite({ ...over, Shards: 3, ShardBy: 'hash' } as Partial<SiteConfig>);
    const s2 = makeSite();
    const lister = new MemoryLister(s2.files, s2.dirs);
    const runId = await store.runs.start(site.name, new Date().toISOString());
    const dispatch = new MemoryShards(site, lister, store, new Set([1]));
    const sharded = new ShardedLister(lister, site, { runId, signal: new AbortController().signal, log: noLog }, store, dispatch);
    const r = await runCheck(site, s2.inventory, sharded as unknown as MemoryLister, 4);
    const failed = dispatch.started.find((j) => j.shard === 1)!.segments.flatMap((g) => g.dirs.map((d) => d[0])).sort();
    assert.ok(failed.length > 0);
    assert.deepEqual(r.unlisted, failed);
    assert.equal(r.summary.unlisted.count, failed.length);
    const below = (lfn: string) => failed.some((d) => lfn.startsWith(d + '/'));
    assert.deepEqual(r.missing, single.missing.filter((l) => !below(l)), 'missing: only outside the failed shard');
    assert.deepEqual(r.orphan, single.orphan.filter((l) => !below(l)));
    assert.ok(r.summary.unlisted.settledFilesBelow > 0, 'the unlisted share is known to the gates');
    assert.equal(r.summary.unlisted.dirs[0].code, 'IO');
    assert.match(r.summary.unlisted.dirs[0].message, /shard 1 .*injected failure/);
    const parts = sharded.listingParts();
    assert.equal(parts.failed, dispatch.started.find((j) => j.shard === 1)!.segments.length);
    assert.equal(parts.done + parts.failed, parts.total, JSON.stringify(parts));
    await sharded.close();
  });

  it('a shard stops, and keeps nothing, once its run is over (halted from anywhere)', async () => {
    const site = testSite({ DirectoryList: ['mc'], Shards: 2 } as Partial<SiteConfig>);
    const s = makeSite();
    const lister = new MemoryLister(s.files, s.dirs);
    lister.delayMs = 200;
    const runId = await store.runs.start(site.name, new Date().toISOString());
    const job: ShardJob = { runId, site: site.name, url: site.Url, shard: 0, shards: 2, segments: [{ top: 0, dirs: [['/store/mc/Era0', null], ['/store/mc/Era1', null]] }] };
    const t = Date.now();
    const running = listShard({ ...site, NumThreads: 1 }, lister, job, store, { signal: new AbortController().signal, log: noLog });
    await new Promise((r) => setTimeout(r, 300));
    await store.runs.finish(runId, 'halted', { error: 'test' });
    const r = await running;
    assert.match(r.skipped ?? '', /is halted/);
    assert.ok(Date.now() - t < 15_000);
    assert.deepEqual(await store.shardParts.collectFinished(runId), []);
    assert.equal((await listShard(site, lister, { ...job, runId }, store, { signal: new AbortController().signal, log: noLog })).skipped, `run ${runId} is not running`);
  });

  it('closing the coordinator (a halted or finished run) cancels its shard jobs and removes their parts; planning sweeps parts of runs not running', async () => {
    const site = testSite({ DirectoryList: ['mc', 'data'], ListOnlyInventoryDirs: false, Shards: 3, ShardBy: 'top' } as Partial<SiteConfig>);
    const s = makeSite();
    const lister = new MemoryLister(s.files, s.dirs);
    const runId = await store.runs.start(site.name, new Date().toISOString());
    let cancelled: number[] = [];
    const dispatch: ShardDispatch = {
      start: async () => undefined,
      collectEnded: async () => new Map(),
      cancel: async (jobs) => void (cancelled = jobs.map((j) => j.shard)),
    };
    const stop = new AbortController();
    const sharded = new ShardedLister(lister, site, { runId, signal: stop.signal, log: noLog }, store, dispatch);
    await store.shardParts.write(runId, 0, 0, 'x', 0, true, 'stale');
    await store.shardParts.write(runId + 1000, 0, 0, 'x', 0, true, 'left by a run that is not running');
    const check = runCheck(site, s.inventory, sharded as unknown as MemoryLister, 4);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await store.shardParts.collectFinished(runId + 1000), [], 'parts of runs not running are swept when a sharded run plans');
    assert.equal((await store.shardParts.collectFinished(runId)).length, 1, 'the running run\'s parts are kept');
    stop.abort();
    await sharded.close();
    assert.deepEqual(cancelled, [0, 1]);
    assert.deepEqual(await store.shardParts.collectFinished(runId), []);
    await check.catch(() => undefined);
  });
});
