import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLister } from '../../../src/listers/registry.ts';
import { siteBackend } from '../../helpers/backend-site.ts';
import { walk, type WalkEvent } from '../../../src/listers/walker.ts';
import { XrdfsLister } from '../../../src/listers/xrdfs/xrdfs-lister.ts';
import { requireBinary, startXrootd, type XrootdServer } from '../../servers/xrootd-server.ts';
import { codeOf } from '../../helpers/error-code.ts';

const AWKWARD = ['with space', 'hash#name', 'pct%20name', 'ünïcødé', "it's", 'say "hi"', `both'"quotes`, 'x'.repeat(200), '-dash', 'a  two  spaces'];

/** Builds /store with awkward names, empty directories and zero-byte files; returns what is on disk. */
function buildTree(root: string): void {
  const store = join(root, 'store');
  mkdirSync(join(store, 'empty', 'deeper-empty'), { recursive: true });
  for (const [i, name] of AWKWARD.entries()) {
    const dir = join(store, 'mc', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.root`), 'x'.repeat(i * 37));
    writeFileSync(join(dir, 'zero'), '');
  }
  writeFileSync(join(store, 'mc', 'top file.root'), 'abc');
  // An old mtime makes sure times are read as UTC, not local time.
  utimesSync(join(store, 'mc', 'top file.root'), 1_000_000_000, 1_000_000_000);
}

interface Listing {
  files: Map<string, { size: number; mtime: number }>;
  dirs: Set<string>;
}

function diskListing(root: string, lfn: string): Listing {
  const out: Listing = { files: new Map(), dirs: new Set([lfn]) };
  (function scan(rel: string) {
    for (const name of readdirSync(join(root, rel))) {
      const childLfn = `${rel}/${name}`;
      const st = statSync(join(root, childLfn));
      if (st.isDirectory()) {
        out.dirs.add(childLfn);
        scan(childLfn);
      } else out.files.set(childLfn, { size: st.size, mtime: Math.floor(st.mtimeMs / 1000) });
    }
  })(lfn);
  return out;
}

async function walkAll(lister: XrdfsLister, tops: string[], concurrency = 3): Promise<{ listing: Listing; unlisted: Extract<WalkEvent, { type: 'unlisted' }>[] }> {
  const listing: Listing = { files: new Map(), dirs: new Set() };
  const unlisted: Extract<WalkEvent, { type: 'unlisted' }>[] = [];
  for await (const ev of walk(lister, { tops, concurrency, retries: 1, timeoutMs: 10_000, retryDelayMs: 10 })) {
    if (ev.type === 'files') for (const f of ev.files) listing.files.set(f.lfn, { size: f.size, mtime: f.mtime });
    else if (ev.type === 'dir') listing.dirs.add(ev.dir.lfn);
    else unlisted.push(ev);
  }
  return { listing, unlisted };
}

async function collect(it: AsyncIterable<{ name: string }[]>): Promise<string[]> {
  const names: string[] = [];
  for await (const b of it) for (const e of b) names.push(e.name);
  return names.sort();
}

describe('xrdfs CLI lister (AccessMethod directx) against a real xrootd', () => {
  let srv: XrootdServer;
  let lister: XrdfsLister;
  const signal = new AbortController().signal;

  before(async () => {
    requireBinary('xrdfs');
    srv = await startXrootd();
    buildTree(srv.dataDir);
    lister = new XrdfsLister({ env: process.env, url: `root://127.0.0.1:${srv.port}`, command: [...srv.netns.prefix, 'xrdfs'], concurrency: 3, timeoutMs: 10_000 });
  });
  after(async () => {
    await lister?.close();
    await srv?.stop();
  });

  it('lists exactly what is on disk: awkward names, empty directories, zero-byte files, UTC times', async () => {
    const { listing, unlisted } = await walkAll(lister, ['/store/mc', '/store/empty']);
    // The directory holding both quote kinds cannot be named on xrdfs's command line (checked below).
    assert.deepEqual(unlisted.map((u) => [u.lfn, u.code]), [[`/store/mc/both'"quotes`, 'UNSUPPORTED']]);
    const disk = diskListing(srv.dataDir, '/store/mc');
    for (const d of diskListing(srv.dataDir, '/store/empty').dirs) disk.dirs.add(d);
    for (const lfn of [...disk.files.keys()]) if (lfn.startsWith(`/store/mc/both'"quotes/`)) disk.files.delete(lfn);
    assert.deepEqual([...listing.files.entries()].sort(), [...disk.files.entries()].sort());
    assert.deepEqual([...listing.dirs].sort(), [...disk.dirs].sort());
    assert.equal(listing.files.get('/store/mc/top file.root')?.mtime, 1_000_000_000);
    assert.equal(listing.files.get('/store/mc/with space/zero')?.size, 0);
  });

  it('lists a directory whose name holds a single or a double quote', async () => {
    assert.deepEqual(await collect(lister.listDir("/store/mc/it's", signal)), ["it's.root", 'zero']);
    mkdirSync(join(srv.dataDir, 'store', 'dq"only'), { recursive: true });
    writeFileSync(join(srv.dataDir, 'store', 'dq"only', 'f'), '');
    assert.deepEqual(await collect(lister.listDir('/store/dq"only', signal)), ['f']);
  });

  it('lists a name that is not UTF-8 by its bytes, and refuses to list a directory so named (issue 11 §2)', async () => {
    const dir = Buffer.from(join(srv.dataDir, 'store', 'bytes\xe9'), 'latin1');
    mkdirSync(dir, { recursive: true });
    writeFileSync(Buffer.concat([dir, Buffer.from('/bad\xff\xfe.root', 'latin1')]), 'x');
    assert.ok((await collect(lister.listDir('/store', signal))).includes('bytes\udce9'), 'a name that is not UTF-8 is listed by its bytes');
    // xrdfs's command line drops such a byte: the directory cannot be asked for, and says so.
    assert.equal(await codeOf(collect(lister.listDir('/store/bytes\udce9', signal))), 'UNSUPPORTED');
  });

  it('refuses a directory holding a 255-byte name, which the server cuts to 254 bytes (issue 16, drill D5)', async () => {
    const dir = join(srv.dataDir, 'store', 'long');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'L'.repeat(251) + '.txt'), 'x');
    const real254 = join(srv.dataDir, 'store', 'long254');
    mkdirSync(real254, { recursive: true });
    writeFileSync(join(real254, 'M'.repeat(250) + '.txt'), 'x');
    assert.equal(await codeOf(collect(lister.listDir('/store/long', signal))), 'UNSUPPORTED');
    assert.deepEqual(await collect(lister.listDir('/store/long254', signal)), ['M'.repeat(250) + '.txt'], 'a real 254-byte name is listed');
  });

  it('reads a 10 000-entry directory of multi-byte names split across many pipe chunks', async () => {
    const big = join(srv.dataDir, 'store', 'big');
    mkdirSync(big, { recursive: true });
    const expected: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const name = `ünï ${i} ✓.root`;
      writeFileSync(join(big, name), '');
      expected.push(name);
    }
    const batches: number[] = [];
    const names: string[] = [];
    for await (const b of lister.listDir('/store/big', signal)) {
      batches.push(b.length);
      for (const e of b) names.push(e.name);
    }
    assert.deepEqual(names.sort(), expected.sort());
    assert.ok(batches.every((n) => n <= 1000), 'yielded in bounded batches');
  });

  it('gives NOT_FOUND for a missing directory and for a file listed as a directory', async () => {
    assert.equal(await codeOf(collect(lister.listDir('/store/nope', signal))), 'NOT_FOUND');
    assert.equal(await codeOf(collect(lister.listDir('/store/mc/top file.root', signal))), 'NOT_FOUND');
  });

  it('fails a permission-denied directory with PERMISSION, and the walk reports only it unlisted', async () => {
    const locked = join(srv.dataDir, 'store', 'perm', 'locked');
    mkdirSync(locked, { recursive: true });
    writeFileSync(join(locked, 'hidden.root'), 'x');
    mkdirSync(join(srv.dataDir, 'store', 'perm', 'open'));
    writeFileSync(join(srv.dataDir, 'store', 'perm', 'open', 'seen.root'), 'y');
    chmodSync(locked, 0);
    try {
      assert.equal(await codeOf(collect(lister.listDir('/store/perm/locked', signal))), 'PERMISSION');
      const { listing, unlisted } = await walkAll(lister, ['/store/perm']);
      assert.deepEqual(unlisted.map((u) => [u.lfn, u.code]), [['/store/perm/locked', 'PERMISSION']]);
      assert.deepEqual([...listing.files.keys()], ['/store/perm/open/seen.root']);
    } finally {
      chmodSync(locked, 0o755);
    }
  });

  it('stats files and directories', async () => {
    const f = await lister.stat('/store/mc/top file.root', signal);
    assert.deepEqual(f, { name: 'top file.root', isDir: false, size: 3, mtime: 1_000_000_000 });
    assert.equal((await lister.stat('/store/empty', signal)).isDir, true);
    assert.equal(await codeOf(lister.stat('/store/nope', signal)), 'NOT_FOUND');
  });

  it('applies the base path of the site Url', async () => {
    const based = new XrdfsLister({ env: process.env, url: `root://127.0.0.1:${srv.port}//store/mc/`, command: [...srv.netns.prefix, 'xrdfs'], concurrency: 1, timeoutMs: 10_000 });
    try {
      assert.deepEqual(await collect(based.listDir('/with space', signal)), ['with space.root', 'zero']);
    } finally {
      await based.close();
    }
  });

  it('is chosen by AccessMethod directx, with XrdfsCommand as the command prefix', async () => {
    const viaRegistry = await createLister(
      siteBackend({ Url: `root://127.0.0.1:${srv.port}/`, NumThreads: 2, Timeout: 10, AccessMethod: 'directx', XrdfsCommand: [...srv.netns.prefix, 'xrdfs'].join(' ') }, process.env),
    );
    try {
      assert.equal(viaRegistry.kind, 'xrdfs');
      assert.deepEqual(await collect(viaRegistry.listDir('/store/empty', signal)), ['deeper-empty']);
    } finally {
      await viaRegistry.close();
    }
  });

  it('fails fast while the server is down and recovers with a fresh xrdfs once it is back', async () => {
    const own = new XrdfsLister({ env: process.env, url: `root://127.0.0.1:${srv.port}`, command: [...srv.netns.prefix, 'xrdfs'], concurrency: 1, timeoutMs: 20_000 });
    try {
      assert.deepEqual(await collect(own.listDir('/store/empty', signal)), ['deeper-empty']);
      await srv.kill();
      const t0 = Date.now();
      assert.equal(await codeOf(collect(own.listDir('/store/empty', signal))), 'IO');
      assert.ok(Date.now() - t0 < 15_000, `dead server answered in ${Date.now() - t0} ms`);
      await srv.restart();
      let names: string[] = [];
      // The old connection may need one more failure to notice the restart; the walker retries the same way.
      for (let i = 0; i < 5 && names.length === 0; i++) names = await collect(own.listDir('/store/empty', signal)).catch(() => []);
      assert.deepEqual(names, ['deeper-empty']);
    } finally {
      await own.close();
    }
  });
});
