/**
 * A small site for action tests: a storage tree on disk (served as file://, or by a real server
 * pointed at the same directory), a Dynamo inventory (SQLite by default, or a MariaDB URL) and a
 * configuration file. It plants known missing files, orphans and empty directories.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Kysely } from 'kysely';
import { loadConfig, type Config } from '../../../src/config/config-loader.ts';
import { createDynamoSchema } from '../../../src/inventory/sql/dynamo-schema.ts';
import { placeOf, type ImportLine } from '../../../src/inventory/sql/dynamo-import.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { openSql } from '../../../src/sql/sql-database.ts';
import { runSite, type RunOptions, type RunOutcome } from '../../../src/run/run-site.ts';

export const SITE = 'T2_XX_Act';
const DAY = 86400;

export const PLANTED = {
  present: [
    ...Array.from({ length: 10 }, (_, i) => `/store/mc/EraA/PrimA/AODSIM/procA-v1/0000/a_${i}.root`),
    ...Array.from({ length: 10 }, (_, i) => `/store/data/EraB/PrimB/RAW/procB-v1/0000/b_${i}.root`),
  ],
  missing: ['/store/mc/EraA/PrimA/AODSIM/procA-v1/0001/m_1.root'],
  orphans: ['/store/mc/EraO/Orph/AODSIM/procO-v1/0000/o_1.root', '/store/mc/EraO/Orph/AODSIM/procO-v1/0000/o 2 (copy).root'],
  /** Leaves first. */
  empty: ['/store/mc/EraO/Orph/AODSIM/procO-v1/0009/sub', '/store/mc/EraO/Orph/AODSIM/procO-v1/0009'],
};

export interface ActionSite {
  dir: string;
  siteRoot: string;
  configFile: string;
  config: Config;
  store: HistoryStore;
  run(opts?: RunOptions): Promise<RunOutcome>;
  /** Every file and directory below siteRoot, as LFN-like paths. */
  close(): Promise<void>;
}

export interface ActionSiteOptions {
  /** Site Url for the tree at `siteRoot` (default file://siteRoot). */
  url?: (siteRoot: string) => string;
  /** Extra site keys (Actions, DeleteOrphans, …). */
  settings?: Record<string, unknown>;
  /** Inventory block for the config; default SQLite in the test dir. */
  inventory?: { Type: 'mysql' | 'postgres'; Url: string };
  historyUrl?: string;
  /** Called with the inventory database after the site's import (other sites' replicas, …). */
  seedInventory?: (db: Kysely<any>) => Promise<void>;
  /** More settled inventory files, absent from the storage (more missing files). */
  extraMissing?: string[];
  /** Top directories to remove from the storage before the first run. */
  removeTops?: string[];
}

/** `make` builds action sites for one test file; `closeAll` (in its `after`) removes every one. */
export function actionSites(): { make: typeof makeActionSite; closeAll: () => Promise<void> } {
  const sites: ActionSite[] = [];
  return {
    make: async (o) => {
      const s = await makeActionSite(o);
      sites.push(s);
      return s;
    },
    closeAll: async () => {
      for (const s of sites.splice(0)) await s.close();
    },
  };
}

