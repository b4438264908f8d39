import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, siteConfig } from '../../../src/config/config-loader.ts';

function withConfig(body: Record<string, unknown>, fn: (file: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'dc-unm-cfg-'));
  try {
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ Sites: { T2_A: { Url: 'file:///tmp/x' } }, ...body }));
    fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('unmerged configuration keys (issue 15)', () => {
  it('defaults: no limit on deletions, fraction 1, shrink 0.5, no protected list', () => {
    withConfig({}, (f) => {
      const s = siteConfig(loadConfig(f, {}), 'T2_A');
      assert.deepEqual([s.MaxUnmergedDeletions, s.MaxUnmergedFraction, s.MaxProtectedShrink, s.ProtectedLfnsUrl, s.ProtectedLfnsFile, s.Unmerged], [null, 1, 0.5, '', '', []]);
    });
  });

  it('takes MaxUnmergedDeletions from the environment as a number or null, and names a bad value', () => {
    withConfig({ MaxUnmergedDeletions: 10 }, (f) => {
      assert.equal(siteConfig(loadConfig(f, { MaxUnmergedDeletions: '5' }), 'T2_A').MaxUnmergedDeletions, 5);
      assert.equal(siteConfig(loadConfig(f, { MaxUnmergedDeletions: 'null' }), 'T2_A').MaxUnmergedDeletions, null);
      assert.throws(() => loadConfig(f, { MaxUnmergedDeletions: 'many' }), /environment variable MaxUnmergedDeletions: expected a number/);
    });
  });

  it('refuses a protected list URL that is not http(s) and a bad ListDeletable, naming the key', () => {
    withConfig({ ProtectedLfnsUrl: 'ftp://x/y' }, (f) => assert.throws(() => loadConfig(f, {}), /ProtectedLfnsUrl/));
    withConfig({ ListDeletable: { WHICH_LIST: 'blocks' } }, (f) => assert.throws(() => loadConfig(f, {}), /key "ListDeletable"/));
    withConfig({ MaxUnmergedFraction: 2 }, (f) => assert.throws(() => loadConfig(f, {}), /MaxUnmergedFraction/));
  });

  it('gives no "has no effect" notice for the seed\'s unmerged keys any more', () => {
    withConfig({ Unmerged: ['T2_A'], UnmergedLogsAge: 60, ListDeletable: { MIN_AGE: 100 }, AdditionalLogDeletions: { T2_A: ['logs/x'] } }, (f) => {
      const c = loadConfig(f, {});
      assert.deepEqual(c.notices, []);
      assert.deepEqual(siteConfig(c, 'T2_A').AdditionalLogDeletions, ['logs/x']);
    });
  });
});
