import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DirEntry } from '../../../src/core/entries.ts';
import { DcError } from '../../../src/core/errors.ts';
import type { Lister, TreeItem } from '../../../src/listers/lister.ts';
import { walk, type WalkEvent } from '../../../src/listers/walker.ts';

/** An in-memory tree: directory path → entries. Lists per directory and as a post-order tree. */
type Tree = Map<string, DirEntry[]>;

function makeTree(): Tree {
  const f = (name: string, size: number, mtime = 100): DirEntry => ({ name, isDir: false, size, mtime });
  const d = (name: string, mtime = 50): DirEntry => ({ name, isDir: true, size: 0, mtime });
  return new Map([
    ['/site', [f('top.txt', 1), d('a'), d('b')]],
    ['/site/a', [f('x', 2, 300), d('deep')]],
    ['/site/a/deep', [f('y', 3), f('z', 4)]],
    ['/site/b', [f('w', 5)]],
  ]);
}

interface FakeOptions {
  /** Items to report unlisted instead of listed. */
  unlisted?: Set<string>;
  /** Throw after this many items of a listTree call (per call; calls counted in `calls`). */
  failAfter?: number;
  failCode?: 'IO' | 'PERMISSION';
  /** Stop yielding (hang until aborted) after this many items. */
  hangAfter?: number;
}

function fakeLister(tree: Tree, o: FakeOptions = {}): Lister & { calls: number } {
  const post = (dir: string, out: TreeItem[]) => {
    for (const e of tree.get(dir) ?? []) if (e.isDir) post(dir + '/' + e.name, out);
    if (o.unlisted?.has(dir)) out.push({ type: 'unlisted', path: dir, error: new DcError('PERMISSION', `${dir}: refused`) });
    else out.push({ type: 'dir', path: dir, mtime: dir.length, entries: tree.get(dir)! });
  };
  const lister = {
    kind: 'fake',
    calls: 0,
    async *listDir(path: string): AsyncIterable<DirEntry[]> {
      if (o.unlisted?.has(path)) throw new DcError('PERMISSION', `${path}: refused`);
      const entries = tree.get(path);
      if (!entries) throw new DcError('NOT_FOUND', path);
      yield entries.map((e) => (e.isDir ? { ...e, mtime: (path + '/' + e.name).length } : e));
    },
    async *listTree(path: string, signal: AbortSignal): AsyncIterable<TreeItem[]> {
      lister.calls++;
      if (!tree.has(path)) throw new DcError('NOT_FOUND', path);
      const items: TreeItem[] = [];
      post(path, items);
      let n = 0;
      for (const item of items) {
        if (o.failAfter !== undefined && n >= o.failAfter) throw new DcError(o.failCode ?? 'IO', 'connection reset');
        if (o.hangAfter !== undefined && n >= o.hangAfter) {
          await new Promise((_, reject) => signal.addEventListener('abort', () => reject(new DcError('ABORTED', 'aborted')), { once: true }));
        }
        n++;
        yield [item];
        yield []; // heartbeats are allowed
      }
    },
    async close() {},
  };
  return lister;
}

async function collect(events: AsyncIterable<WalkEvent>) {
  const files: string[] = [];
  const dirs: { lfn: string; files: number; bytes: number; unlistedBelow: boolean; isTop: boolean; newestMtime: number }[] = [];
  const unlisted: [string, string][] = [];
  const order: string[] = [];
  for await (const ev of events) {
    if (ev.type === 'files') files.push(...ev.files.map((f) => `${f.lfn}:${f.size}`));
    else if (ev.type === 'dir') {
      const { lfn, files: n, bytes, unlistedBelow, isTop, newestMtime } = ev.dir;
      dirs.push({ lfn, files: n, bytes, unlistedBelow, isTop, newestMtime });
      order.push(lfn);
    } else unlisted.push([ev.lfn, ev.code]);
  }
  files.sort();
  dirs.sort((a, b) => a.lfn.localeCompare(b.lfn));
  return { files, dirs, unlisted, order };
}

const OPTS = { concurrency: 2, retries: 2, timeoutMs: 2000, retryDelayMs: 1 };