export async function makeActionSite(o: ActionSiteOptions = {}): Promise<ActionSite> {
  const dir = mkdtempSync(join(tmpdir(), 'dc-actions-'));
  const siteRoot = join(dir, 'site');
  const old = Date.now() / 1000 - 3 * DAY;
  const dirs = new Set<string>();
  const put = (lfn: string) => {
    const p = siteRoot + lfn;
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, Buffer.alloc(100 + (lfn.length % 50), 0x61));
    utimesSync(p, old, old);
    for (let d = lfn.slice(0, lfn.lastIndexOf('/')); d; d = d.slice(0, d.lastIndexOf('/'))) dirs.add(d);
  };
  for (const f of [...PLANTED.present, ...PLANTED.orphans]) put(f);
  for (const e of PLANTED.empty) {
    mkdirSync(siteRoot + e, { recursive: true });
    for (let d = e; d; d = d.slice(0, d.lastIndexOf('/'))) dirs.add(d);
  }
  for (const t of o.removeTops ?? []) rmSync(siteRoot + t, { recursive: true, force: true });
  // Every directory old, deepest first so a parent's time is not refreshed by its children.
  for (const d of [...dirs].sort((a, b) => b.split('/').length - a.split('/').length)) {
    try {
      utimesSync(siteRoot + d, old, old);
    } catch {
      // removed with a top directory
    }
  }
  const inventoryLines: ImportLine[] = [...PLANTED.present, ...PLANTED.missing, ...(o.extraMissing ?? [])].map((lfn) => ({ lfn, size: 100 + (lfn.length % 50), settled: true }));
  const invUrl = o.inventory ? o.inventory.Url : `sqlite:${join(dir, 'inventory.sqlite')}`;
  const database = await openSql<any>(invUrl);
  const db = database.db;
  try {
    await createDynamoSchema(database);
    await seedSite(db, SITE, inventoryLines);
    await o.seedInventory?.(db);
  } finally {
    await db.destroy();
  }
  const configFile = join(dir, 'consistency_config.json');
  writeFileSync(
    configFile,
    JSON.stringify(
      {
        RootPath: '/store',
        DirectoryList: ['mc', 'data'],
        VarLocation: join(dir, 'var'),
        WebDir: join(dir, 'www'),
        Retries: 0,
        Timeout: 20,
        NumThreads: 4,
        Inventory: o.inventory ?? { Type: 'sqlite', Path: join(dir, 'inventory.sqlite') },
        History: { Url: o.historyUrl ?? `sqlite:${join(dir, 'var', 'history.sqlite')}` },
        Sites: { [SITE]: { Url: o.url ? o.url(siteRoot) : pathToFileURL(siteRoot).href, ...o.settings } },
      },
      null,
      2,
    ),
  );
  const config = loadConfig(configFile, {});
  const store = await HistoryStore.open(config.historyUrl);
  await store.states.set(SITE, 'act', 'test');
  return {
    dir,
    siteRoot,
    configFile,
    config,
    store,
    run: (opts = {}) => runSite(config, SITE, store, { retryDelayMs: 1, ...opts }),
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The site's inventory with explicit ids (the same rows importSiteInventory makes: blocks named by
 * placeOf, complete replicas owned by group 1, dataset replicas), portable to every engine.
 */
async function seedSite(db: Kysely<any>, site: string, lines: ImportLine[]): Promise<void> {
  await db.insertInto('groups').values({ id: 1, name: 'AnalysisOps' }).execute();
  await db.insertInto('sites').values({ id: 1, name: site, status: 'ready' }).execute();
  const datasets = new Map<string, number>();
  const blocks = new Map<string, { id: number; ds: number }>();
  const files: { id: number; block_id: number; dataset_id: number; name: string; size: number }[] = [];
  for (const l of lines) {
    const { dataset, block } = placeOf(l.lfn, l.settled);
    if (!datasets.has(dataset)) datasets.set(dataset, datasets.size + 1);
    const ds = datasets.get(dataset)!;
    if (!blocks.has(block)) blocks.set(block, { id: blocks.size + 1, ds });
    files.push({ id: files.length + 1, block_id: blocks.get(block)!.id, dataset_id: ds, name: l.lfn, size: l.size });
  }
  await db.insertInto('datasets').values([...datasets].map(([name, id]) => ({ id, name, status: 'VALID' }))).execute();
  await db.insertInto('blocks').values([...blocks].map(([name, b]) => ({ id: b.id, dataset_id: b.ds, name }))).execute();
  await db.insertInto('files').values(files).execute();
  await db.insertInto('block_replicas').values([...blocks.values()].map((b) => ({ block_id: b.id, site_id: 1, group_id: 1, is_complete: 1 }))).execute();
  await db.insertInto('dataset_replicas').values([...datasets.values()].map((id) => ({ dataset_id: id, site_id: 1 }))).execute();
}
