import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/config-loader.ts';
import { removeTree } from '../../../src/demo/demo-site.ts';
import { fleetSettings } from '../../../src/fleet/fleet-settings.ts';
import { parseReadiness } from '../../../src/fleet/fleet-readiness.ts';
import { DcError } from '../../../src/core/errors.ts';

const isCode = (e: unknown, code: string) => e instanceof DcError && e.code === code;

const dir = mkdtempSync(join(tmpdir(), 'dc-fleet-settings-'));
after(() => removeTree(dir));

function config(body: object) {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ Sites: { T2_A: { Url: 'file:///tmp' } }, ...body }));
  return loadConfig(file, {});
}

describe('fleet settings', () => {
  it('defaults to an embedded daemon of 4 checks', () => {
    assert.deepEqual(fleetSettings(config({})), { maxConcurrentChecks: 4 });
  });

  it('refuses a distributed fleet on a SQLite history, naming the keys', () => {
    assert.throws(() => fleetSettings(config({ Queue: { Url: 'redis://127.0.0.1:6379/0' } })), (e: unknown) => isCode(e, 'CONFIG') && /"Queue".*History\.Url is SQLite/.test((e as Error).message));
  });

  it('reads a distributed fleet on PostgreSQL', () => {
    const s = fleetSettings(config({ MaxConcurrentChecks: 8, Queue: { Url: 'redis://127.0.0.1:6379/2', Name: 'grid' }, History: { Url: 'postgres://db.example/dc' } }));
    assert.deepEqual(s, { maxConcurrentChecks: 8, queue: { url: 'redis://127.0.0.1:6379/2', name: 'grid', stallSeconds: 30 } });
  });

  it('takes CheckEvery and LockGroup per site', () => {
    const c = config({ CheckEvery: 24, Sites: { T2_A: { Url: 'file:///tmp', CheckEvery: 0.5, LockGroup: 'gfal' } } });
    assert.equal(c.raw.Sites.T2_A.CheckEvery, 0.5);
    assert.throws(() => config({ CheckEvery: 0 }), (e: unknown) => isCode(e, 'CONFIG') && /CheckEvery/.test((e as Error).message));
  });
});

describe('the readiness feed', () => {
  it('reads booleans and {ready, reason}; unnamed sites are ready', () => {
    const r = parseReadiness({ T2_A: true, T2_B: false, T2_C: { ready: false, reason: 'downtime until Friday' }, T2_D: { ready: true } }, 'feed');
    assert.deepEqual([...r], [
      ['T2_B', 'the readiness feed says not ready'],
      ['T2_C', 'downtime until Friday'],
    ]);
  });

  it('refuses what is not a site -> ready object', () => {
    assert.throws(() => parseReadiness([], 'feed'), (e: unknown) => isCode(e, 'PROTOCOL'));
    assert.throws(() => parseReadiness({ T2_A: 'yes' }, 'feed'), (e: unknown) => isCode(e, 'PROTOCOL'));
  });
});
