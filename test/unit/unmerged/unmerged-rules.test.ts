import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { isRemovableDir, judgeFile, leavesFirst, ProtectedLfns, topmost, type FileRules } from '../../../src/unmerged/unmerged-rules.ts';
import { parseProtectedList } from '../../../src/unmerged/unmerged-protected-list.ts';
import { unmergedSettings } from '../../../src/unmerged/unmerged-settings.ts';
import { scanUnmerged } from '../../../src/unmerged/unmerged-scan.ts';
import { ProtectedDbWriter } from '../../../src/unmerged/unmerged-protected-db.ts';
import { MemoryLister } from '../../helpers/memory-site.ts';
import { testSite } from '../../helpers/check-harness.ts';

const NOW = 1_800_000_000;
const DAY = 86400;
const U = '/store/unmerged';

function rules(protectedLfns: string[], over: Partial<FileRules> = {}): FileRules {
  return { protectedLfns: new ProtectedLfns(protectedLfns), avoid: [`${U}/logs`, `${U}/data`], logDirs: [`${U}/logs`], cut: NOW - 28 * DAY, logCut: NOW - 60 * DAY, ...over };
}

describe('protected LFNs (issue 15 point 2)', () => {
  const p = new ProtectedLfns([`${U}/Era/Prim/protected`, `${U}/Other/kept/`, '/', 'not-an-lfn']);

  it('covers a protected directory, everything below it, and its ancestors', () => {
    assert.equal(p.covers(`${U}/Era/Prim/protected`), true);
    assert.equal(p.covers(`${U}/Era/Prim/protected/0000/f.root`), true);
    assert.equal(p.covers(`${U}/Era/Prim`), true);
    assert.equal(p.covers(`${U}/Era`), true);
    assert.equal(p.covers(U), true);
    assert.equal(p.covers(`${U}/Other/kept`), true, 'a trailing slash in the list is ignored');
  });

  it('is a plain string prefix, as the original: /a/protected2 is covered by /a/protected', () => {
    assert.equal(p.covers(`${U}/Era/Prim/protected2`), true);
    assert.equal(p.covers(`${U}/Era/Prim/protected2/x.root`), true);
    assert.equal(p.covers(`${U}/Other/kept_v2/x.root`), true);
  });

  it('does not cover siblings, a shorter name, or other trees', () => {
    assert.equal(p.covers(`${U}/Era/Prim/prot`), false, 'a string prefix of a protected LFN is not its ancestor');
    assert.equal(p.covers(`${U}/Era/Prim/other/x.root`), false);
    assert.equal(p.covers(`${U}/Era2`), false);
    assert.equal(p.covers('/store/mc'), false);
  });

  it('ignores "/" and entries that are not absolute LFNs', () => {
    assert.equal(p.size, 2);
    assert.deepEqual(p.collect(), [`${U}/Era/Prim/protected`, `${U}/Other/kept`]);
  });
});

describe('judging an unmerged file (points 4 and 5)', () => {
  const r = rules([`${U}/Prot`]);
  const old = NOW - 40 * DAY;

  it('deletes an old, unprotected file outside DIRS_TO_AVOID', () => {
    assert.equal(judgeFile(`${U}/Era/x.root`, old, r), 'delete');
  });

  it('keeps a file younger than MIN_AGE, a protected one and one in DIRS_TO_AVOID', () => {
    assert.equal(judgeFile(`${U}/Era/x.root`, NOW - 27 * DAY, r), 'young');
    assert.equal(judgeFile(`${U}/Prot/x.root`, old, r), 'protected');
    assert.equal(judgeFile(`${U}/data/x.root`, old, r), 'avoided');
    assert.equal(judgeFile(`${U}/database/x.root`, old, r), 'delete', 'DIRS_TO_AVOID entries are directories, not prefixes');
  });

  it('judges logs by UnmergedLogsAge, not MIN_AGE, and protection still wins', () => {
    assert.equal(judgeFile(`${U}/logs/prod/a.tar.gz`, NOW - 61 * DAY, r), 'log');
    assert.equal(judgeFile(`${U}/logs/prod/a.tar.gz`, NOW - 40 * DAY, r), 'young-log');
    assert.equal(judgeFile(`${U}/logs/prod/a.tar.gz`, NOW - 61 * DAY, rules([`${U}/logs/prod`])), 'protected');
  });
});

