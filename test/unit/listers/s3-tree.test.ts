/**
 * The S3 tree stream against an in-memory bucket that pages like S3 (sorted keys, StartAfter,
 * continuation tokens), so sharding can be pushed hard and a failure injected at every request —
 * faults the real s3rver cannot produce. The s3rver runs are in test/integration/s3 and
 * test/conformance/s3.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DcError } from '../../../src/core/errors.ts';
import { ListingPace } from '../../../src/core/listing-pace.ts';
import type { TreeItem } from '../../../src/listers/lister.ts';
import { compareKeys, dirKeyPrefix, parseS3Url, skipSubtree, splitPoint } from '../../../src/protocols/s3/s3-keys.ts';
import { streamS3Tree, type FetchS3Page } from '../../../src/listers/s3/s3-tree.ts';

function bucket(keys: string[], pageSize: number, failAt?: number) {
  const sorted = [...keys].sort(compareKeys);
  const stats = { requests: 0, sharded: 0 };
  const fetchPage: FetchS3Page = async (req, signal) => {
    const n = ++stats.requests;
    await new Promise((r) => setImmediate(r));
    if (signal.aborted) throw new DcError('ABORTED', 'aborted');
    if (failAt !== undefined && n === failAt) throw new Error('injected 503 SlowDown');
    if (req.startAfter !== undefined) stats.sharded++;
    const after = req.token ?? req.startAfter;
    const page = sorted.filter((k) => k.startsWith(req.prefix) && (after === undefined || compareKeys(k, after) > 0));
    const objs = page.slice(0, pageSize);
    return {
      objects: objs.map((key) => ({ key, size: key.length, mtime: 1000 + key.length })),
      truncated: page.length > pageSize,
      nextToken: page.length > pageSize ? objs[objs.length - 1] : undefined,
    };
  };
  return { fetchPage, stats };
}

async function collect(keys: string[], o: { pageSize: number; shards: number; failAt?: number; prefix?: string; top?: string }) {
  const { fetchPage, stats } = bucket(keys, o.pageSize, o.failAt);
  const items: TreeItem[] = [];
  const stream = streamS3Tree({
    top: o.top ?? '/t',
    prefix: o.prefix ?? 't/',
    fetchPage,
    maxShards: o.shards,
    signal: new AbortController().signal,
    toError: (err) => (err instanceof DcError ? err : new DcError('IO', String(err))),
  });
  for await (const batch of stream) items.push(...batch);
  return { items, stats };
}

/** A tree with wide and deep parts, names around split points, and a file beside a same-named dir. */
function makeKeys(): string[] {
  const keys: string[] = [];
  for (let d = 0; d < 12; d++) for (let f = 0; f < 40; f++) keys.push(`t/store/mc/ds${d}/f${f}.root`);
  for (let f = 0; f < 300; f++) keys.push(`t/store/flat/file-${f}`);
  keys.push('t/a', 't/a b/x', 't/a.txt', 't/a/inner', 't/z~', 't/store/mc/ds1.txt', 't/deep/1/2/3/4/5/leaf', 't/marker/');
  return keys;
}

/** Checks the listTree contract against the keys, allowing only what unlisted directories hide. */
function verify(items: TreeItem[], keys: string[], top = '/t', prefix = 't/') {
  const seen = new Set<string>();
  const unlisted = items.filter((i) => i.type === 'unlisted').map((i) => i.path);
  const hidden = (p: string) => unlisted.some((u) => p === u || p.startsWith(u + '/'));
  const files = new Map<string, number>();
  items.forEach((item, idx) => {
    assert.ok(!seen.has(item.path), `${item.path} comes twice`);
    seen.add(item.path);
    for (const later of items.slice(idx + 1)) assert.ok(!later.path.startsWith(item.path + '/'), `${later.path} after its ancestor ${item.path}`);
    if (item.type === 'dir') for (const e of item.entries) if (!e.isDir) files.set(`${item.path}/${e.name}`, e.size);
  });
  assert.ok(seen.has(top), 'the top comes');
  const wantDirs = new Set<string>([top]);
  for (const k of keys) {
    const rel = k.slice(prefix.length);
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) wantDirs.add(`${top}/${parts.slice(0, i).join('/')}`);
    if (rel.endsWith('/')) continue;
    const path = `${top}/${rel}`;
    if (!hidden(path)) assert.equal(files.get(path), k.length, `file ${path}`);
  }
  for (const d of wantDirs) if (!hidden(d)) assert.ok(seen.has(d), `directory ${d} is missing`);
  for (const f of files.keys()) assert.ok(keys.includes(prefix + f.slice(top.length + 1)), `listed ${f} does not exist`);
  return { unlisted, files };
}

describe('S3 keys', () => {
  it('orders keys by code point, as S3 does (UTF-8 binary order)', () => {
    assert.ok(compareKeys('a\u{FFFD}', 'a\u{1F600}') < 0);
    assert.ok('a\u{FFFD}' > 'a\u{1F600}', 'JavaScript order differs here');
    assert.ok(compareKeys('a/b', 'a.b') > 0);
    assert.equal(compareKeys('x', 'x'), 0);
  });

  it('finds a split point strictly inside a range', () => {
    for (const [lo, hi] of [['store/mc/a', undefined], ['a', 'b'], ['a', 'a0'], ['abc~~', 'abd'], ['日本', undefined], ['a', 'a!']] as const) {
      const m = splitPoint(lo, hi);
      assert.ok(m !== undefined, `${lo}..${hi}`);
      assert.ok(compareKeys(lo, m) < 0 && (hi === undefined || compareKeys(m, hi) < 0), `${lo} < ${m} < ${hi}`);
    }
    assert.equal(splitPoint('a', 'a '), undefined, 'nothing printable fits between a and "a "');
  });

  it('maps URLs and storage paths to key prefixes', () => {
    assert.deepEqual(parseS3Url('s3://bucket/some/prefix/'), { bucket: 'bucket', rootKey: 'some/prefix' });
    assert.equal(dirKeyPrefix(parseS3Url('s3://b/cms'), '/store/mc'), 'cms/store/mc/');
    assert.equal(dirKeyPrefix(parseS3Url('s3://b'), '/store'), 'store/');
    assert.equal(dirKeyPrefix(parseS3Url('s3://b/'), '/'), '');
    assert.throws(() => parseS3Url('http://b/x'), (e: unknown) => e instanceof DcError && e.code === 'CONFIG');
    assert.equal(skipSubtree('p/', 'sub', 'p/sub/x'), 'p/sub/\u{10FFFF}');
    assert.equal(skipSubtree('p/', 'sub', 'p/sub/\u{10FFFF}z'), 'p/sub/\u{10FFFF}z', 'never goes backwards');
  });
});

