import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DcError } from '../../../src/core/errors.ts';
import { csvColumns, detectFormat, parseCsvLine, parseWhitespaceLine, splitCsv } from '../../../src/listers/dump/dump-parser.ts';
import { DumpLister } from '../../../src/listers/dump/dump-lister.ts';
import { createDumpLister } from '../../../src/listers/dump/dump-open.ts';
import { siteBackend } from '../../helpers/backend-site.ts';
import { walk, type WalkEvent } from '../../../src/listers/walker.ts';

const isInput = (line: number) => (e: unknown) => e instanceof DcError && e.code === 'INPUT' && (e.detail as { line?: number })?.line === line;

describe('dump line formats', () => {
  it("parses the seed's `lfn size mtime-in-days`, taking fields from the right", () => {
    assert.deepEqual(parseWhitespaceLine('/store/a b/f 1.root 1234 19000.5', 'days', 'd', 1), { path: '/store/a b/f 1.root', size: 1234, mtime: 19000.5 * 86400, isDir: false });
  });

  it('parses find -printf %p %s %T@ with relative paths and directory lines', () => {
    assert.deepEqual(parseWhitespaceLine('./store/x.root 10 1600000000.2500000000', 'find', 'd', 1), { path: '/store/x.root', size: 10, mtime: 1600000000.25, isDir: false });
    assert.deepEqual(parseWhitespaceLine('store/dir/ 4096 1600000000', 'find', 'd', 1), { path: '/store/dir', size: 0, mtime: 1600000000, isDir: true });
    assert.equal(parseWhitespaceLine('   ', 'find', 'd', 1), undefined);
  });

  it('names file and line number in every error', () => {
    assert.throws(() => parseWhitespaceLine('/a/b 12x 1600000000', 'find', 'dump.txt', 7), isInput(7));
    assert.throws(() => parseWhitespaceLine('/a/b 12 yesterday', 'find', 'dump.txt', 8), /dump\.txt:8: mtime/);
    assert.throws(() => parseWhitespaceLine('/only-a-path', 'days', 'dump.txt', 9), /dump\.txt:9/);
    assert.throws(() => parseCsvLine('"open,1,2', csvColumns('path,size,mtime', 'c', 1), 'c.csv', 3), isInput(3));
  });

  it('reads CSV by header names, with quotes, day columns, types and unquoted commas in names', () => {
    const cols = csvColumns('Size,LFN,mtime_days,type', 'c', 1);
    assert.deepEqual(parseCsvLine('5,"/a/""q"",x.root",2,f', cols, 'c', 2), { path: '/a/"q",x.root', size: 5, mtime: 2 * 86400, isDir: false });
    assert.deepEqual(parseCsvLine('0,/a/dir,3,d', cols, 'c', 3), { path: '/a/dir', size: 0, mtime: 3 * 86400, isDir: true });
    assert.deepEqual(parseCsvLine('7,/a/b,c.root,1,f', cols, 'c', 4)?.path, '/a/b,c.root');
    assert.deepEqual(splitCsv('a,"",c', 'c', 1), ['a', '', 'c']);
    assert.throws(() => csvColumns('name,colour', 'c.csv', 1), isInput(1));
    assert.throws(() => parseCsvLine('1,/a,2,x', cols, 'c.csv', 5), /type "x"/);
  });

  it('tells the formats apart from the first line', () => {
    assert.equal(detectFormat('/store/a 10 19500', 'd', 1), 'days');
    assert.equal(detectFormat('/store/a 10 1690000000.5', 'd', 1), 'find');
    assert.equal(detectFormat('path,size,mtime', 'd', 1), 'csv');
    assert.equal(detectFormat('/store/a,b 10 1690000000', 'd', 1), 'find', 'a comma in a path is not a CSV header');
  });
});

