import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DirEntry } from '../../../src/core/entries.ts';
import { DcError } from '../../../src/core/errors.ts';
import type { Lister } from '../../../src/listers/lister.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pushback } from '../../../src/core/listing-pace.ts';
import { walk, type WalkEvent, type WalkProgress } from '../../../src/listers/walker.ts';
import { MemoryLister } from '../../helpers/memory-site.ts';

async function collect(it: AsyncIterable<WalkEvent>): Promise<WalkEvent[]> {
  const out: WalkEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

const base = { concurrency: 4, retries: 2, timeoutMs: 2000, retryDelayMs: 1 };

describe('walker', () => {
  it('emits every directory after all its children, with subtree counts', async () => {
    const l = new MemoryLister([
      { path: '/store/a/b/f1', size: 10, mtime: 5 },
      { path: '/store/a/f2', size: 20, mtime: 6 },
      { path: '/store/c/f3', size: 30, mtime: 7 },
    ], [{ path: '/store/a/b', mtime: 50 }]);
    const evs = await collect(walk(l, { ...base, tops: ['/store'] }));
    const dirs = evs.filter((e) => e.type === 'dir').map((e) => (e as Extract<WalkEvent, { type: 'dir' }>).dir);
    const order = dirs.map((d) => d.lfn);
    assert.ok(order.indexOf('/store/a/b') < order.indexOf('/store/a'));
    assert.ok(order.indexOf('/store/a') < order.indexOf('/store'));
    const top = dirs.find((d) => d.lfn === '/store')!;
    assert.deepEqual([top.files, top.bytes, top.isTop, top.newestMtime], [3, 60, true, 50]);
    const files = evs.flatMap((e) => (e.type === 'files' ? e.files.map((f) => f.lfn) : [])).sort();
    assert.deepEqual(files, ['/store/a/b/f1', '/store/a/f2', '/store/c/f3']);
  });

  it('does not retry a directory that does not exist, and retries one that failed', async () => {
    const l = new MemoryLister([{ path: '/store/a/f', mtime: 1 }]);
    l.failures.set('/store/a', 2);
    const evs = await collect(walk(l, { ...base, tops: ['/store', '/nowhere'] }));
    const unlisted = evs.filter((e) => e.type === 'unlisted') as Extract<WalkEvent, { type: 'unlisted' }>[];
    assert.deepEqual(unlisted.map((u) => [u.lfn, u.code, u.attempts]), [['/nowhere', 'NOT_FOUND', 1]]);
    assert.equal(l.listed.filter((p) => p === '/store/a').length, 1);
  });

  it('abandons a listing that makes no progress for Timeout and reports it unlisted as TIMEOUT', async () => {
    const hanging: Lister = {
      kind: 'hang',
      async *listDir(path: string, signal: AbortSignal): AsyncIterable<DirEntry[]> {
        if (path === '/store') {
          yield [{ name: 'slow', isDir: true, size: 0, mtime: 0 }, { name: 'ok.root', isDir: false, size: 1, mtime: 0 }];
          return;
        }
        await new Promise((_, reject) => signal.addEventListener('abort', () => reject(new DcError('ABORTED', 'aborted'))));
      },
      async close() {},
    };
    const t = Date.now();
    const evs = await collect(walk(hanging, { ...base, retries: 1, timeoutMs: 100, tops: ['/store'] }));
    const u = evs.find((e) => e.type === 'unlisted') as Extract<WalkEvent, { type: 'unlisted' }>;
    assert.deepEqual([u.lfn, u.code, u.attempts], ['/store/slow', 'TIMEOUT', 2]);
    assert.ok(Date.now() - t < 2000);
    assert.ok(evs.some((e) => e.type === 'files'));
  });

  it('throws ABORTED promptly when its signal aborts', async () => {
    const files = [];
    for (let i = 0; i < 200; i++) files.push({ path: `/store/d${i}/f`, mtime: 1 });
    const l = new MemoryLister(files);
    l.delayMs = 5;
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(), 30);
    await assert.rejects(collect(walk(l, { ...base, tops: ['/store'], signal: ctrl.signal })), (e: unknown) => e instanceof DcError && e.code === 'ABORTED');
    assert.ok(l.listed.length < 200);
  });

  it('stops with INTERNAL naming the exception and where when a lister throws a non-DcError, never retried nor unlisted (issue 10)', async () => {
    const l = new MemoryLister([{ path: '/store/a/f', mtime: 1 }, { path: '/store/b/g', mtime: 1 }]);
    let calls = 0;
    l.beforeList = function buggyHelper(path) {
      if (path === '/store/a') {
        calls++;
        (undefined as unknown as { name: string }).name;
      }
    };
    const events: WalkEvent[] = [];
    await assert.rejects(
      (async () => {
        for await (const e of walk(l, { ...base, tops: ['/store'] })) events.push(e);
      })(),
      (e: unknown) => {
        assert.ok(e instanceof DcError && e.code === 'INTERNAL', String(e));
        assert.match(e.message, /bug in the memory lister: listing \/store\/a threw TypeError: Cannot read properties of undefined/);
        assert.match(e.message, /\(at .*buggyHelper .*walker\.test\.ts:\d+:\d+\)/);
        return true;
      },
    );
    assert.equal(calls, 1, 'not retried');
    assert.ok(!events.some((e) => e.type === 'unlisted'));
  });

  it('stops with INTERNAL even when the buggy listing is the last one of the walk', async () => {
    const l = new MemoryLister([{ path: '/store/f', mtime: 1 }]);
    l.beforeList = () => {
      throw new RangeError('off by one');
    };
    await assert.rejects(collect(walk(l, { ...base, tops: ['/store'] })), (e: unknown) => e instanceof DcError && e.code === 'INTERNAL' && /threw RangeError: off by one/.test(e.message));
  });

  it('gives a top directory its own mtime from stat (issue 10: list --dirs printed 0)', async () => {
    const l = new MemoryLister([{ path: '/store/a/f', mtime: 1 }]);
    const withStat = Object.assign(l, { stat: async (path: string) => ({ name: path, isDir: true, size: 0, mtime: 1234 }) });
    const evs = await collect(walk(withStat, { ...base, tops: ['/store'] }));
    const top = evs.flatMap((e) => (e.type === 'dir' && e.dir.isTop ? [e.dir] : []));
    assert.deepEqual(top.map((d) => [d.lfn, d.mtime]), [['/store', 1234]]);
  });

  it('stops listing when the consumer stops early', async () => {
    const files = [];
    for (let i = 0; i < 100; i++) files.push({ path: `/store/d${i}/f`, mtime: 1 });
    const l = new MemoryLister(files);
    l.delayMs = 2;
    for await (const e of walk(l, { ...base, tops: ['/store'] })) if (e.type === 'files') break;
    const listedAtBreak = l.listed.length;
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(l.listed.length <= listedAtBreak + base.concurrency);
    assert.equal(l.inFlight, 0);
  });
});

