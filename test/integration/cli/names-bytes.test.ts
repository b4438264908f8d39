/**
 * Issue 11 §2 "Names are bytes", end to end on real files: a name that is not UTF-8 on the storage
 * and in an imported inventory matches (no false missing or orphan), lists write it escaped, and
 * what the tool writes reads back byte-exact through `import` and `compare`.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { runCli } from '../../helpers/run-cli.ts';
import { writeCliConfig, writeSiteFile } from '../../helpers/cli-fixture.ts';
import { decodeName, encodeName } from '../../../src/core/name-bytes.ts';
import { PosixDeleter } from '../../../src/actions/storage/storage-posix-deleter.ts';

const OLD = Date.now() / 1000 - 5 * 86400;
const D = '/store/mc/Era/Prim/TIER/Proc-v1/0000';
const O = '/store/mc/Era/Gone/TIER/Proc-v1/0000';
/** The names as the tool holds them (U+DC80 + byte for each byte that is not UTF-8). */
const BAD = decodeName(Buffer.from(`${D}/bad\xff\xfe.root`, 'latin1'));
const BAD_DIR = decodeName(Buffer.from(`${D}/sub\xe9`, 'latin1'));
const ORPHAN = decodeName(Buffer.from(`${O}/orph\xe9.root`, 'latin1'));

let root: string;
let site: string;
let cfg: string;
let cfg2: string;

const put = (lfn: string, size: number) => writeSiteFile(site, lfn, size, OLD);

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

before(() => {
  root = mkdtempSync(join(tmpdir(), 'dc-bytes-'));
  site = join(root, 'site');
  put(BAD, 7);
  put(`${BAD_DIR}/inside.root`, 8);
  put(`${D}/ok.root`, 9);
  put(ORPHAN, 10);
  // The inventory as an operator's tool would write it: raw bytes on one line, escaped on others.
  writeFileSync(
    join(root, 'inv.txt'),
    Buffer.concat([
      encodeName(`${BAD} 7\n`),
      Buffer.from(`${D}/sub\\xe9/inside.root 8\n${D}/ok.root 9\n${D}/gone\\xff.root 3\n${D}/lost\ufffd.root 4\n`, 'utf8'),
    ]),
  );
  const sites = { T2_BYTES: { Url: pathToFileURL(site).href } };
  cfg = writeCliConfig(root, { Sites: sites });
  // A second inventory database, for the list the tool wrote.
  cfg2 = writeCliConfig(root, { Sites: sites, Inventory: { Type: 'sqlite', Path: 'var/inventory2.sqlite' } }, 'consistency_config2.json');
});
// rm(1): Node's recursive removal reads names as UTF-8 and cannot remove these.
after(() => execFileSync('rm', ['-rf', root]));

describe('names that are not UTF-8 (issue 11 §2)', () => {
  it('imports them, lists them, and matches storage with inventory: no false missing or orphan', async () => {
    const imp = await runCli(['import', '--site', 'T2_BYTES', join(root, 'inv.txt'), '--config', cfg], { cwd: root });
    assert.equal(imp.code, 0, imp.stderr);
    const r = await runCli(['check', '--site', 'T2_BYTES', '--json', '--config', cfg], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    const v = join(root, 'var');
    assert.deepEqual(lines(join(v, 'T2_BYTES_compare_missing.txt')), [`${D}/gone\\xff.root`]);
    assert.deepEqual(lines(join(v, 'T2_BYTES_compare_orphan.txt')), [`${O}/orph\\xe9.root`]);
    assert.equal(s.listing.files, 4, 'every file listed, the one named by bytes included');
    assert.equal(s.skipped.undecodableNames, 1, 'the name whose bytes were lost (U+FFFD) is counted, not missing');
    assert.equal(s.missing.count, 1);
  });

  it('prints them escaped with `list`', async () => {
    const r = await runCli(['list', 'T2_BYTES', '--config', cfg], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`${D}/bad\\xff\\xfe.root 7 `), r.stdout);
    assert.ok(r.stdout.includes(`${D}/sub\\xe9/inside.root 8 `), r.stdout);
  });

  it('reads a list it wrote back byte-exact through `compare` and `import`', async () => {
    const listed = await runCli(['list', 'T2_BYTES', '--config', cfg], { cwd: root });
    // `list` prints `lfn size mtime`: keep `lfn size`, as an inventory list has it.
    const remote = listed.stdout.split('\n').filter(Boolean).map((l) => l.slice(0, l.lastIndexOf(' ')));
    writeFileSync(join(root, 'remote.txt'), remote.join('\n') + '\n');
    const c = await runCli(['compare', join(root, 'inv.txt'), join(root, 'remote.txt'), join(root, 'cmp/p')], { cwd: root });
    assert.equal(c.code, 0, c.stderr);
    assert.deepEqual(lines(join(root, 'cmp/p_missing.txt')).sort(), [`${D}/gone\\xff.root`, `${D}/lost\ufffd.root`]);
    assert.deepEqual(lines(join(root, 'cmp/p_orphan.txt')), [`${O}/orph\\xe9.root`]);
    // The storage's own list imported as the inventory: nothing missing, nothing orphan.
    const imp = await runCli(['import', '--site', 'T2_BYTES', join(root, 'remote.txt'), '--config', cfg2], { cwd: root });
    assert.equal(imp.code, 0, imp.stderr);
    const r = await runCli(['check', '--site', 'T2_BYTES', '--json', '--config', cfg2], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.missing.count, 0, readFileSync(join(root, 'var/T2_BYTES_compare_missing.txt'), 'utf8'));
    assert.equal(s.orphan.count, 0, readFileSync(join(root, 'var/T2_BYTES_compare_orphan.txt'), 'utf8'));
    assert.equal(s.inventory.files, 4);
  });

  it('deletes a file named by bytes through the POSIX deleter', async () => {
    const del = new PosixDeleter(pathToFileURL(site).href);
    const signal = new AbortController().signal;
    assert.equal((await del.stat(ORPHAN, signal)).size, 10);
    await del.deleteFile(ORPHAN, signal);
    assert.equal(existsSync(encodeName(site + ORPHAN)), false);
  });
});