describe('tree walker (listers with listTree)', () => {
  it('gives the same files, totals and unlisted directories as the per-directory walk', async () => {
    const unlisted = new Set(['/site/a/deep']);
    const viaTree = await collect(walk(fakeLister(makeTree(), { unlisted }), { ...OPTS, tops: ['/site'] }));
    const perDir = await collect(walk(fakeLister(makeTree(), { unlisted }), { ...OPTS, tops: ['/site'], perDirectory: true }));
    assert.deepEqual(viaTree.files, perDir.files);
    assert.deepEqual(viaTree.unlisted, perDir.unlisted);
    assert.deepEqual(viaTree.unlisted, [['/site/a/deep', 'PERMISSION']]);
    // An unlisted directory's own mtime comes from its parent's listing in the per-directory walk
    // and is unknown in a tree stream; nothing at or below it is used, so only that may differ.
    const noMtime = (ds: typeof viaTree.dirs) => ds.map((d) => ({ ...d, newestMtime: d.unlistedBelow ? 0 : d.newestMtime }));
    assert.deepEqual(noMtime(viaTree.dirs), noMtime(perDir.dirs));
    assert.deepEqual(viaTree.dirs.find((d) => d.lfn === '/site'), { lfn: '/site', files: 3, bytes: 8, unlistedBelow: true, isTop: true, newestMtime: 7 });

    const full = await collect(walk(fakeLister(makeTree()), { ...OPTS, tops: ['/site'] }));
    const fullPerDir = await collect(walk(fakeLister(makeTree()), { ...OPTS, tops: ['/site'], perDirectory: true }));
    assert.deepEqual(full.dirs.filter((d) => d.lfn !== '/site'), fullPerDir.dirs.filter((d) => d.lfn !== '/site'));
    assert.equal(full.dirs.find((d) => d.lfn === '/site')?.files, 5);
  });

  it('closes children before parents and maps storage paths to LFNs with the path prefix', async () => {
    const got = await collect(walk(fakeLister(makeTree()), { ...OPTS, tops: ['/a'], pathPrefix: '/site' }));
    assert.deepEqual(got.order, ['/a/deep', '/a']);
    assert.deepEqual(got.files, ['/a/deep/y:3', '/a/deep/z:4', '/a/x:2']);
  });

  it('retries a stream that failed before yielding anything', async () => {
    const lister = fakeLister(makeTree(), { failAfter: 0 });
    const got = await collect(walk(lister, { ...OPTS, tops: ['/site'] }));
    assert.equal(lister.calls, 3, 'one try and two retries');
    assert.deepEqual(got.unlisted, [['/site', 'IO']]);
  });

  it('reports the top unlisted when the stream fails half-way, closing what waited as incomplete', async () => {
    const lister = fakeLister(makeTree(), { failAfter: 1 }); // /site/a/deep came, then the failure
    const got = await collect(walk(lister, { ...OPTS, tops: ['/site'] }));
    assert.equal(lister.calls, 1, 'never re-listed: what it yielded would come twice');
    assert.deepEqual(got.unlisted, [['/site', 'IO']]);
    assert.deepEqual(got.files, ['/site/a/deep/y:3', '/site/a/deep/z:4']);
    assert.deepEqual(got.order, ['/site/a/deep', '/site/a', '/site']);
    assert.ok(got.dirs.every((d) => d.lfn === '/site/a/deep' || d.unlistedBelow));
  });

  it('stops with INTERNAL when a tree lister throws a non-DcError, without retrying (issue 10)', async () => {
    let calls = 0;
    const buggy: Lister = {
      kind: 'buggy',
      async *listDir(): AsyncIterable<DirEntry[]> {},
      async *listTree(): AsyncIterable<TreeItem[]> {
        calls++;
        yield JSON.parse('{');
      },
      async close() {},
    };
    await assert.rejects(collect(walk(buggy, { ...OPTS, tops: ['/site'] })), (err: unknown) => {
      assert.ok(err instanceof DcError && err.code === 'INTERNAL', String(err));
      assert.match(err.message, /bug in the buggy lister: tree listing of \/site threw SyntaxError: .*\(at /);
      return true;
    });
    assert.equal(calls, 1);
  });

  it('reports a missing top as NOT_FOUND without retrying', async () => {
    const lister = fakeLister(makeTree());
    const got = await collect(walk(lister, { ...OPTS, tops: ['/nope', '/site/b'] }));
    assert.equal(lister.calls, 2);
    assert.deepEqual(got.unlisted, [['/nope', 'NOT_FOUND']]);
    assert.deepEqual(got.files, ['/site/b/w:5']);
  });

  it('abandons a stream that makes no progress as TIMEOUT', async () => {
    const got = await collect(walk(fakeLister(makeTree(), { hangAfter: 2 }), { ...OPTS, retries: 0, timeoutMs: 100, tops: ['/site'] }));
    assert.deepEqual(got.unlisted, [['/site', 'TIMEOUT']]);
  });

  it('throws ABORTED when the caller aborts', async () => {
    const ac = new AbortController();
    await assert.rejects(
      (async () => {
        for await (const ev of walk(fakeLister(makeTree(), { hangAfter: 2 }), { ...OPTS, tops: ['/site'], signal: ac.signal })) {
          if (ev.type === 'files') setTimeout(() => ac.abort(), 10);
        }
      })(),
      (err: unknown) => err instanceof DcError && err.code === 'ABORTED',
    );
  });
});