describe('removing unmerged directories (point 6)', () => {
  const r = rules([`${U}/Prot/x`]);
  const old = NOW - 40 * DAY;
  const dir = (lfn: string, over: Partial<{ mtime: number; survivors: number; blocked: boolean }> = {}) => ({ lfn, mtime: old, survivors: 0, blocked: false, ...over });

  it('removes an old directory with nothing left below it', () => {
    assert.equal(isRemovableDir(dir(`${U}/Era/a`), U, r), true);
  });

  it('never removes the area itself, a young, protected, avoided, non-empty or partly listed directory', () => {
    assert.equal(isRemovableDir(dir(U), U, r), false);
    assert.equal(isRemovableDir(dir(`${U}/Era/a`, { mtime: NOW - DAY }), U, r), false);
    assert.equal(isRemovableDir(dir(`${U}/Prot`), U, r), false, 'an ancestor of a protected LFN');
    assert.equal(isRemovableDir(dir(`${U}/data/old`), U, r), false);
    assert.equal(isRemovableDir(dir(`${U}/logs/old`), U, r), false);
    assert.equal(isRemovableDir(dir(`${U}/Era/a`, { survivors: 1 }), U, r), false);
    assert.equal(isRemovableDir(dir(`${U}/Era/a`, { blocked: true }), U, r), false);
    assert.equal(isRemovableDir(dir('/store/mc/a'), U, r), false, 'outside the area');
  });

  it('orders leaves first and finds the topmost directories', () => {
    assert.deepEqual(leavesFirst(['/a', '/a/b/c', '/a/b', '/z']), ['/a/b/c', '/a/b', '/a', '/z']);
    assert.deepEqual(topmost(['/a/b/c', '/a/b', '/x/y', '/x/yz']), ['/a/b', '/x/y', '/x/yz']);
  });
});

describe('unmerged settings (ListDeletable)', () => {
  it('defaults to the seed: /store/unmerged, files, _unmerged.txt, 28 days, logs tier0_harvest express data', () => {
    const s = unmergedSettings(testSite({ name: 'T2_X', PathPrefix: '/cms' }));
    assert.deepEqual(s.area, { lfn: U, storage: `/cms${U}` });
    assert.equal(s.whichList, 'files');
    assert.equal(s.deletionFile, 'T2_X_unmerged.txt');
    assert.equal(s.minAgeSeconds, 28 * DAY);
    assert.deepEqual(s.avoid, ['logs', 'tier0_harvest', 'express', 'data'].map((d) => `${U}/${d}`));
    assert.deepEqual(s.logDirs, [{ lfn: `${U}/logs`, storage: `/cms${U}/logs` }]);
  });

  it('AlternateRoot replaces RootPath on the storage for that site only, PathPrefix included', () => {
    const ld = { AlternateRoot: { T2_B: '/other/store' }, DELETION_FILE: '.del' };
    const b = unmergedSettings(testSite({ name: 'T2_B', PathPrefix: '/cms', ListDeletable: ld, AdditionalLogDeletions: ['logs/prod'] }), { moreLogs: true });
    assert.deepEqual(b.area, { lfn: U, storage: '/other/store/unmerged' });
    assert.equal(b.storagePathOf(`${U}/a/b.root`), '/other/store/unmerged/a/b.root');
    assert.deepEqual(b.logDirs[1], { lfn: '/store/logs/prod', storage: '/other/store/logs/prod' });
    assert.equal(b.deletionFile, 'T2_B.del');
    const c = unmergedSettings(testSite({ name: 'T2_C', ListDeletable: ld }));
    assert.equal(c.area.storage, U);
  });

  it('names files by LFN_TO_CLEAN when the listed location differs', () => {
    const s = unmergedSettings(testSite({ name: 'T2_X', ListDeletable: { UNMERGED_DIR_LOCATION: '/store/unmerged_disk', LFN_TO_CLEAN: U } }));
    assert.deepEqual(s.area, { lfn: U, storage: '/store/unmerged_disk' });
  });

  it('adds AdditionalLogDeletions only with --more-logs', () => {
    const site = testSite({ name: 'T2_X', AdditionalLogDeletions: ['logs/prod/recent'] });
    assert.equal(unmergedSettings(site).logDirs.length, 1);
    assert.deepEqual(unmergedSettings(site, { moreLogs: true }).logDirs[1], { lfn: '/store/logs/prod/recent', storage: '/store/logs/prod/recent' });
  });
});

describe('the protected list format', () => {
  it('reads the workload service\'s {"result": [...]} and a plain JSON list', () => {
    assert.deepEqual(parseProtectedList('{"result": ["/store/unmerged/a", "/store/unmerged/b"]}', 'x'), ['/store/unmerged/a', '/store/unmerged/b']);
    assert.deepEqual(parseProtectedList('["/store/unmerged/a"]', 'x'), ['/store/unmerged/a']);
  });

  it('refuses anything else, naming where it came from', () => {
    assert.throws(() => parseProtectedList('<html>', 'https://h/p'), /https:\/\/h\/p: the protected list is not JSON/);
    assert.throws(() => parseProtectedList('{"data": []}', 'f.json'), /f\.json: .*neither/);
    assert.throws(() => parseProtectedList('[1]', 'f.json'), /entry 0 .*not an LFN/);
  });
});

