/**
 * Issue 10 through the CLI on real trees: dataset protection only with CmsDatasets, held-back
 * files counted on the terminal, no empty parent of an ignored directory (POSIX and a real nginx
 * WebDAV server), compare3's counts, `list --dirs` top mtimes, and a lister bug as exit 5.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runCli } from '../../helpers/run-cli.ts';
import { writeCliConfig, writeSiteFile } from '../../helpers/cli-fixture.ts';
import { removeTree } from '../../../src/demo/demo-site.ts';
import { startNginx, type NginxServer } from '../../servers/nginx-server.ts';

const OLD = Math.floor(Date.now() / 1000 - 5 * 86400);
const DS = '/store/mc/Era/Prim/TIER/Proc-v1/0000';

let root: string;
let site: string;
let nginx: NginxServer;

const put = (lfn: string, size: number) => writeSiteFile(site, lfn, size, OLD);

function lines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

/** Writes a configuration with these sites (all on the same inventory and history) and returns its path. */
function config(name: string, sites: Record<string, Record<string, unknown>>): string {
  return writeCliConfig(root, { RootPath: '/store', DirectoryList: undefined, Sites: sites }, `${name}.json`);
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'dc-issue10-'));
  chmodSync(root, 0o755); // nginx workers run as nobody
  site = join(root, 'site');
  put(`${DS}/known.root`, 10);
  put(`${DS}/unregistered.root`, 11); // a dataset the import knows: still no replica claimed
  put('/store/temp/batch7/0001/out.root', 12); // too short a path to name a dataset
  for (const d of ['/store/data/x/y/keep', '/store/data/x/y2', '/store/data/lone']) mkdirSync(site + d, { recursive: true });
  for (const d of ['/store/data/x/y/keep', '/store/data/x/y2', '/store/data/x/y', '/store/data/x', '/store/data/lone', '/store/data']) utimesSync(site + d, OLD, OLD);
  writeFileSync(join(root, 'inv.txt'), `${DS}/known.root 10\n${DS}/gone.root 20 settled\n`);
  nginx = await startNginx({ dataDir: site });
});
after(async () => {
  await nginx?.stop();
  removeTree(root);
});

