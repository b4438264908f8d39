import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { runCli } from '../../helpers/run-cli.ts';
import { writeCliConfig, writeSiteFile } from '../../helpers/cli-fixture.ts';
import { removeTree } from '../../../src/demo/demo-site.ts';

const OLD = Date.now() / 1000 - 5 * 86400;
const D = '/store/mc/Era/Prim/TIER/Proc-v1/0000';
const O = '/store/mc/Era/Gone/TIER/Proc-v1/0000'; // a dataset without a replica here: its files can be orphans

let root: string;
let site: string;
let cfg: string;

const put = (lfn: string, size: number) => writeSiteFile(site, lfn, size, OLD);

function lines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

before(() => {
  root = mkdtempSync(join(tmpdir(), 'dc-e2e-'));
  chmodSync(root, 0o777);
  site = join(root, 'site');
  // On disk: awkward names, one missing file, one size mismatch, orphans, an empty directory.
  put(`${D}/with space.root`, 10);
  put(`${D}/hash#1.root`, 11);
  put(`${D}/pct%41.root`, 12);
  put(`${D}/caf\u00e9.root`, 13);
  put(`${D}/short.root`, 5);
  put(`${O}/orphan one.root`, 20);
  put(`${O}/new\nline.root`, 21);
  put(`${O}/cafe\u0301.root`, 22);
  put('/store/mc/Era/Prim/TIER/Proc-v1/0001/locked/inside.root', 30);
  mkdirSync(site + '/store/mc/Era/Prim/TIER/Proc-v1/0002/empty', { recursive: true });
  for (const d of ['/store/mc/Era/Prim/TIER/Proc-v1/0002/empty', '/store/mc/Era/Prim/TIER/Proc-v1/0002']) utimesSync(site + d, OLD, OLD);
  writeFileSync(
    join(root, 'inv.txt'),
    [
      `${D}/with space.root 10`,
      `${D}/hash#1.root 11 settled`,
      `${D}/pct%41.root 12`,
      `${D}/caf\u00e9.root 13`,
      `${D}/short.root 6`,
      `${D}/missing file.root 40`,
      `${D}/in flux.root 41 flux`,
      '/store/mc/Era/Prim/TIER/Proc-v1/0001/locked/inside.root 30',
      '/store/mc/Era/Prim/TIER/Proc-v1/0001/locked/gone.root 31',
    ].join('\n') + '\n',
  );
  cfg = writeCliConfig(root, { Sites: { T2_E2E: { Url: pathToFileURL(site).href } } });
});
after(() => removeTree(root));