describe('scanning the unmerged area (memory lister)', () => {
  it('lists the deletion list, keeps the rest, never lists ignored directories nor removes their parents', async () => {
    const old = NOW - 40 * DAY;
    const lister = new MemoryLister(
      [
        { path: `${U}/Era/A/0000/del.root`, mtime: old },
        { path: `${U}/Era/A/0001/young.root`, mtime: NOW - DAY },
        { path: `${U}/Era/B/0000/del.root`, mtime: old },
        { path: `${U}/Era/Prot/0000/keep.root`, mtime: old },
        { path: `${U}/Era/C/SKIPME/0000/hidden.root`, mtime: old },
        { path: `${U}/logs/prod/old.tar.gz`, mtime: NOW - 90 * DAY },
        { path: `${U}/logs/prod/new.tar.gz`, mtime: NOW - 10 * DAY },
      ],
      [`${U}/Era`, `${U}/Era/A`, `${U}/Era/A/0000`, `${U}/Era/A/0001`, `${U}/Era/B`, `${U}/Era/B/0000`, `${U}/Era/Prot`, `${U}/Era/Prot/0000`, `${U}/Era/C`, `${U}/Era/C/SKIPME`, `${U}/Era/C/SKIPME/0000`, `${U}/logs`, `${U}/logs/prod`].map((path) => ({ path, mtime: old })),
    );
    const kept: string[] = [];
    const settings = unmergedSettings(testSite({ name: 'T2_X' }));
    const base = { lister, settings, rules: rules([`${U}/Era/Prot`]), ignoreDirectories: ['SKIPME'], concurrency: 4, retries: 0, timeoutMs: 10_000, signal: new AbortController().signal, onKept: (d: string, n: string) => kept.push(`${d}/${n}`) };
    const r = await scanUnmerged(base);
    assert.deepEqual(r.listEntries, [`${U}/Era/A/0000/del.root`, `${U}/Era/B/0000/del.root`, `${U}/logs/prod/old.tar.gz`]);
    assert.deepEqual(r.dirs, [`${U}/Era/A/0000`, `${U}/Era/B/0000`, `${U}/Era/B`]);
    assert.deepEqual(kept.sort(), [`${U}/Era/A/0001/young.root`, `${U}/Era/Prot/0000/keep.root`, `${U}/logs/prod/new.tar.gz`]);
    assert.equal(r.ignored, 1);
    assert.ok(!lister.listed.some((p) => p.includes('SKIPME')), `ignored directories are not listed: ${lister.listed.join(' ')}`);

    kept.length = 0;
    const dirsMode = unmergedSettings(testSite({ name: 'T2_X', ListDeletable: { WHICH_LIST: 'directories' } }));
    const d = await scanUnmerged({ ...base, lister: Object.assign(lister, { listed: [] as string[] }), settings: dirsMode });
    assert.deepEqual(d.listEntries, [`${U}/Era/A/0000`, `${U}/Era/B`, `${U}/logs/prod/old.tar.gz`], 'the topmost whole directories, and the logs');
    assert.deepEqual(d.files.map((f) => f.lfn).sort(), [`${U}/Era/A/0000/del.root`, `${U}/Era/B/0000/del.root`, `${U}/logs/prod/old.tar.gz`]);
  });

  it('removes nothing above a directory that failed to list', async () => {
    const old = NOW - 40 * DAY;
    const lister = new MemoryLister([{ path: `${U}/E/a/bad/f.root`, mtime: old }], [`${U}/E`, `${U}/E/a`, `${U}/E/a/bad`].map((path) => ({ path, mtime: old })));
    lister.failures.set(`${U}/E/a/bad`, Infinity);
    const r = await scanUnmerged({ lister, settings: unmergedSettings(testSite({ name: 'T2_X' })), rules: rules(['/store/unmerged/zzz']), ignoreDirectories: [], concurrency: 2, retries: 0, timeoutMs: 10_000, signal: new AbortController().signal, onKept: () => undefined });
    assert.deepEqual(r.unlisted.map((u) => u.lfn), [`${U}/E/a/bad`]);
    assert.deepEqual(r.dirs, []);
  });
});

describe('SITE_protected.db', () => {
  it('holds the original layout, and appears only on commit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dc-pdb-'));
    try {
      const path = join(dir, 'T2_X_protected.db');
      const w = new ProtectedDbWriter(path);
      w.add(`${U}/a`, 'x.root');
      w.add(`${U}/a`, 'y.root');
      w.add(`${U}/b`, 'z.root');
      assert.throws(() => new Database(path, { fileMustExist: true }));
      w.commit(NOW);
      const db = new Database(path, { readonly: true });
      assert.deepEqual(db.prepare('SELECT timestamp FROM timestamp').all(), [{ timestamp: NOW }]);
      assert.deepEqual(db.prepare('SELECT d.dirname, f.file FROM files f JOIN directories d ON d.id = f.dir ORDER BY 1, 2').all(), [
        { dirname: `${U}/a`, file: 'x.root' },
        { dirname: `${U}/a`, file: 'y.root' },
        { dirname: `${U}/b`, file: 'z.root' },
      ]);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