describe('S3 tree stream', () => {
  it('derives every directory from the keys, post-order, in one flat stream', async () => {
    const keys = makeKeys();
    const { items } = await collect(keys, { pageSize: 1000, shards: 1 });
    const { unlisted, files } = verify(items, keys);
    assert.deepEqual(unlisted, []);
    assert.equal(files.size, keys.filter((k) => !k.endsWith('/')).length);
    const a = items.find((i) => i.path === '/t/a');
    assert.ok(a?.type === 'dir' && a.entries.some((e) => e.name === 'inner'), 'key "a/inner" makes a directory');
    const root = items.find((i) => i.path === '/t');
    assert.ok(root?.type === 'dir' && root.entries.some((e) => e.name === 'a' && !e.isDir), 'object "a" stays a file beside directory a');
    assert.ok(items.some((i) => i.path === '/t/marker' && i.type === 'dir' && i.entries.length === 0), 'a "dir/" marker makes a directory');
  });

  it('splits a large prefix into parallel shards and still lists everything exactly once', async () => {
    const keys = makeKeys();
    for (const [pageSize, shards] of [[7, 4], [13, 8], [50, 2], [3, 16]]) {
      const { items, stats } = await collect(keys, { pageSize, shards });
      assert.ok(stats.sharded > 0, `page ${pageSize}: shards were started`);
      const { unlisted, files } = verify(items, keys);
      assert.deepEqual(unlisted, []);
      assert.equal(files.size, keys.filter((k) => !k.endsWith('/')).length);
    }
  });

  it('reports only the directories a failed page leaves unknown, at every request that can fail', async () => {
    const keys = makeKeys();
    const total = (await collect(keys, { pageSize: 9, shards: 4 })).stats.requests;
    let partial = 0;
    for (let failAt = 2; failAt <= total; failAt++) {
      const { items } = await collect(keys, { pageSize: 9, shards: 4, failAt });
      const { unlisted } = verify(items, keys);
      if (unlisted.length && !unlisted.includes('/t')) partial++;
    }
    assert.ok(partial > 0, `some failures stayed below the top (${partial} of ${total - 1})`);
  });

  it('throws when the very first request fails, and NOT_FOUND for an empty prefix', async () => {
    await assert.rejects(collect(makeKeys(), { pageSize: 10, shards: 4, failAt: 1 }), /injected/);
    await assert.rejects(collect(makeKeys(), { pageSize: 10, shards: 4, prefix: 'nope/', top: '/nope' }), (e: unknown) => e instanceof DcError && e.code === 'NOT_FOUND');
  });
});

describe('S3 tree stream: abort listeners', () => {
  it('carries one abort listener per shard in flight without MaxListenersExceededWarning (the SDK adds one per request)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const keys = makeKeys();
      const { fetchPage } = bucket(keys, 5);
      // Like the SDK: a listener on the request's signal for as long as the request runs.
      const sdkLike: FetchS3Page = async (req, signal) => {
        const onAbort = () => undefined;
        signal.addEventListener('abort', onAbort);
        try {
          await new Promise((r) => setTimeout(r, 2));
          return await fetchPage(req, signal);
        } finally {
          signal.removeEventListener('abort', onAbort);
        }
      };
      const items: TreeItem[] = [];
      for await (const batch of streamS3Tree({ top: '/t', prefix: 't/', fetchPage: sdkLike, maxShards: 32, signal: new AbortController().signal, toError: (e) => new DcError('IO', String(e)) })) items.push(...batch);
      verify(items, keys);
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(warnings.filter((w) => w.includes('MaxListenersExceeded')), []);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('starts shards only while fewer than the pace allows run, and tells the pace of pages the SDK had to retry (issue 13)', async () => {
    const keys = makeKeys();
    const { fetchPage } = bucket(keys, 5);
    let running = 0;
    let most = 0;
    let calls = 0;
    const pace = new ListingPace({ cap: 64, start: 3 });
    const paced: FetchS3Page = async (req, signal) => {
      running++;
      most = Math.max(most, running);
      try {
        const page = await fetchPage(req, signal);
        return { ...page, retried: ++calls % 10 === 0 };
      } finally {
        running--;
      }
    };
    const items: TreeItem[] = [];
    const stream = streamS3Tree({ top: '/t', prefix: 't/', fetchPage: paced, maxShards: 64, pace, signal: new AbortController().signal, toError: (e) => new DcError('IO', String(e)) });
    for await (const batch of stream) items.push(...batch);
    const { unlisted, files } = verify(items, keys);
    assert.deepEqual(unlisted, []);
    assert.equal(files.size, keys.filter((k) => !k.endsWith('/')).length);
    assert.ok(most >= 2 && most <= 3, `${most} shards at once`);
    assert.ok(pace.report().pushbacks > 0);
  });
});
