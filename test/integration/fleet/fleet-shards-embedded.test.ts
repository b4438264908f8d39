/**
 * Issue 14 point 4 without a queue: the embedded daemon's runs list a sharded site through the
 * same sharded lister, its shards run concurrently in the process (real POSIX files, a SQLite
 * history); the lists equal those of the same site's run listed whole.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../../../src/config/config-loader.ts';
import { removeTree } from '../../../src/demo/demo-site.ts';
import { fleetListerHook } from '../../../src/fleet/fleet-shards.ts';
import { runSite } from '../../../src/run/run-site.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';

const SITE = 'T2_XX_Posix';
const OLD = Date.now() / 1000 - 10 * 86400;
let root: string;

before(() => {
  root = mkdtempSync(join(tmpdir(), 'dc-shards-embedded-'));
  const data = join(root, 'site');
  const inv: string[] = [];
  for (let e = 0; e < 8; e++) {
    for (let b = 0; b < 3; b++) {
      const dir = `/store/mc/Era${e}/Prim/000${b}`;
      mkdirSync(data + dir, { recursive: true });
      for (let f = 0; f < 5; f++) {
        const lfn = `${dir}/f${f}.root`;
        writeFileSync(data + lfn, 'x'.repeat(f + 1));
        utimesSync(data + lfn, OLD, OLD);
        if (!(e === 3 && f === 0)) inv.push(`${lfn} ${f + 1}`);
      }
    }
    mkdirSync(join(data, `store/mc/Era${e}/Empty`), { recursive: true });
    for (const d of [`store/mc/Era${e}/Empty`, `store/mc/Era${e}/Prim`, `store/mc/Era${e}`]) utimesSync(join(data, d), OLD, OLD);
    inv.push(`/store/mc/Era${e}/Prim/0000/lost.root 3`);
  }
  writeFileSync(join(root, 'inv.txt'), inv.join('\n') + '\n');
});

after(() => removeTree(root));

async function run(name: string, shards: Record<string, unknown>): Promise<Map<string, string>> {
  const file = join(root, `${name}.json`);
  writeFileSync(file, JSON.stringify({ DirectoryList: ['mc'], VarLocation: `var-${name}`, WebDir: `www-${name}`, History: { Url: `sqlite:${name}.sqlite` }, Inventory: { Type: 'dump', Path: 'inv.txt', Format: 'lfn-size' }, Sites: { [SITE]: { Url: pathToFileURL(join(root, 'site')).href, ...shards } } }));
  const config = loadConfig(file);
  const store = await HistoryStore.open(config.historyUrl);
  const events: string[] = [];
  const log = (event: string, fields: Record<string, unknown>) => void events.push(event === "shards-planned" ? JSON.stringify(fields) : event);
  try {
    const outcome = await runSite(config, SITE, store, { log, createLister: fleetListerHook(config, store, log) });
    assert.equal(outcome.status, 'done', outcome.error?.message);
    assert.equal((await store.runs.collect(SITE)).length, 1);
  } finally {
    await store.close();
  }
  assert.equal(events.filter((e) => e === 'shard-done').length, shards.Shards ? 3 : 0, events.join(' '));
  const dir = join(root, `var-${name}`);
  return new Map(readdirSync(dir).filter((f) => f.endsWith('.txt')).map((f) => [f, readFileSync(join(dir, f), 'latin1')]));
}

describe('a sharded site in the embedded daemon', () => {
  it('lists its shards in the process and writes the lists of a run listed whole', async () => {
    const whole = await run('whole', {});
    for (const ShardBy of ['hash', 'top']) {
      const sharded = await run(`sharded-${ShardBy}`, { Shards: 3, ShardBy, ...(ShardBy === 'top' ? { DirectoryList: ['mc/Era0', 'mc/Era1', 'mc/Era2', 'mc/Era3', 'mc/Era4'], ListOnlyInventoryDirs: false } : {}) });
      if (ShardBy === 'top') continue; // other tops, other lists: only the shards' run is asserted above
      assert.deepEqual([...sharded.keys()].sort(), [...whole.keys()].sort());
      for (const [f, text] of whole) assert.equal(sharded.get(f), text, `${f} differs`);
    }
    assert.ok((whole.get(`${SITE}_compare_missing.txt`) ?? '').split('\n').length > 8);
    assert.ok((whole.get(`${SITE}_compare_orphan.txt`) ?? '').length > 0);
    assert.ok((whole.get(`${SITE}_empty.txt`) ?? '').length > 0);
  });
});
