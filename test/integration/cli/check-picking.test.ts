/**
 * Issue 10 §6, as a user runs it: `check` without `--site` takes the site whose turn it is, a
 * broken site takes its turn and goes to the back, a site another process is checking is skipped,
 * halted sites stay in the rotation and disabled ones wait for `ready`.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { removeTree } from '../../../src/demo/demo-site.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { runCli } from '../../helpers/run-cli.ts';
import { writeCliConfig } from '../../helpers/cli-fixture.ts';

const OLD = Date.now() / 1000 - 5 * 86400;
const LFN = '/store/mc/Era/Prim/TIER/Proc-v1/0000/a.root';
const BROKEN = 'T2_AA_Broken';
const GOOD = 'T2_BB_Good';

let root: string;
let cfg: string;

async function check(): Promise<{ code: number | null; stderr: string }> {
  return runCli(['check', '--config', cfg], { cwd: root });
}

async function withStore<T>(fn: (s: HistoryStore) => Promise<T>): Promise<T> {
  const s = await HistoryStore.open(`sqlite:${join(root, 'var', 'history.sqlite')}`);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

const runsOf = (site: string) => withStore(async (s) => (await s.runs.collect(site)).map((r) => r.status).reverse());

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'dc-pick-'));
  const site = join(root, 'site');
  mkdirSync(join(site, LFN, '..'), { recursive: true });
  writeFileSync(site + LFN, 'x');
  utimesSync(site + LFN, OLD, OLD);
  writeFileSync(join(root, 'inv.txt'), `${LFN} 1\n`);
  cfg = writeCliConfig(root, {
    Sites: {
      // Its storage is gone: every top directory is unlisted, so every run of this site fails.
      [BROKEN]: { Url: pathToFileURL(join(root, 'gone')).href, DirectoryList: [] },
      [GOOD]: { Url: pathToFileURL(site).href },
    },
  });
  const imp = await runCli(['import', '--site', GOOD, join(root, 'inv.txt'), '--config', cfg], { cwd: root });
  assert.equal(imp.code, 0, imp.stderr);
});
after(() => removeTree(root));

describe('check without --site: whose turn it is', () => {
  it('lets a broken site take its turn and go to the back, so it never starves the others', async () => {
    const first = await check();
    assert.equal(first.code, 1, `the broken site (first by name) fails: ${first.stderr}`);
    assert.deepEqual(await runsOf(BROKEN), ['failed']);
    const second = await check();
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(await runsOf(GOOD), ['done'], 'the next check takes the other site');
    assert.deepEqual(await runsOf(BROKEN), ['failed']);
  });

  it('skips a site another process is checking and takes the next one', async () => {
    // The broken site's turn again; a live process (this test) holds its lock.
    const owner = `${hostname()}:${process.pid}`;
    await withStore((s) => s.locks.acquire(BROKEN, owner));
    try {
      const r = await check();
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await runsOf(GOOD), ['done', 'done']);
      assert.deepEqual(await runsOf(BROKEN), ['failed'], 'the locked site was left alone');
    } finally {
      await withStore((s) => s.locks.release(BROKEN, owner));
    }
  });

  it('keeps a halted site in the rotation and a disabled one out until ready', async () => {
    const halt = await runCli(['set-status', GOOD, 'halt', '--config', cfg], { cwd: root });
    assert.equal(halt.code, 0, halt.stderr);
    const disable = await runCli(['set-status', BROKEN, 'disable', '--config', cfg], { cwd: root });
    assert.equal(disable.code, 0, disable.stderr);
    const r = await check();
    assert.equal(r.code, 0, `the halted site is checked: ${r.stderr}`);
    assert.deepEqual(await runsOf(GOOD), ['done', 'done', 'done']);
    const changes = await withStore((s) => s.states.collectChanges(GOOD));
    assert.equal(changes[0].value, 'ready', 'the run took the halted site back to ready');
    assert.match(changes[0].by, /^check:/);
    assert.equal(changes[1].value, 'halt');
    assert.equal((await check()).code, 0);
    assert.deepEqual(await runsOf(BROKEN), ['failed'], 'a disabled site is never picked');
    await runCli(['set-status', BROKEN, 'ready', '--config', cfg], { cwd: root });
    assert.equal((await check()).code, 1);
    assert.deepEqual(await runsOf(BROKEN), ['failed', 'failed'], 'picked again once ready');
  });
});
