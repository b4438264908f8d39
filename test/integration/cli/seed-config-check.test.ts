/**
 * A check runs from each of the seed's configuration files once its sites point at test servers
 * (issue 10 §4): only a site address is changed — the packaged JSON's `Redirectors.T3_US_MIT` points
 * at a real xrootd, the YAML gains a file:// Url for T2_FR_IPHC (whose `/cms/phedex` PathPrefix the
 * seed file sets) — and `import` then `check` run end to end, writing the lists.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runCli } from '../../helpers/run-cli.ts';
import { startXrootd, type XrootdServer } from '../../servers/xrootd-server.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/seed-format/', import.meta.url));
const OLD = Date.now() / 1000 - 10 * 86400; // older than both files' IgnoreAge (1 and 5 days)
const D = '/store/mc/Era/Prim/TIER/Proc-v1/0000';
const O = '/store/mc/Era/Gone/TIER/Proc-v1/0000';

/** A site holding one good file, one orphan, and an inventory that also names a missing file. */
function makeSite(storageRoot: string, work: string): string {
  for (const [lfn, size] of [[`${D}/good.root`, 10], [`${O}/orphan.root`, 20]] as const) {
    const p = storageRoot + lfn;
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, Buffer.alloc(size, 1));
  }
  // Every directory old too, so nothing is "new".
  for (let d = storageRoot + D; d.length > storageRoot.length; d = join(d, '..')) utimesSync(d, OLD, OLD);
  for (let d = storageRoot + O; d.length > storageRoot.length; d = join(d, '..')) utimesSync(d, OLD, OLD);
  for (const lfn of [`${D}/good.root`, `${O}/orphan.root`]) utimesSync(storageRoot + lfn, OLD, OLD);
  const inv = join(work, 'inventory.txt');
  writeFileSync(inv, `${D}/good.root 10\n${D}/missing.root 30\n`);
  return inv;
}

const lines = (f: string) => readFileSync(f, 'utf8').split('\n').filter(Boolean);

function assertLists(work: string, site: string) {
  const v = join(work, 'var');
  assert.deepEqual(lines(join(v, `${site}_compare_missing.txt`)), [`${D}/missing.root`]);
  assert.deepEqual(lines(join(v, `${site}_compare_orphan.txt`)), [`${O}/orphan.root`]);
  assert.deepEqual(lines(join(v, `${site}_size_mismatch.txt`)), []);
  assert.deepEqual(lines(join(v, `${site}_unlisted.txt`)), []);
  assert.ok(JSON.parse(readFileSync(join(v, `${site}_summary.json`), 'utf8')).files, 'summary written');
}

describe("a check from the seed's packaged consistency_config.json", () => {
  let work: string;
  let data: string;
  let server: XrootdServer;

  before(async () => {
    work = mkdtempSync('/tmp/dctest-seedjson-');
    data = join(work, 'data');
    mkdirSync(data);
    chmodSync(work, 0o755);
    chmodSync(data, 0o755);
    server = await startXrootd({ dataDir: data });
  });
  after(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('lists T3_US_MIT through the xrootd its Redirectors entry now names', async () => {
    const seed = JSON.parse(readFileSync(join(FIXTURES, 'consistency_config.json'), 'utf8'));
    seed.Redirectors.T3_US_MIT = `${server.host}:${server.port}`; // the only change
    const cfg = join(work, 'consistency_config.json');
    writeFileSync(cfg, JSON.stringify(seed, null, 2));
    const inv = makeSite(data, work);

    const imp = await runCli(['import', '--site', 'T3_US_MIT', inv, '--config', cfg], { cwd: work });
    assert.equal(imp.code, 0, imp.stderr);
    const r = await runCli(['check', '--site', 'T3_US_MIT', '--json', '--config', cfg], { cwd: work, timeoutMs: 120_000 });
    assert.equal(r.code, 0, `${r.stderr}\n${server.log().slice(-2000)}`);
    const s = JSON.parse(r.stdout);
    assert.equal(s.site, 'T3_US_MIT');
    assert.equal(s.missing.count, 1);
    assert.equal(s.orphan.count, 1);
    assertLists(work, 'T3_US_MIT');
    assert.match(r.stderr, /"event":"check-start"[^\n]*"url":"root:\/\/10\.[0-9.]+:1094\/"/);
  });
});

describe("a check from the seed's config.yml", () => {
  let work: string;
  before(() => {
    work = mkdtempSync('/tmp/dctest-seedyml-');
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('lists T2_FR_IPHC below its /cms/phedex PathPrefix once Sites gives it a file:// Url', async () => {
    const storage = join(work, 'storage');
    const inv = makeSite(join(storage, 'cms', 'phedex'), work);
    const cfg = join(work, 'config.yml');
    // The seed's text unchanged, with the site's address added.
    writeFileSync(cfg, `${readFileSync(join(FIXTURES, 'config.yml'), 'utf8')}\nSites:\n  T2_FR_IPHC:\n    Url: ${pathToFileURL(storage).href}\n`);

    const imp = await runCli(['import', '--site', 'T2_FR_IPHC', inv, '--config', cfg], { cwd: work });
    assert.equal(imp.code, 0, imp.stderr);
    const r = await runCli(['check', '--site', 'IPHC', '--json', '--config', cfg], { cwd: work });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).site, 'T2_FR_IPHC');
    assertLists(work, 'T2_FR_IPHC');
  });
});
