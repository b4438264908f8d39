/**
 * Issue 15 through the command as a user runs it: `check --unmerged [--more-logs]` and
 * `check --site SITE --no-inventory`, against a real xrootd and the protected list over https.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../helpers/run-cli.ts';
import { EXPECTED, makeCase, plantTree, SITE, startUnmergedEnv, type UnmergedEnv } from './unmerged-site.ts';

const lines = (f: string) => readFileSync(f, 'utf8').split('\n').filter(Boolean);

describe('check --unmerged / --no-inventory (issue 15)', () => {
  let env: UnmergedEnv;
  const closers: (() => Promise<void>)[] = [];

  before(async () => {
    env = await startUnmergedEnv('dctest-unmerged-cli-', closers);
  });
  after(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  });

  it('check --unmerged --more-logs prints the phase and writes its lists after the check', async () => {
    plantTree(env.dataDir);
    const c = await makeCase(env);
    await c.close();
    const r = await runCli(['check', '--site', SITE, '--unmerged', '--more-logs', '--config', c.configFile], { cwd: c.dir, timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Unmerged area \/store\/unmerged \(listed at \/store\/unmerged, files, with --more-logs\)/);
    assert.match(r.stdout, /deleted +6 files \(2 log archives\), 9 directories/);
    assert.deepEqual(lines(join(c.dir, 'var', `${SITE}_unmerged.txt`)), [...EXPECTED.list, '/store/logs/prod/recent/r.tar.gz'].sort());
    assert.ok(existsSync(join(c.dir, 'var', `${SITE}_compare_missing.txt`)), 'the check ran too');
  });

  it('check --site SITE --no-inventory cleans without reading any inventory', async () => {
    plantTree(env.dataDir);
    const c = await makeCase(env, {}, { Inventory: { Type: 'sqlite', Path: '/nonexistent/inventory.sqlite' } });
    await c.close();
    const r = await runCli(['check', '--site', SITE, '--no-inventory', '--json', '--config', c.configFile], { cwd: c.dir, timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.unmergedOnly, true);
    assert.equal(s.unmerged.cleaned, 5);
    assert.equal(s.unmerged.deleted.logArchives, 1);
    assert.ok(!existsSync(join(c.dir, 'var', `${SITE}_compare_missing.txt`)));
  });

  it('--no-inventory needs --site naming a site in Unmerged (exit 2, nothing written)', async () => {
    const c = await makeCase(env, {}, { Unmerged: [] });
    await c.close();
    const noSite = await runCli(['check', '--no-inventory', '--config', c.configFile], { cwd: c.dir });
    assert.equal(noSite.code, 2, noSite.stderr);
    assert.match(noSite.stderr, /--no-inventory needs --site/);
    const notListed = await runCli(['check', '--site', SITE, '--no-inventory', '--config', c.configFile], { cwd: c.dir });
    assert.equal(notListed.code, 2, notListed.stderr);
    assert.match(notListed.stderr, /is in Unmerged/);
    assert.ok(!existsSync(join(c.dir, 'var', `${SITE}_summary.json`)));
  });
});