describe('dump lister', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dc-dump-test-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const collect = async (lister: DumpLister, top: string) => {
    const out = { files: new Map<string, number>(), dirs: new Map<string, number>(), unlisted: [] as Extract<WalkEvent, { type: 'unlisted' }>[] };
    for await (const ev of walk(lister, { tops: [top], concurrency: 2, retries: 0, timeoutMs: 10_000 })) {
      if (ev.type === 'files') for (const f of ev.files) out.files.set(f.lfn, f.size);
      else if (ev.type === 'dir') out.dirs.set(ev.dir.lfn, ev.dir.files);
      else out.unlisted.push(ev);
    }
    return out;
  };

  it('lists an unsorted gzip dump as a tree, directories derived and find directory lines folded in', async () => {
    const lines = ['/site/store/b/z.root 3 1600000300', '/site/store 4096 1600000000', '/site/store/a.txt 1 1600000100', '/site/store/a/x.root 2 1600000200', '/site/other/o 9 1600000000', '/site/store/a 4096 1600000050'];
    const file = join(dir, 'unsorted.gz');
    await writeFile(file, gzipSync(lines.join('\n') + '\n'));
    const lister = (await createDumpLister(siteBackend({ Url: `dump://${file}`, NumThreads: 2, Timeout: 5 }))) as DumpLister;
    try {
      const got = await collect(lister, '/site/store');
      assert.deepEqual([...got.files.keys()].sort(), ['/site/store/a.txt', '/site/store/a/x.root', '/site/store/b/z.root']);
      assert.equal(got.dirs.get('/site/store'), 3);
      assert.equal(got.dirs.get('/site/store/a'), 1, '"a 4096" is the directory a, not a file');
      const entries = [];
      for await (const b of lister.listDir('/site/store', new AbortController().signal)) entries.push(...b);
      assert.deepEqual(entries.map((e) => `${e.name}${e.isDir ? '/' : ''}:${e.mtime}`).sort(), ['a.txt:1600000100', 'a/:1600000050', 'b/:1600000300']);
      const missing = await collect(lister, '/site/nope');
      assert.deepEqual(missing.unlisted.map((u) => u.code), ['NOT_FOUND']);
    } finally {
      await lister.close();
    }
  });

  it('reports a bad line with its number, and the top as unlisted', async () => {
    const file = join(dir, 'bad.txt');
    await writeFile(file, '/s/a 1 19000\n/s/b 2 19000\n/s/c three 19000\n');
    const lister = (await createDumpLister(siteBackend({ Url: 'root://x/', NumThreads: 1, Timeout: 5, DumpPath: file, DumpFormat: 'days' }))) as DumpLister;
    try {
      const got = await collect(lister, '/s');
      assert.equal(got.unlisted.length, 1);
      assert.equal(got.unlisted[0].code, 'INPUT');
      assert.match(got.unlisted[0].message, /bad\.txt:3: size "three"/);
      assert.equal(got.files.size, 0);
    } finally {
      await lister.close();
    }
  });

  it('refuses a dump older than MaxDumpAge', async () => {
    const file = join(dir, 'old.txt');
    await writeFile(file, '/s/a 1 1600000000\n');
    const threeDaysAgo = Date.now() / 1000 - 3 * 86400;
    await utimes(file, threeDaysAgo, threeDaysAgo);
    const stale = (await createDumpLister(siteBackend({ Url: `dump://${file}`, NumThreads: 1, Timeout: 5, MaxDumpAge: 2 }))) as DumpLister;
    const fresh = (await createDumpLister(siteBackend({ Url: `dump://${file}`, NumThreads: 1, Timeout: 5, MaxDumpAge: 4 }))) as DumpLister;
    try {
      const got = await collect(stale, '/s');
      assert.deepEqual(got.unlisted.map((u) => u.code), ['INPUT']);
      assert.match(got.unlisted[0].message, /3\.0 days old, more than MaxDumpAge 2/);
      assert.equal((await collect(fresh, '/s')).files.size, 1);
    } finally {
      await stale.close();
      await fresh.close();
    }
  });

  it('rejects a duplicated path and bad settings', async () => {
    const file = join(dir, 'dup.txt');
    await writeFile(file, '/s/a 1 1600000000\n/s/a 1 1600000000\n');
    const lister = (await createDumpLister(siteBackend({ Url: `dump://${file}`, NumThreads: 1, Timeout: 5 }))) as DumpLister;
    try {
      const got = await collect(lister, '/s');
      assert.deepEqual(got.unlisted.map((u) => u.code), ['INPUT']);
      assert.match(got.unlisted[0].message, /listed twice/);
    } finally {
      await lister.close();
    }
    await assert.rejects(async () => createDumpLister(siteBackend({ Url: 'root://x/', NumThreads: 1, Timeout: 5 })), /DumpPath/);
    assert.throws(() => createDumpLister(siteBackend({ Url: `dump://${file}`, NumThreads: 1, Timeout: 5, DumpFormat: 'xml' })), /DumpFormat/);
  });
});

describe('dump lister on a large dump', () => {
  it('keeps the walk alive while it sorts: a Timeout shorter than the sort is no failure (issue 15)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dc-dump-slow-'));
    try {
      // A sort that takes 2.5 s, as GNU sort does on a dump of millions of lines.
      const bin = join(dir, 'bin');
      await mkdir(bin);
      await writeFile(join(bin, 'sort'), '#!/bin/sh\nsleep 2.5\nexec /usr/bin/sort "$@"\n', { mode: 0o755 });
      const file = join(dir, 'dump.tsv');
      await writeFile(file, '/s/d1/f1 1 19000\n/s/d2/f2 2 19000\n/s/f3 3 19000\n');
      const lister = new DumpLister({ file, heartbeatMs: 100, env: { PATH: `${bin}:/usr/bin:/bin` } });
      try {
        let files = 0;
        const unlisted: string[] = [];
        const t0 = Date.now();
        for await (const ev of walk(lister, { tops: ['/s'], concurrency: 1, retries: 0, timeoutMs: 1000 })) {
          if (ev.type === 'files') files += ev.files.length;
          if (ev.type === 'unlisted') unlisted.push(ev.message);
        }
        assert.deepEqual(unlisted, []);
        assert.equal(files, 3);
        assert.ok(Date.now() - t0 >= 2500, 'the sort outlasted the Timeout');
      } finally {
        await lister.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
