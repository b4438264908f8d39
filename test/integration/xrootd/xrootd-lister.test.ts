/**
 * The native XRootD lister against a real xrootd 5.5 server (issue 3), started in its own network
 * namespace by test/servers/xrootd-server.ts. The server runs as user `xrootd`, so a chmod 000
 * directory is a real refusal.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DcError } from '../../../src/core/errors.ts';
import { XrootdLister } from '../../../src/listers/xrootd/xrootd-lister.ts';
import { createLister } from '../../../src/listers/registry.ts';
import { siteBackend } from '../../helpers/backend-site.ts';
import { walk, type WalkEvent } from '../../../src/listers/walker.ts';
import { startXrootd, type XrootdServer } from '../../servers/xrootd-server.ts';

const AWKWARD = ['with space', 'hash#mark', 'per%20cent', 'ünïcødé-名前', 'new\nline', 'quest?ion&amp', 'semi;colon', "quo'te\"s", ' lead', 'trail ', '-dash', 'tab\there'];
const BIG = 100_000;

interface Want {
  files: Map<string, { size: number; mtime: number }>;
  dirs: Map<string, number>;
}

/** What is on disk below `root`, as LFNs relative to it, skipping the locked directory's content. */
function onDisk(root: string, skip: string): Want {
  const want: Want = { files: new Map(), dirs: new Map() };
  const visit = (rel: string) => {
    for (const name of readdirSync(root + rel)) {
      const r = `${rel}/${name}`;
      const st = statSync(root + r);
      if (st.isDirectory()) {
        want.dirs.set(r, Math.floor(st.mtimeMs / 1000));
        if (r !== skip) visit(r);
      } else want.files.set(r, { size: st.size, mtime: Math.floor(st.mtimeMs / 1000) });
    }
  };
  visit('');
  return want;
}

async function collect(events: AsyncIterable<WalkEvent>) {
  const files = new Map<string, { size: number; mtime: number }>();
  const dirs = new Map<string, number>();
  const unlisted: { lfn: string; code: string }[] = [];
  for await (const ev of events) {
    if (ev.type === 'files') for (const f of ev.files) files.set(f.lfn, { size: f.size, mtime: f.mtime });
    else if (ev.type === 'dir') dirs.set(ev.dir.lfn, ev.dir.mtime);
    else unlisted.push({ lfn: ev.lfn, code: ev.code });
  }
  return { files, dirs, unlisted };
}

const prefixed = <V>(m: Map<string, V>, p: string) => new Map([...m].map(([k, v]) => [p + k, v]));