describe('issue 10: dataset protection and held-back counts', () => {
  it('protects nothing by dataset after a plain import, and prints every held-back count', async () => {
    const cfg = config('plain', { T2_PLAIN: { Url: pathToFileURL(site).href } });
    const imp = await runCli(['import', '--site', 'T2_PLAIN', join(root, 'inv.txt'), '--config', cfg], { cwd: root });
    assert.equal(imp.code, 0, imp.stderr);
    const r = await runCli(['check', '--site', 'T2_PLAIN', '--config', cfg], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(join(root, 'var', 'T2_PLAIN_compare_orphan.txt')), ['/store/mc/Era/Prim/TIER/Proc-v1/0000/unregistered.root', '/store/temp/batch7/0001/out.root']);
    assert.deepEqual(lines(join(root, 'var', 'T2_PLAIN_compare_missing.txt')), [`${DS}/gone.root`]);
    assert.match(r.stdout, /held back +0 files kept off the lists/);
    assert.match(r.stdout, /protected dataset +0 \(CmsDatasets off: no dataset protection\)/);
    for (const reason of ['new \\(younger than IgnoreAge\\)', 'ignored \\(IgnoreDirectories\\)', 'queued deletion', 'changed during the run', 'outside listed tops']) {
      assert.match(r.stdout, new RegExp(`\\n    ${reason} +0`), reason);
    }
  });

  it('with CmsDatasets protects the short path, counts it, and still reports the file of a dataset the import only named', async () => {
    const cfg = config('cms', { T2_CMS: { Url: pathToFileURL(site).href, CmsDatasets: true } });
    assert.equal((await runCli(['import', '--site', 'T2_CMS', join(root, 'inv.txt'), '--config', cfg], { cwd: root })).code, 0);
    const r = await runCli(['check', '--site', 'T2_CMS', '--json', '--config', cfg], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.deepEqual(lines(join(root, 'var', 'T2_CMS_compare_orphan.txt')), ['/store/mc/Era/Prim/TIER/Proc-v1/0000/unregistered.root']);
    assert.equal(s.skipped.protectedOrphans, 1);
    assert.equal(s.cmsDatasets, true);
  });

  it("writes SITE_missing_datasets.txt in the seed's '%10i    %-17s  %s#%s' lines", () => {
    assert.deepEqual(readFileSync(join(root, 'var', 'T2_CMS_missing_datasets.txt'), 'utf8'), '         1    AnalysisOps        /Prim/Era-Proc-v1/TIER#0000\n');
  });
});

describe('issue 10: no empty parent of an ignored directory', () => {
  const expectEmpty = ['/store/data/x/y2', '/store/data/lone'];
  for (const kind of ['posix', 'webdav (nginx)'] as const) {
    it(`lists neither /store/data/x/y nor /store/data/x when /store/data/x/y/keep is ignored (${kind})`, async () => {
      const name = kind === 'posix' ? 'T2_EMPTY_POSIX' : 'T2_EMPTY_DAV';
      const url = kind === 'posix' ? pathToFileURL(site).href : nginx.httpUrl.replace(/^http:/, 'dav:');
      const cfg = config(`empty-${kind.slice(0, 5)}`, { [name]: { Url: url, IgnoreDirectories: ['/store/data/x/y/keep'] } });
      assert.equal((await runCli(['import', '--site', name, join(root, 'inv.txt'), '--config', cfg], { cwd: root })).code, 0);
      const r = await runCli(['check', '--site', name, '--json', '--config', cfg], { cwd: root });
      assert.equal(r.code, 0, r.stderr);
      const empty = lines(join(root, 'var', `${name}_empty.txt`));
      assert.deepEqual(empty, expectEmpty);
    });
  }
});

describe('issue 10: smaller defects', () => {
  it('compare3 prints its counts, never [object Object]', async () => {
    const d = join(root, 'c3');
    mkdirSync(d);
    writeFileSync(join(d, 'before.txt'), '/store/a 1\n/store/b 1\n');
    writeFileSync(join(d, 'scan.txt'), '/store/a 1\n/store/c 1\n');
    writeFileSync(join(d, 'after.txt'), '/store/a 1\n/store/b 1\n');
    const r = await runCli(['compare3', join(d, 'before.txt'), join(d, 'scan.txt'), join(d, 'after.txt'), join(d, 'out')], { cwd: d });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes('[object Object]'), r.stdout);
    assert.match(r.stdout, /^1 missing, 1 orphan \(before 2 entries, 2 settled; scan 2 entries; after 2 entries, 2 settled\)/);
  });

  it('list --dirs prints a top directory with its own mtime, not 0', async () => {
    const cfg = config('list', { T2_LIST: { Url: pathToFileURL(site).href, DirectoryList: ['data'] } });
    const r = await runCli(['list', 'T2_LIST', '--dirs', '--config', cfg], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    const top = r.stdout.split('\n').find((l) => l.startsWith('/store/data/ - '));
    assert.equal(top, `/store/data/ - ${Math.floor(statSync(site + '/store/data').mtimeMs / 1000)}`);
  });

  it('stops with exit 5 naming the exception and where when a lister has a bug, never a quiet unlisted directory', async () => {
    const cfg = config('bug', { T2_BUG: { Url: pathToFileURL(site).href, Retries: 2 } });
    assert.equal((await runCli(['import', '--site', 'T2_BUG', join(root, 'inv.txt'), '--config', cfg], { cwd: root })).code, 0);
    const inject = fileURLToPath(new URL('./fixtures/posix-lister-bug.mjs', import.meta.url));
    const r = await runCli(['check', '--site', 'T2_BUG', '--config', cfg], { cwd: root, env: { NODE_OPTIONS: `--import=${pathToFileURL(inject).href}`, DC_TEST_BUG_DIR: '/store/data/x' } });
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.match(r.stderr, /bug in the posix lister: listing \S*\/store\/data\/x threw TypeError: Cannot read properties of undefined \(reading 'name'\) \(at (\S+\.)?injectedBug .*posix-lister-bug\.mjs:\d+:\d+\)/);
  });
});
