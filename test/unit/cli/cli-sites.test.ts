/**
 * Which sites `check` may pick (issue 10 §4): --site searched in the name as the seed did; sites
 * from Sites, from the seed's per-site dictionaries and from the inventory (Dynamo's `sites` table).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCandidates, matchSites } from '../../../src/cli/cli-sites.ts';
import type { Logger } from '../../../src/cli/cli-log.ts';
import { loadConfig, siteConfig } from '../../../src/config/config-loader.ts';
import { DcError } from '../../../src/core/errors.ts';
import { createDynamoSchema } from '../../../src/inventory/sql/dynamo-schema.ts';
import { importSiteInventory } from '../../../src/inventory/sql/dynamo-import.ts';
import { openInventoryDatabase } from '../../../src/inventory/sql/sql-inventory.ts';

let dir: string;
let invPath: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dc-clisites-'));
  invPath = join(dir, 'inventory.sqlite');
  const db = await openInventoryDatabase({ engine: 'sqlite', location: invPath });
  try {
    await createDynamoSchema(db);
    for (const s of ['T2_INV_Only', 'T2_AA_Conf']) await importSiteInventory(db, s, [{ lfn: '/store/mc/E/P/T/V/0000/a.root', size: 1, settled: true }]);
  } finally {
    await db.close();
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

function quietLog(): Logger & { events: { event: string; fields?: Record<string, unknown> }[] } {
  const events: { event: string; fields?: Record<string, unknown> }[] = [];
  const rec = (event: string, fields?: Record<string, unknown>) => void events.push({ event, fields });
  return { events, json: true, info: rec, warn: rec, error: rec, debug: rec, status: () => undefined, endStatus: () => undefined };
}

let n = 0;
function config(body: Record<string, unknown>) {
  const p = join(dir, `c${n++}.json`);
  writeFileSync(p, JSON.stringify({ Inventory: { Type: 'sqlite', Path: invPath }, ...body }));
  return loadConfig(p, {});
}

describe('--site matching', () => {
  const names = ['T1_US_FNAL_Disk', 'T2_US_MIT', 'T2_US_MIT_Test', 'T3_US_MIT'];
  it('searches the regular expression in the name, unanchored, as the seed did', () => {
    assert.deepEqual(matchSites(names, 'MIT'), ['T2_US_MIT', 'T2_US_MIT_Test', 'T3_US_MIT']);
    assert.deepEqual(matchSites(names, 'T2_US'), ['T2_US_MIT', 'T2_US_MIT_Test']);
    assert.deepEqual(matchSites(names, '^T2_US_MIT$'), ['T2_US_MIT']);
    assert.deepEqual(matchSites(names, undefined), names);
    assert.throws(() => matchSites(names, '['), (e: unknown) => e instanceof DcError && e.code === 'CONFIG');
  });
});

describe('check candidates', () => {
  it('adds the sites the inventory knows; GlobalRedirectors give them a door', async () => {
    const c = config({ GlobalRedirectors: ['global.example'], PathPrefix: { T2_DICT: '/cms' }, Sites: { T2_AA_Conf: { Url: 'file:///x' } } });
    const r = await checkCandidates(c, undefined, quietLog());
    assert.deepEqual(r.sites, ['T2_AA_Conf', 'T2_DICT', 'T2_INV_Only']);
    assert.equal(siteConfig(r.config, 'T2_INV_Only', {}).Url, '');
    assert.deepEqual((await checkCandidates(c, 'INV', quietLog())).sites, ['T2_INV_Only']);
  });

  it('refuses a selected site with no way to its storage, naming it and the file', async () => {
    const c = config({ Sites: { T2_AA_Conf: { Url: 'file:///x' } } });
    await assert.rejects(checkCandidates(c, 'INV', quietLog()), (e: unknown) => e instanceof DcError && e.code === 'CONFIG' && e.message.includes('site "T2_INV_Only" has no Url') && e.message.includes(c.file));
    const log = quietLog();
    const r = await checkCandidates(c, undefined, log);
    assert.deepEqual(r.sites, ['T2_AA_Conf'], 'without --site an inventory-only site without a door is left out');
    assert.deepEqual(log.events.find((e) => e.event === 'sites-without-door')?.fields?.sites, ['T2_INV_Only']);
    const dictOnly = config({ PathPrefix: { T2_DICT: '/cms' }, Sites: { T2_AA_Conf: { Url: 'file:///x' } } });
    await assert.rejects(checkCandidates(dictOnly, undefined, quietLog()), /site "T2_DICT" has no Url/, 'a configured site without a door is an error even without --site');
  });

  it('says why when nothing matches and the inventory could not be read', async () => {
    const p = join(dir, 'noinv.json');
    writeFileSync(p, JSON.stringify({ Inventory: { Type: 'sqlite', Path: join(dir, 'absent.sqlite') }, Sites: { T2_A: { Url: 'file:///x' } } }));
    await assert.rejects(checkCandidates(loadConfig(p, {}), 'INV', quietLog()), /no configured site matches "INV" \(the inventory's sites are unknown: cannot open SQLite inventory/);
    assert.deepEqual((await checkCandidates(loadConfig(p, {}), 'T2_A', quietLog())).sites, ['T2_A']);
  });
});
