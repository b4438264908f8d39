import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { RunSummaryFile } from '../../../src/check/check-outputs.ts';
import { loadConfig, type Config } from '../../../src/config/config-loader.ts';
import { createDemoSite, DEMO_SITE, removeTree } from '../../../src/demo/demo-site.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import type { WebContext } from '../../../src/web/web-context.ts';
import { createWebServer } from '../../../src/web/web-server.ts';
import { runSite } from '../../../src/run/run-site.ts';
import { writeCliConfig } from '../../helpers/cli-fixture.ts';

/** A name that would run script, break an attribute or start an entity if it were not escaped. */
// No slash: it is also used as a real file name on disk.
export const EVIL = `x"'&amp;<script>window.__pwned=1<img src=x onerror="window.__pwned=2">`;
export const EVIL_DIR = `/store/mc/Evil/<b>bold</b>&"q'`;
export const TOKEN = 'web-test-token-0123456789abcdef';

export const SITES = {
  demo: DEMO_SITE,
  alert: 'T1_US_Alert',
  running: 'T2_CH_Running',
  halted: 'T2_DE_Halted',
  failed: 'T3_XX_Failed',
  evil: 'T2_IT_Evil',
  never: 'T2_FR_Never',
} as const;

const DAY = 86400_000;

export interface WebFixture {
  dir: string;
  config: Config;
  store: HistoryStore;
  app: FastifyInstance;
  ctx: WebContext;
  webDir: string;
  runIds: Record<string, number[]>;
  close(): Promise<void>;
}

export function makeSummary(site: string, runId: number, o: { files?: number; missing?: number; orphan?: number; unlisted?: RunSummaryFile['unlisted']['dirs']; gates?: RunSummaryFile['gates']; total?: number } = {}): RunSummaryFile {
  const dirs = o.unlisted ?? [];
  const total = o.total ?? 120;
  return {
    site, url: `file:///sites/${site}`, lister: 'posix', inventoryKind: 'sqlite', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), now: Date.now() / 1000, ignoreAgeDays: 1,
    timings: { inventoryBefore: total * 0.1, listing: total * 0.7, inventoryAfter: total * 0.1, finalize: total * 0.1, total },
    tops: [{ lfn: '/store/mc', files: o.files ?? 1000, bytes: (o.files ?? 1000) * 2e6, unlisted: false }],
    listing: { files: o.files ?? 1000, bytes: (o.files ?? 1000) * 2e6, directories: 50, newFiles: 3, retries: 2 },
    inventory: { files: 1000, settled: 990, inFlux: 10, bytes: 2e9 },
    missing: { count: o.missing ?? 0, bytes: (o.missing ?? 0) * 2e6 },
    orphan: { count: o.orphan ?? 0, bytes: (o.orphan ?? 0) * 3e6 },
    sizeMismatch: { count: 0, bytes: 0 },
    empty: 1, emptyDirectoriesKnown: true,
    unlisted: { count: dirs.length, dirs, settledFilesBelow: 0, outsideIgnored: dirs.length },
    skipped: { newFiles: 3, ignoredOrphans: 0, protectedOrphans: 0, queuedDeletion: 0, leftInventoryDuringRun: 0, joinedInventoryDuringRun: 0, outsideListedTops: 0, undecodableNames: 0 },
    runId, gates: o.gates ?? { act: false, held: [{ gate: 'DryMode', reason: 'the site is in dry mode' }] }, actions: [], files: {},
  };
}

async function syntheticRun(store: HistoryStore, site: string, startedAt: number, status: 'done' | 'failed', o: Parameters<typeof makeSummary>[2] = {}): Promise<number> {
  const id = await store.runs.start(site, new Date(startedAt).toISOString());
  if (status === 'failed') await store.runs.finish(id, 'failed', { error: 'cannot connect to <storage> & "friends"' });
  else {
    const summary = makeSummary(site, id, o);
    await store.runs.finish(id, 'done', { summary, gatesHeld: summary.gates.held.map((g) => g.gate) });
  }
  return id;
}

/**
 * A dashboard over a real history store: the demo site checked for real twice (with an orphan
 * whose name holds markup), and synthetic histories for sites in every colour.
 */