describe('dynamo-consistency end to end on a real directory tree', () => {
  it('imports an inventory file and reports a bad line with its number', async () => {
    writeFileSync(join(root, 'bad.txt'), `${D}/a.root 1\n${D}/b.root notasize\n`);
    const bad = await runCli(['import', '--site', 'T2_E2E', join(root, 'bad.txt'), '--config', cfg], { cwd: root });
    assert.equal(bad.code, 3);
    assert.ok(bad.stderr.includes('bad.txt:2'), bad.stderr);
    const ok = await runCli(['import', '--site', 'T2_E2E', join(root, 'inv.txt'), '--config', cfg], { cwd: root });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /imported 9 files/);
  });

  it('checks the site and writes every list, names escaped, sorted', async () => {
    const r = await runCli(['check', '--site', 'T2_E2E', '--json', '--config', cfg], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    const v = join(root, 'var');
    assert.deepEqual(lines(join(v, 'T2_E2E_compare_missing.txt')), [`${D}/missing file.root`, '/store/mc/Era/Prim/TIER/Proc-v1/0001/locked/gone.root']);
    assert.deepEqual(lines(join(v, 'T2_E2E_compare_orphan.txt')), [`${O}/cafe\u0301.root`, `${O}/new\\nline.root`, `${O}/orphan one.root`]);
    assert.deepEqual(lines(join(v, 'T2_E2E_size_mismatch.txt')), [`${D}/short.root`]);
    assert.deepEqual(lines(join(v, 'T2_E2E_empty.txt')), ['/store/mc/Era/Prim/TIER/Proc-v1/0002/empty', '/store/mc/Era/Prim/TIER/Proc-v1/0002']);
    assert.equal(s.unlisted.count, 0);
    assert.equal(s.gates.act, false, 'a new site is in dry mode');
    assert.ok(s.gates.held.some((g: { gate: string }) => g.gate === 'DryMode'));
    const storage = JSON.parse(readFileSync(join(v, 'T2_E2E_storage.json'), 'utf8'));
    assert.equal(storage.storageservice.storageshares[0].numberoffiles, 9);
    assert.equal(lines(join(root, 'www', 'T2_E2E_compare_missing.txt')).length, 2, 'published to WebDir');
  });

  it('reports a directory it may not read as unlisted, and nothing below it as missing', async () => {
    const locked = site + '/store/mc/Era/Prim/TIER/Proc-v1/0001/locked';
    execFileSync('chmod', ['-R', 'a+rwX', root]);
    chmodSync(locked, 0o000);
    try {
      // Root reads through permission bits, so this run is made as the unprivileged user nobody.
      const r = await runCli(['check', '--site', 'T2_E2E', '--json', '--config', cfg], { cwd: root, prefix: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] });
      assert.equal(r.code, 0, r.stderr);
      const s = JSON.parse(r.stdout);
      assert.deepEqual(s.unlisted.dirs.map((d: { lfn: string; code: string }) => [d.lfn, d.code]), [['/store/mc/Era/Prim/TIER/Proc-v1/0001/locked', 'PERMISSION']]);
      assert.deepEqual(lines(join(root, 'var', 'T2_E2E_compare_missing.txt')), [`${D}/missing file.root`]);
      assert.equal(s.unlisted.settledFilesBelow, 2);
    } finally {
      chmodSync(locked, 0o755);
    }
  });

  it('lists a site with `list`', async () => {
    const r = await runCli(['list', 'T2_E2E', '--config', cfg], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`${D}/with space.root 10 `));
    assert.ok(r.stdout.includes(`${O}/new\\nline.root 21 `));
  });

  it('does not check a disabled site, and checks it again once ready (a halted one stays in the rotation: check-picking)', async () => {
    assert.equal((await runCli(['set-status', 'T2_E2E', 'disable', '--config', cfg], { cwd: root })).code, 0);
    const r = await runCli(['check', '--config', cfg], { cwd: root });
    assert.equal(r.code, 4, r.stderr);
    const bad = await runCli(['set-status', 'T2_E2E', 'sleep', '--config', cfg], { cwd: root });
    assert.equal(bad.code, 2);
    assert.equal((await runCli(['set-status', 'T2_E2E', 'ready', '--config', cfg], { cwd: root })).code, 0);
    assert.equal((await runCli(['check', '--config', cfg], { cwd: root })).code, 0);
  });

  it('compares two text lists with `compare`', async () => {
    writeFileSync(join(root, 'a.txt'), '/store/x 1\n/store/with space 2\n/store/y 3\n');
    writeFileSync(join(root, 'b.txt'), '/store/with space 2\n/store/y 4\n/store/z 5\n');
    const r = await runCli(['compare', join(root, 'a.txt'), join(root, 'b.txt'), join(root, 'cmp/out')], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(join(root, 'cmp/out_missing.txt')), ['/store/x']);
    assert.deepEqual(lines(join(root, 'cmp/out_orphan.txt')), ['/store/z']);
    assert.deepEqual(lines(join(root, 'cmp/out_size_mismatch.txt')), ['/store/y']);
  });
});

describe('dynamo-consistency demo', () => {
  it('generates a site with known problems and finds exactly them', async () => {
    const r = await runCli(['demo', '--dir', join(root, 'demo')], { cwd: root });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /found exactly the planted problems/);
    assert.match(r.stdout, /dynamo-consistency serve --config/);
  });

  it('plants its problems in a smaller site too (--files-per-dataset 30, the least it takes)', async () => {
    const r = await runCli(['demo', '--dir', join(root, 'demo30'), '--files-per-dataset', '30'], { cwd: root });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /found exactly the planted problems: 4 missing, 2 orphan, 2 size mismatches/);
  });
});

describe('dynamo-consistency compare3', () => {
  it('reports only files missing in both inventory snapshots and orphans absent from both', async () => {
    const d = mkdtempSync(join(tmpdir(), 'dc-c3-'));
    try {
      writeFileSync(join(d, 'before.txt'), '/store/a 1\n/store/b 1\n/store/gone-during 1\n');
      writeFileSync(join(d, 'scan.txt'), '/store/a 1\n/store/orphan 1\n/store/arrived 1\n');
      writeFileSync(join(d, 'after.txt'), '/store/a 1\n/store/b 1\n/store/arrived 1\n');
      const r = await runCli(['compare3', join(d, 'before.txt'), join(d, 'scan.txt'), join(d, 'after.txt'), join(d, 'out/x')], { cwd: d });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(lines(join(d, 'out/x_missing.txt')), ['/store/b']);
      assert.deepEqual(lines(join(d, 'out/x_orphan.txt')), ['/store/orphan']);
    } finally {
      removeTree(d);
    }
  });
});