describe('xrootd lister against a real xrootd server', () => {
  let dataDir = '';
  let server: XrootdServer;
  let lister: XrootdLister;

  before(async () => {
    dataDir = mkdtempSync('/tmp/dctest-xrdlister-');
    chmodSync(dataDir, 0o755);
    const t = join(dataDir, 'tree');
    for (const d of ['a/b/c', 'a/empty', 'names', 'zero', 'locked/inner', 'deep/1/2/3/4/5/6']) mkdirSync(join(t, d), { recursive: true });
    for (const n of AWKWARD) writeFileSync(join(t, 'names', n), n);
    mkdirSync(join(t, 'names', 'dir with space#%'));
    writeFileSync(join(t, 'names', 'dir with space#%', 'inside'), 'x'.repeat(1000));
    for (let i = 0; i < 20; i++) writeFileSync(join(t, 'a/b/c', `f${i}.root`), Buffer.alloc(i * 100));
    writeFileSync(join(t, 'zero', 'empty-file'), '');
    writeFileSync(join(t, 'locked', 'inner', 'secret'), 's');
    writeFileSync(join(t, 'deep/1/2/3/4/5/6', 'bottom'), 'b');
    const big = join(dataDir, 'big');
    mkdirSync(big);
    for (let i = 0; i < BIG; i++) closeSync(openSync(join(big, `file-${String(i).padStart(6, '0')}.root`), 'w'));
    mkdirSync(join(big, 'sub'));
    chmodSync(join(t, 'locked'), 0o000);
    server = await startXrootd({ dataDir });
    lister = new XrootdLister(server.url, { requestTimeoutMs: 20_000 });
  });

  after(async () => {
    await lister?.close();
    await server?.stop();
    if (dataDir) {
      chmodSync(join(dataDir, 'tree', 'locked'), 0o755);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('walks to exactly what is on disk; the forbidden directory is unlisted, the rest completes', async () => {
    const want = onDisk(join(dataDir, 'tree'), '/locked');
    const got = await collect(walk(lister, { tops: ['/tree'], concurrency: 8, retries: 1, timeoutMs: 20_000, retryDelayMs: 10 }));
    assert.deepEqual([...got.files.keys()].sort(), [...prefixed(want.files, '/tree').keys()].sort(), 'file names');
    assert.deepEqual(Object.fromEntries(got.files), Object.fromEntries(prefixed(want.files, '/tree')), 'sizes and mtimes');
    const gotDirs = new Map([...got.dirs].filter(([k]) => k !== '/tree'));
    assert.deepEqual(Object.fromEntries(gotDirs), Object.fromEntries(prefixed(want.dirs, '/tree')), 'directories and their mtimes');
    assert.deepEqual(got.unlisted, [{ lfn: '/tree/locked', code: 'PERMISSION' }]);
    assert.ok(got.files.has('/tree/names/new\nline'), 'a name holding a newline survives');
    assert.equal(got.files.get('/tree/zero/empty-file')?.size, 0);
    assert.ok(got.dirs.has('/tree/a/empty'));
  });

  it(`lists a directory of ${BIG} entries completely, in several batches`, async () => {
    let batches = 0;
    const names = new Set<string>();
    let dirs = 0;
    for await (const batch of lister.listDir('/big', new AbortController().signal)) {
      batches++;
      for (const e of batch) {
        names.add(e.name);
        if (e.isDir) dirs++;
      }
    }
    assert.equal(names.size, BIG + 1);
    assert.equal(dirs, 1);
    assert.ok(names.has('file-099999.root'));
    assert.ok(batches > 1, `streamed in ${batches} batch(es)`);
  });

  it('reports a missing path as NOT_FOUND, keeping the server error', async () => {
    const drain = async () => {
      for await (const _ of lister.listDir('/tree/does-not-exist', new AbortController().signal));
    };
    await assert.rejects(drain(), (e: unknown) => e instanceof DcError && e.code === 'NOT_FOUND' && e.detail?.xrootdErrno === 3011);
    await assert.rejects(lister.stat('/tree/nope', new AbortController().signal), (e: unknown) => e instanceof DcError && e.code === 'NOT_FOUND');
    const st = await lister.stat('/tree/a/b/c/f3.root', new AbortController().signal);
    assert.deepEqual({ size: st.size, isDir: st.isDir }, { size: 300, isDir: false });
  });

  it('is what the registry builds for root:// URLs', async () => {
    const l = await createLister(siteBackend({ Url: server.url + '/', NumThreads: 4, Timeout: 10 }));
    try {
      assert.equal(l.kind, 'xrootd');
      const names: string[] = [];
      for await (const b of l.listDir('/tree/zero', new AbortController().signal)) names.push(...b.map((e) => e.name));
      assert.deepEqual(names, ['empty-file']);
    } finally {
      await l.close();
    }
  });

  it('killing the server mid-crawl gives unlisted directories, no crash and no partial directory', async () => {
    const victim = new XrootdLister(server.url, { requestTimeoutMs: 3_000, connectTimeoutMs: 1_000, dropRetries: 1 });
    const want = onDisk(join(dataDir, 'tree'), '/locked');
    let killed = false;
    const got = { files: new Map<string, number>(), unlisted: [] as string[], listedDirs: new Set<string>() };
    try {
      for await (const ev of walk(victim, { tops: ['/tree', '/big'], concurrency: 2, retries: 1, timeoutMs: 5_000, retryDelayMs: 10 })) {
        if (ev.type === 'files') {
          for (const f of ev.files) got.files.set(f.lfn, f.size);
          got.listedDirs.add(ev.dir);
          if (!killed) {
            killed = true;
            await server.kill();
          }
        } else if (ev.type === 'unlisted') got.unlisted.push(ev.lfn);
      }
    } finally {
      await victim.close();
      await server.restart();
    }
    assert.ok(killed);
    assert.ok(got.unlisted.length > 0, 'some directories are unlisted');
    // Every directory that reported files reported all of them: nothing half-listed.
    for (const dir of got.listedDirs) {
      if (dir === '/big') continue;
      const rel = dir.slice('/tree'.length);
      const expected = [...want.files.keys()].filter((k) => k.slice(0, k.lastIndexOf('/')) === rel);
      const seen = [...got.files.keys()].filter((k) => k.slice(0, k.lastIndexOf('/')) === dir);
      assert.equal(seen.length, expected.length, `files of ${dir}`);
    }
  });
});
