/**
 * The seed's command-line flags (issue 10 §4): --cms, --no-orphan, --info, --debug, --version, and
 * --site as a regular expression searched in the site name; config notices printed once a command.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCli, type CliResult } from '../../helpers/run-cli.ts';
import { writeCliConfig, writeSiteFile } from '../../helpers/cli-fixture.ts';

const OLD = Date.now() / 1000 - 5 * 86400;
const D = '/store/mc/Era/Prim/TIER/Proc-v1/0000';
const O = '/store/mc/Era/Gone/TIER/Proc-v1/0000';
const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

let root: string;

/** Writes root/name with no History key (the history is then the one under VarLocation). */
const writeConfig = (name: string, body: Record<string, unknown>) => writeCliConfig(root, { History: undefined, ...body }, name);

/** JSON log lines on stderr (the CLI logs JSON when stderr is not a terminal). */
function events(r: CliResult): { level: number; event: string; [k: string]: unknown }[] {
  return r.stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

const lines = (f: string) => readFileSync(f, 'utf8').split('\n').filter(Boolean);

let cfg: string;
const cli = (args: string[]) => runCli([...args, '--config', cfg], { cwd: root });

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'dc-flags-'));
  const one = join(root, 'one');
  const two = join(root, 'two');
  for (const s of [one, two]) {
    writeSiteFile(s, `${D}/kept.root`, 10, OLD);
    writeSiteFile(s, `${O}/orphan.root`, 20, OLD);
  }
  writeFileSync(join(root, 'inv.txt'), `${D}/kept.root 10\n`);
  cfg = writeConfig('consistency_config.json', {
    InventoryAge: 0.5,
    Email: { Sender: 'a@example.org', Recipients: [] },
    Sites: { T2_AA_One: { Url: pathToFileURL(one).href }, T2_AB_Two: { Url: pathToFileURL(two).href } },
  });
  for (const s of ['T2_AA_One', 'T2_AB_Two']) {
    const r = await cli(['import', '--site', s, join(root, 'inv.txt')]);
    assert.equal(r.code, 0, r.stderr);
  }
});
after(() => rmSync(root, { recursive: true, force: true }));

describe('the seed flags on the command line', () => {
  it('--version prints the package version', async () => {
    const r = await runCli(['--version'], { cwd: root });
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), VERSION);
  });

  it('--help says how --site matches and lists the seed flags', async () => {
    const top = await runCli(['--help'], { cwd: root });
    for (const f of ['--version', '--info', '--debug']) assert.ok(top.stdout.includes(f), f);
    const check = await runCli(['check', '--help'], { cwd: root });
    for (const f of ['--cms', '--no-orphan']) assert.ok(check.stdout.includes(f), f);
    assert.match(check.stdout.replace(/\s+/g, ' '), /regular expression searched in the site names/);
  });

  it('--site is searched in the name, not anchored, as the seed did', async () => {
    const r = await cli(['check', '--site', 'One', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).site, 'T2_AA_One');
    const none = await cli(['check', '--site', '^One', '--json']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no configured site matches/);
    const both = await cli(['check', '--site', 'T2_A', '--json', '--debug']);
    assert.equal(both.code, 0, both.stderr);
    const cand = events(both).find((e) => e.event === 'check-candidates');
    assert.deepEqual(cand?.sites, ['T2_AA_One', 'T2_AB_Two']);
    const bad = await cli(['check', '--site', '(']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not a valid regular expression/);
  });

  it('prints each configuration notice once per command', async () => {
    const r = await cli(['check', '--site', 'Two', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const notices = events(r).filter((e) => e.event === 'config-notice');
    // Email is the failure notice's key (issue 14), no longer a seed key without effect.
    assert.deepEqual(notices.map((e) => e.key), ['InventoryAge']);
    assert.ok(notices.every((e) => e.level === 40 && e.file === cfg));
  });

  it('--no-orphan lists no orphan and counts every one held back (the seed test_noorphan)', async () => {
    const plain = await cli(['check', '--site', 'One', '--json']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.deepEqual(lines(join(root, 'var', 'T2_AA_One_compare_orphan.txt')), [`${O}/orphan.root`]);
    const r = await cli(['check', '--site', 'One', '--json', '--no-orphan']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.orphan.count, 0);
    assert.equal(s.skipped.protectedOrphans, 1, 'held back and counted, never dropped silently');
    assert.deepEqual(lines(join(root, 'var', 'T2_AA_One_compare_orphan.txt')), []);
    assert.equal(events(r).find((e) => e.event === 'run-settings')?.ListOrphans, false);
  });

  it('--cms sets CmsDatasets for the run', async () => {
    const r = await cli(['check', '--site', 'Two', '--json', '--cms']);
    assert.equal(r.code, 0, r.stderr);
    const set = events(r).find((e) => e.event === 'run-settings');
    assert.equal(set?.CmsDatasets, true);
    assert.equal(set?.ListOrphans, undefined);
  });

  it('--info and --debug log down to their level, over LogLevel', async () => {
    const quiet = writeConfig('quiet.json', { LogLevel: 'warn', Sites: { T2_AA_One: { Url: pathToFileURL(join(root, 'one')).href } } });
    const run = (extra: string[]) => runCli(['check', '--json', '--config', quiet, ...extra], { cwd: root });
    const levels = (r: CliResult) => new Set(events(r).map((e) => e.level));
    const w = await run([]);
    assert.equal(w.code, 0, w.stderr);
    assert.ok(![20, 30].some((l) => levels(w).has(l)), w.stderr);
    const i = await run(['--info']);
    assert.ok(levels(i).has(30) && !levels(i).has(20), i.stderr);
    assert.ok(events(i).some((e) => e.event === 'check-start'));
    const d = await run(['--debug']);
    assert.ok(levels(d).has(20), d.stderr);
  });

  it('fails with exit 2 on DeleteOnStorage, saying to use Actions ["storage"]', async () => {
    const p = writeConfig('retired.json', { DeleteOnStorage: true, Sites: { T2_AA_One: { Url: 'file:///nowhere' } } });
    const r = await runCli(['check', '--config', p], { cwd: root });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /DeleteOnStorage.*Actions: \[\\?"storage\\?"\]/);
    assert.ok(r.stderr.includes(p));
  });
});

describe('sites the inventory knows', () => {
  it('are selectable by check --site and set-status, and one with no way to its storage is a configuration error naming it', async () => {
    const inv = writeConfig('inv-only.json', { Sites: { T2_AA_One: { Url: pathToFileURL(join(root, 'one')).href } } });
    const imp = await runCli(['import', '--site', 'T2_ZZ_Inventory', join(root, 'inv.txt'), '--config', inv], { cwd: root });
    assert.equal(imp.code, 0, imp.stderr);
    const r = await runCli(['check', '--site', 'ZZ', '--config', inv], { cwd: root });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /site \\?"T2_ZZ_Inventory\\?" has no Url/);
    assert.ok(r.stderr.includes(inv));
    const st = await runCli(['set-status', 'T2_ZZ_Inventory', 'halt', '--config', inv], { cwd: root });
    assert.equal(st.code, 0, st.stderr);
    assert.match(st.stdout, /T2_ZZ_Inventory: status halt/);
    const unknown = await runCli(['set-status', 'T2_Nowhere', 'halt', '--config', inv], { cwd: root });
    assert.equal(unknown.code, 2);
    // Without --site the inventory-only site is left out, the configured one is checked.
    const all = await runCli(['check', '--json', '--config', inv], { cwd: root });
    assert.equal(all.code, 0, all.stderr);
    assert.equal(JSON.parse(all.stdout).site, 'T2_AA_One');
  });
});