/** A wide tree (`dirs` directories of `files` files under /store) whose every listing takes `delayMs`, as over a long round trip. */
class SlowWideLister implements Lister {
  readonly kind = 'slow-wide';
  inFlight = 0;
  maxInFlight = 0;
  private readonly listeners = new Set<(p: Pushback) => void>();
  constructor(
    private readonly dirs: number,
    private readonly files: number,
    private readonly delayMs: number,
    /** Above this many listings at once, each new one is made to wait (kXR_wait absorbed by a client). */
    private readonly waitAbove = Infinity,
  ) {}
  watchPushback(l: (p: Pushback) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  async *listDir(path: string, signal: AbortSignal): AsyncIterable<DirEntry[]> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.inFlight > this.waitAbove) for (const l of this.listeners) l({ kind: 'wait' });
      await sleep(this.delayMs, undefined, { signal });
      if (path === '/store') {
        yield Array.from({ length: this.dirs }, (_, i) => ({ name: `d${i}`, isDir: true, size: 0, mtime: 1 }));
      } else {
        yield Array.from({ length: this.files }, (_, i) => ({ name: `f${i}`, isDir: false, size: 1, mtime: 1 }));
      }
    } finally {
      this.inFlight--;
    }
  }
  async close() {}
}

describe('walker: listings in flight adapt (issue 13)', () => {
  it('raises the level well above the start while a long round trip, not the storage, limits it', async () => {
    const l = new SlowWideLister(2000, 3, 40);
    let last: WalkProgress | undefined;
    const evs = await collect(walk(l, { ...base, concurrency: 512, tops: ['/store'], onProgress: (p) => (last = p) }));
    assert.equal(evs.filter((e) => e.type === 'files').length, 2000, 'every directory listed');
    assert.ok(last && last.pace.peak >= 64, `peak ${last?.pace.peak}`);
    assert.ok(l.maxInFlight <= last!.pace.peak);
    assert.equal(last!.pace.cap, 512);
  });

  it('backs off when the storage answers with waits under load, and still lists everything', async () => {
    const l = new SlowWideLister(1500, 3, 20, 40);
    let last: WalkProgress | undefined;
    const evs = await collect(walk(l, { ...base, concurrency: 512, tops: ['/store'], onProgress: (p) => (last = p) }));
    assert.equal(evs.filter((e) => e.type === 'files').length, 1500);
    const pace = last!.pace;
    assert.ok(pace.pushbacks > 0 && pace.backoffs > 0, JSON.stringify(pace));
    assert.ok(pace.peak < 512, JSON.stringify(pace));
  });

  it('keeps NumThreads as a cap, and as the fixed level when not adaptive', async () => {
    const capped = new SlowWideLister(300, 1, 10);
    let last: WalkProgress | undefined;
    await collect(walk(capped, { ...base, concurrency: 24, tops: ['/store'], onProgress: (p) => (last = p) }));
    assert.ok(capped.maxInFlight <= 24 && last!.pace.peak <= 24);
    const fixed = new SlowWideLister(300, 1, 10);
    await collect(walk(fixed, { ...base, concurrency: 24, adaptive: false, tops: ['/store'], onProgress: (p) => (last = p) }));
    assert.equal(fixed.maxInFlight, 24);
    assert.deepEqual([last!.pace.peak, last!.pace.adaptive], [24, false]);
  });
});
