/**
 * Issue 14: a site's readiness comes from the readiness feed and from the inventory's own `sites`
 * table (Dynamo's status). The fleet page says why a site is not checked in the daemon's words:
 * here a site the sites table holds in `waitroom`, read from a real SQLite Dynamo inventory; the
 * daemon skips it for the same reason.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../../src/config/config-loader.ts';
import { createDemoSite, DEMO_SITE, removeTree } from '../../../src/demo/demo-site.ts';
import { mergeNotReady } from '../../../src/fleet/fleet-readiness.ts';
import type { FleetView } from '../../../src/fleet/fleet-view.ts';
import { openSql } from '../../../src/sql/sql-database.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { createWebServer } from '../../../src/web/web-server.ts';
import { writeCliConfig } from '../../helpers/cli-fixture.ts';
import { CliProcess, waitFor } from './fleet-fixture.ts';

const WAITROOM = 'T2_WR_Waitroom';

let dir: string;
let store: HistoryStore;
let app: FastifyInstance;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dc-fleet-ready-'));
  const demo = await createDemoSite(join(dir, 'demo'));
  const inventoryPath = join(demo.dir, 'var', 'inventory.sqlite');
  const inv = await openSql<{ sites: { name: string; status: string } }>(`sqlite:${inventoryPath}`);
  await inv.db.insertInto('sites').values({ name: WAITROOM, status: 'waitroom' }).execute();
  await inv.close();
  const sites = { [DEMO_SITE]: { Url: pathToFileURL(join(dir, 'demo', 'site')).href }, [WAITROOM]: { Url: 'file:///nonexistent/waitroom' } };
  const config = loadConfig(writeCliConfig(dir, { DirectoryList: undefined, Retries: undefined, Sites: sites, Inventory: { Type: 'sqlite', Path: inventoryPath } }), {});
  store = await HistoryStore.open(config.historyUrl);
  ({ app } = await createWebServer({ config, store }));
  await app.ready();
});

after(async () => {
  await app?.close();
  await store?.close();
  if (dir) {
    removeTree(join(dir, 'demo', 'site'));
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('readiness from the inventory\'s sites table', () => {
  it('shows a site the sites table holds back as not ready, with its status, and the ready one as due', async () => {
    const view = (await app.inject('/api/fleet')).json() as FleetView;
    const site = (name: string) => view.sites.find((s) => s.site === name)!;
    assert.deepEqual([site(WAITROOM).activity, site(WAITROOM).reason], ['waiting', 'not ready: the inventory\'s sites table says waitroom']);
    assert.equal(site(DEMO_SITE).activity, 'due');
    const html = (await app.inject('/fleet')).body;
    assert.match(html, /data-site="T2_WR_Waitroom"[^]*?<td class="reason">not ready: the inventory&#39;s sites table says waitroom<\/td>/);
  });

  it('keeps the daemon from checking it, with the same reason in its log', async () => {
    const daemon = new CliProcess(['daemon', '--config', join(dir, 'consistency_config.json')], dir);
    try {
      const said = await waitFor('the daemon to say why the site waits', async () => daemon.events('site-waiting').find((e) => e.site === WAITROOM), 60_000);
      assert.equal(said.reason, 'not ready: the inventory\'s sites table says waitroom');
      await waitFor('the ready site to be checked', async () => (await store.runs.collect(DEMO_SITE)).some((r) => r.status === 'done'), 60_000);
      const s = await daemon.stop('SIGTERM');
      assert.equal(s.code, 0, daemon.stderr.slice(-2000));
      assert.deepEqual(await store.runs.collect(WAITROOM), []);
    } finally {
      daemon.kill();
    }
  });

  it('joins the reasons of both sources', () => {
    const merged = mergeNotReady(new Map([['A', 'in downtime'], ['B', 'feed says no']]), new Map([['A', 'the inventory\'s sites table says morgue']]));
    assert.deepEqual([...merged], [['A', 'in downtime; the inventory\'s sites table says morgue'], ['B', 'feed says no']]);
  });
});