export async function createWebFixture(opts: { token?: string; tokenFile?: boolean } = {}): Promise<WebFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'dc-web-'));
  const demo = await createDemoSite(join(dir, 'demo'));
  const evilFile = join(dir, 'demo', 'site', 'store', 'mc', 'RunIIFall17', 'Evil', 'AODSIM', 'v1', '0000', `${EVIL}.root`);
  mkdirSync(join(evilFile, '..'), { recursive: true });
  writeFileSync(evilFile, 'x'.repeat(500));
  const old = Date.now() / 1000 - 3 * 86400;
  utimesSync(evilFile, old, old);
  for (let p = join(evilFile, '..'); p.length > join(dir, 'demo', 'site', 'store', 'mc').length; p = join(p, '..')) utimesSync(p, old, old);
  const webDir = join(dir, 'www');
  const web: Record<string, string> = {};
  if (opts.token && opts.tokenFile) {
    writeFileSync(join(dir, 'token.txt'), opts.token + '\n');
    web.TokenFile = 'token.txt';
  } else if (opts.token) web.Token = opts.token;
  const sites: Record<string, { Url: string; CmsDatasets?: boolean }> = {};
  for (const s of Object.values(SITES)) sites[s] = s === DEMO_SITE ? { Url: pathToFileURL(join(dir, 'demo', 'site')).href, CmsDatasets: true } : { Url: `file:///nonexistent/${s}` };
  const configFile = writeCliConfig(dir, {
    RootPath: '/store',
    DirectoryList: ['mc', 'data'],
    ListOnlyInventoryDirs: false,
    Sites: sites,
    Inventory: { Type: 'sqlite', Path: demo.dir + '/var/inventory.sqlite' },
    ...(Object.keys(web).length ? { Web: web } : {}),
  });
  const cfg = loadConfig(configFile, {});
  const store = await HistoryStore.open(cfg.historyUrl);
  const runIds: Record<string, number[]> = {};
  const now = Date.now();
  for (let i = 0; i < 2; i++) {
    const o = await runSite(cfg, DEMO_SITE, store, { retryDelayMs: 10 });
    if (o.status !== 'done') throw new Error(`demo run failed: ${o.error?.message}`);
    (runIds[DEMO_SITE] ??= []).push(o.runId);
  }
  for (let d = 10; d >= 1; d--) (runIds[SITES.alert] ??= []).push(await syntheticRun(store, SITES.alert, now - d * DAY, 'done', { files: 5000 + d * 100, missing: d === 1 ? 4000 : 20 + d, orphan: 10 * d, total: 300 + d * 20, gates: d === 1 ? { act: false, held: [{ gate: 'MaxMissing', reason: '4000 missing > MaxMissing 1000' }] } : undefined }));
  for (let d = 5; d >= 1; d--) (runIds[SITES.running] ??= []).push(await syntheticRun(store, SITES.running, now - d * DAY, 'done', { files: 800 }));
  const live = await store.runs.start(SITES.running, new Date(now - 60_000).toISOString());
  await store.locks.heartbeat(SITES.running, live, { phase: 'listing', dirsListed: 1234, files: 56789, unlisted: 0, inventoryFiles: 60000, elapsedMs: 60000 });
  runIds[SITES.running].push(live);
  runIds[SITES.halted] = [await syntheticRun(store, SITES.halted, now - 2 * DAY, 'done')];
  await store.states.set(SITES.halted, 'halt', 'cli:test');
  runIds[SITES.failed] = [await syntheticRun(store, SITES.failed, now - 3 * DAY, 'done'), await syntheticRun(store, SITES.failed, now - DAY, 'failed')];
  const evilId = await syntheticRun(store, SITES.evil, now - DAY, 'done', { orphan: 2, unlisted: [{ lfn: EVIL_DIR, code: 'PERMISSION', message: `denied: ${EVIL}`, attempts: 3 }] });
  runIds[SITES.evil] = [evilId];
  mkdirSync(webDir, { recursive: true });
  writeFileSync(join(webDir, `${SITES.evil}_compare_orphan.txt`), `/store/mc/Evil/${EVIL}.root\n${EVIL_DIR}/a & b.root\n`);
  writeFileSync(join(webDir, `${SITES.evil}_unlisted.txt`), `${EVIL_DIR}\n`);
  writeFileSync(join(webDir, `${SITES.evil}_summary.json`), JSON.stringify(makeSummary(SITES.evil, evilId)));
  writeFileSync(join(webDir, `${SITES.evil}_run${evilId}.log`), `listing ${EVIL}\nfailed: ${EVIL_DIR}\n`);
  const { app, ctx } = await createWebServer({ config: cfg, store });
  await app.ready();
  return {
    dir, config: cfg, store, app, ctx, webDir, runIds,
    async close() {
      await app.close();
      await store.close();
      removeTree(join(dir, 'demo', 'site'));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
