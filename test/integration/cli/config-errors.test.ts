import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, siteConfig } from '../../../src/config/config-loader.ts';
import { DcError } from '../../../src/core/errors.ts';
import { runCli } from '../../helpers/run-cli.ts';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dc-config-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, body);
  return p;
}

const good = { VarLocation: 'var', Sites: { T2_A: { Url: 'file:///tmp/x', IgnoreAge: 3 } }, Inventory: { Type: 'sqlite', Path: 'inv.sqlite' } };

describe('configuration loading', () => {
  it('reads JSON and YAML, with per-site overrides over top-level keys over defaults', () => {
    const j = loadConfig(write('a.json', JSON.stringify({ ...good, MaxMissing: 5 })), {});
    const y = loadConfig(write('a.yaml', 'VarLocation: var\nMaxMissing: 5\nSites:\n  T2_A:\n    Url: file:///tmp/x\n    IgnoreAge: 3\n'), {});
    for (const c of [j, y]) {
      const s = siteConfig(c, 'T2_A', {});
      assert.equal(s.IgnoreAge, 3);
      assert.equal(s.MaxMissing, 5);
      assert.equal(s.Retries, 2, 'default');
      assert.equal(s.VarLocation, join(dir, 'var'), 'relative paths resolve against the config file');
    }
    assert.ok(Object.isFrozen(j.raw) && Object.isFrozen(siteConfig(j, 'T2_A', {})));
  });

  it('lets an environment variable of the same name override a key, typed', () => {
    const c = loadConfig(write('env.json', JSON.stringify(good)), { IgnoreAge: '7', DirectoryList: 'mc,data', ListOnlyInventoryDirs: 'false' });
    const s = siteConfig(c, 'T2_A', { IgnoreAge: '7' });
    assert.equal(s.IgnoreAge, 7, 'environment wins over the site override');
    assert.deepEqual(s.DirectoryList, ['mc', 'data']);
    assert.equal(s.ListOnlyInventoryDirs, false);
  });

  const bad: [string, string, RegExp][] = [
    ['unknown top-level key', JSON.stringify({ ...good, MaxMissng: 1 }), /unknown key "MaxMissng"/],
    ['unknown site key', JSON.stringify({ Sites: { T2_A: { Url: 'file:///x', Retires: 1 } } }), /unknown key "Sites\.T2_A\.Retires"/],
    ['wrong type', JSON.stringify({ ...good, IgnoreAge: 'two' }), /key "IgnoreAge"/],
    ['empty Url', JSON.stringify({ Sites: { T2_A: { Url: '' } } }), /key "Sites\.T2_A\.Url"/],
    ['bad JSON', '{"Sites": ', /not valid JSON/],
  ];
  for (const [what, body, re] of bad) {
    it(`rejects ${what}, naming the key and the file`, () => {
      const p = write(`bad-${what.replace(/\W/g, '_')}.json`, body);
      assert.throws(() => loadConfig(p, {}), (e: unknown) => e instanceof DcError && e.code === 'CONFIG' && re.test(e.message) && e.message.includes(p));
    });
  }

  it('rejects an environment override of the wrong type, naming the variable', () => {
    assert.throws(() => loadConfig(write('e2.json', JSON.stringify(good)), { Retries: 'many' }), /environment variable Retries: expected a number/);
  });

  it('rejects an unreadable file and never falls back to a packaged config', () => {
    assert.throws(() => loadConfig(join(dir, 'nope.json'), {}), /nope\.json: cannot read configuration: ENOENT/);
  });
});

describe('CLI on a bad configuration', () => {
  it('exits 2, names the key and file, and writes nothing', async () => {
    const p = write('cli-bad.json', JSON.stringify({ ...good, VarLocation: 'state', Bogus: true }));
    const r = await runCli(['check', '--config', p], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    const err = JSON.parse(r.stderr.trim().split('\n').pop()!);
    assert.equal(err.code, 'CONFIG');
    assert.match(err.message, /unknown key "Bogus"/);
    assert.ok(err.message.includes(p));
    assert.equal(existsSync(join(dir, 'state')), false, 'no state written');
  });

  it('exits 2 when the default consistency_config.json is absent', async () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    const r = await runCli(['check'], { cwd: empty });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /consistency_config\.json: cannot read configuration/);
  });
});
