/**
 * Issue 15 part 2: `dump --remote` and `dump --inventory` write sorted `lfn size mtime` lists that
 * `compare` and `compare3` read back, finding the same missing and orphan files as `check`.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { runCli } from '../../helpers/run-cli.ts';
import { writeCliConfig, writeSiteFile } from '../../helpers/cli-fixture.ts';
import { removeTree } from '../../../src/demo/demo-site.ts';

const OLD = Math.floor(Date.now() / 1000 - 5 * 86400);
const D = '/store/mc/Era/Prim/TIER/Proc-v1/0000';
const O = '/store/mc/Era/Gone/TIER/Proc-v1/0000';
const HEADER = '# dynamo-consistency dump: lfn size mtime';

let root: string;
let site: string;
let cfg: string;

const put = (lfn: string, size: number) => writeSiteFile(site, lfn, size, OLD);

const lines = (text: string) => text.split('\n').filter(Boolean);
const fileLines = (file: string) => lines(readFileSync(file, 'utf8'));

before(() => {
  root = mkdtempSync(join(tmpdir(), 'dc-dumpcmd-'));
  chmodSync(root, 0o777);
  site = join(root, 'site');
  put(`${D}/with space.root`, 10);
  put(`${D}/b.root`, 11);
  put(`${D}/new\nline.root`, 12);
  put(`${O}/orphan one.root`, 20);
  put(`${O}/z-orphan.root`, 21);
  put('/store/mc/Era/Prim/TIER/Proc-v1/0001/locked/inside.root', 30);
  put('/store/other/outside.root', 1); // not below DirectoryList: in no dump
  writeFileSync(
    join(root, 'inv.txt'),
    [`${D}/with space.root 10`, `${D}/b.root 11`, `${D}/new\\nline.root 12`, `${D}/missing file.root 40`, `${D}/in flux.root 41 flux`, '/store/mc/Era/Prim/TIER/Proc-v1/0001/locked/inside.root 30', '/store/data/outside-scope.root 5'].join('\n') + '\n',
  );
  cfg = writeCliConfig(root, { Sites: { T2_DUMP: { Url: pathToFileURL(site).href } } });
});
after(() => removeTree(root));

describe('dump command (issue 15)', () => {
  it('imports the inventory and checks the site, as the reference', async () => {
    const imp = await runCli(['import', '--site', 'T2_DUMP', join(root, 'inv.txt'), '--config', cfg], { cwd: root });
    assert.equal(imp.code, 0, imp.stderr);
    const r = await runCli(['check', '--site', 'T2_DUMP', '--json', '--config', cfg], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fileLines(join(root, 'var/T2_DUMP_compare_missing.txt')), [`${D}/missing file.root`]);
    assert.deepEqual(fileLines(join(root, 'var/T2_DUMP_compare_orphan.txt')), [`${O}/orphan one.root`, `${O}/z-orphan.root`]);
  });

  it('dumps the remote side sorted, escaped, with mtimes, gzip for a .gz name, and an empty unlisted file beside it', async () => {
    const out = join(root, 'out/remote.txt.gz');
    const r = await runCli(['dump', '--site', 'T2_DUMP', '--remote', '-o', out, '--config', cfg], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    const text = gunzipSync(readFileSync(out)).toString('utf8');
    assert.deepEqual(lines(text), [
      HEADER,
      `${O}/orphan one.root 20 ${OLD}`,
      `${O}/z-orphan.root 21 ${OLD}`,
      `${D}/b.root 11 ${OLD}`,
      `${D}/new\\nline.root 12 ${OLD}`,
      `${D}/with space.root 10 ${OLD}`,
      `/store/mc/Era/Prim/TIER/Proc-v1/0001/locked/inside.root 30 ${OLD}`,
    ]);
    assert.equal(readFileSync(`${out}.unlisted`, 'utf8'), '');
  });

  it('dumps the inventory side: settled files within the checked directories, mtime "-"', async () => {
    const out = join(root, 'out/inventory.txt');
    const r = await runCli(['dump', '--site', 'T2_DUMP', '--inventory', '-o', out, '--config', cfg], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fileLines(out), [HEADER, `${D}/b.root 11 -`, `${D}/missing file.root 40 -`, `${D}/new\\nline.root 12 -`, `${D}/with space.root 10 -`, '/store/mc/Era/Prim/TIER/Proc-v1/0001/locked/inside.root 30 -']);
  });

  it('round-trips through compare: the same missing and orphan files as check', async () => {
    const r = await runCli(['compare', join(root, 'out/inventory.txt'), join(root, 'out/remote.txt.gz'), join(root, 'out/cmp'), '--config', cfg], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /lfn-size-mtime \(declared by its first line/);
    assert.deepEqual(fileLines(join(root, 'out/cmp_missing.txt')), fileLines(join(root, 'var/T2_DUMP_compare_missing.txt')));
    assert.deepEqual(fileLines(join(root, 'out/cmp_orphan.txt')), fileLines(join(root, 'var/T2_DUMP_compare_orphan.txt')));
    assert.deepEqual(fileLines(join(root, 'out/cmp_size_mismatch.txt')), []);
  });

  it('round-trips through compare3 (the inventory dump as before and after)', async () => {
    const inv = join(root, 'out/inventory.txt');
    const r = await runCli(['compare3', inv, join(root, 'out/remote.txt.gz'), inv, join(root, 'out/c3'), '--config', cfg], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /1 missing, 2 orphan/);
    assert.deepEqual(fileLines(join(root, 'out/c3_missing.txt')), fileLines(join(root, 'var/T2_DUMP_compare_missing.txt')));
    assert.deepEqual(fileLines(join(root, 'out/c3_orphan.txt')), fileLines(join(root, 'var/T2_DUMP_compare_orphan.txt')));
  });

  it('imports a dump (its format told by its first line)', async () => {
    const r = await runCli(['import', '--site', 'T2_COPY', join(root, 'out/inventory.txt'), '--config', cfg], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /imported 5 files/);
    assert.match(r.stdout, /format lfn-size-mtime/);
  });

  it('writes to standard output without -o', async () => {
    const r = await runCli(['dump', '--site', 'T2_DUMP', '--config', cfg], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lines(r.stdout)[0], HEADER);
    assert.equal(lines(r.stdout).length, 7);
  });

  it('exits 1 when a directory could not be listed, naming it in FILE.unlisted; the dump holds the rest', async () => {
    const locked = site + '/store/mc/Era/Prim/TIER/Proc-v1/0001/locked';
    execFileSync('chmod', ['-R', 'a+rwX', root]);
    chmodSync(locked, 0o000);
    try {
      const out = join(root, 'out/partial.txt');
      // Root reads through permission bits, so this run is made as the unprivileged user nobody.
      const r = await runCli(['dump', '--site', 'T2_DUMP', '--remote', '-o', out, '--config', cfg], { cwd: root, prefix: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /1 directory could not be listed/);
      assert.deepEqual(fileLines(`${out}.unlisted`), ['/store/mc/Era/Prim/TIER/Proc-v1/0001/locked']);
      assert.equal(fileLines(out).length, 6);
      assert.ok(!readFileSync(out, 'utf8').includes('inside.root'));
    } finally {
      chmodSync(locked, 0o755);
    }
  });

  it('refuses --remote with --inventory (exit 2) and writes nothing', async () => {
    const out = join(root, 'out/both.txt');
    const r = await runCli(['dump', '--site', 'T2_DUMP', '--remote', '--inventory', '-o', out, '--config', cfg], { cwd: root });
    assert.equal(r.code, 2, r.stderr);
    assert.ok(!existsSync(out));
  });
});
