import { mkdirSync, readdirSync, rmdirSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileAtomic } from '../core/atomic-file.ts';
import { createDynamoSchema } from '../inventory/sql/dynamo-schema.ts';
import { importSiteInventory, type ImportLine } from '../inventory/sql/dynamo-import.ts';
import { openInventoryDatabase } from '../inventory/sql/sql-inventory.ts';

export const DEMO_SITE = 'T2_XX_Demo';

/** What the demo plants, so the check's result can be compared with it. */
export interface DemoPlan {
  dir: string;
  configFile: string;
  files: number;
  missing: string[];
  orphan: string[];
  sizeMismatch: string[];
  empty: string[];
  newFiles: string[];
  protectedFiles: string[];
  unlistedDir: string;
  hiddenUnderUnlisted: string[];
}

const DAY = 86400;

function lfnOf(kind: string, era: string, prim: string, tier: string, proc: string, n: number): string {
  return `/store/${kind}/${era}/${prim}/${tier}/${proc}/0000/${prim.toLowerCase()}_${String(n).padStart(4, '0')}.root`;
}

/**
 * Writes a demo site under `dir`: a storage tree in `dir/site`, a matching SQLite inventory with
 * known problems, and `dir/consistency_config.json`. Everything is old except the planted new file.
 */
export async function createDemoSite(dirArg: string, opts: { filesPerDataset?: number } = {}): Promise<DemoPlan> {
  const dir = resolve(dirArg);
  removeTree(join(dir, 'site'));
  removeTree(join(dir, 'var'));
  removeTree(join(dir, 'www'));
  const siteRoot = join(dir, 'site');
  const now = Date.now() / 1000;
  const old = now - 3 * DAY;
  const per = opts.filesPerDataset ?? 40;
  const datasets = [
    ['mc', 'RunIISummer20UL18', 'TTJets_TuneCP5', 'MINIAODSIM', '106X_v16-v2'],
    ['mc', 'RunIISummer20UL18', 'DYJetsToLL_M-50', 'NANOAODSIM', '106X_v17-v1'],
    ['data', 'Run2018A', 'SingleMuon', 'MINIAOD', 'UL2018_MiniAODv2-v3'],
    ['data', 'Run2018B', 'EGamma', 'AOD', '12Nov2019_UL2018-v2'],
  ] as const;
  const inventory: ImportLine[] = [];
  const onDisk: { lfn: string; size: number; mtime: number }[] = [];
  for (const [kind, era, prim, tier, proc] of datasets) {
    for (let i = 0; i < per; i++) {
      const lfn = lfnOf(kind, era, prim, tier, proc, i);
      const size = 1000 + ((i * 7919) % 5000);
      inventory.push({ lfn, size, settled: true });
      onDisk.push({ lfn, size, mtime: old });
    }
  }
  const plan: DemoPlan = { dir, configFile: join(dir, 'consistency_config.json'), files: 0, missing: [], orphan: [], sizeMismatch: [], empty: [], newFiles: [], protectedFiles: [], unlistedDir: '', hiddenUnderUnlisted: [] };
  // Missing: in the inventory, gone from disk.
  // Indexes spread over the four datasets for any size the command allows (at least 30 files each).
  for (const i of [3, 17, per + 1, 2 * per + 17]) {
    plan.missing.push(onDisk[i].lfn);
    onDisk[i] = { ...onDisk[i], lfn: '' };
  }
  // Size mismatch: the disk copy is truncated.
  for (const i of [5, 3 * per + 10]) {
    onDisk[i] = { ...onDisk[i], size: onDisk[i].size - 100 };
    plan.sizeMismatch.push(onDisk[i].lfn);
  }
  // In flux (an incomplete transfer): absent from disk but never missing.
  inventory.push({ lfn: lfnOf('mc', 'RunIISummer20UL18', 'TTJets_TuneCP5', 'MINIAODSIM', '106X_v16-v2', 900), size: 1234, settled: false });
  // Orphans: old files of datasets the site holds no replica of, one with an awkward name.
  for (const lfn of [
    '/store/mc/RunIIFall17/QCD_Pt-15to7000/AODSIM/94X_v11-v1/0000/leftover_0001.root',
    '/store/data/Run2017F/OldStream/RAW/v1/000/failed transfer #7 (copy).root',
  ]) {
    onDisk.push({ lfn, size: 4096, mtime: old });
    plan.orphan.push(lfn);
  }
  // Unknown to the inventory but of a dataset replicated here: protected, never orphan.
  const protectedFile = '/store/mc/RunIISummer20UL18/TTJets_TuneCP5/MINIAODSIM/106X_v16-v2/0000/unregistered_0001.root';
  onDisk.push({ lfn: protectedFile, size: 4096, mtime: old });
  plan.protectedFiles.push(protectedFile);
  // A new file not yet in the inventory: neither orphan nor anything else.
  const fresh = '/store/mc/RunIISummer20UL18/DYJetsToLL_M-50/NANOAODSIM/106X_v17-v1/0001/being_written.root';
  onDisk.push({ lfn: fresh, size: 10, mtime: now - 60 });
  plan.newFiles.push(fresh);
  // A directory whose listing fails, holding an inventory file that must not be reported missing:
  // its absolute path is longer than PATH_MAX, so opening it fails (ENAMETOOLONG) even as root.
  const deepBase = '/store/data/Run2018B/EGamma/AOD/12Nov2019_UL2018-v2/deep';
  const chain: string[] = [];
  while ((siteRoot + deepBase + '/' + chain.join('/')).length <= 4096) chain.push(`level${String(chain.length).padStart(2, '0')}_${'x'.repeat(240)}`);
  plan.unlistedDir = `${deepBase}/${chain.join('/')}`;
  const hidden = `${plan.unlistedDir}/hidden.root`;
  inventory.push({ lfn: hidden, size: 77, settled: true });
  plan.hiddenUnderUnlisted.push(hidden);

  for (const f of onDisk) {
    if (!f.lfn) continue;
    const p = siteRoot + f.lfn;
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, Buffer.alloc(f.size, 0x61));
    utimesSync(p, f.mtime, f.mtime);
    plan.files++;
  }
  // Build the too-long chain from inside it: the working directory may go deeper than PATH_MAX.
  mkdirSync(siteRoot + deepBase, { recursive: true });
  const cwd = process.cwd();
  try {
    process.chdir(siteRoot + deepBase);
    for (const part of chain) {
      mkdirSync(part);
      process.chdir(part);
    }
    writeFileSync('hidden.root', Buffer.alloc(77, 0x61));
    utimesSync('hidden.root', old, old);
    for (let i = 0; i < chain.length; i++) {
      process.chdir('..');
      utimesSync(chain[chain.length - 1 - i], old, old);
    }
  } finally {
    process.chdir(cwd);
  }
  utimesSync(siteRoot + deepBase, old, old);
  // Empty directories: old, no files anywhere below (a chain of two and a single one).
  const empties = ['/store/mc/RunIISummer20UL18/TTJets_TuneCP5/MINIAODSIM/106X_v16-v2/0002', '/store/mc/RunIISummer20UL18/TTJets_TuneCP5/MINIAODSIM/106X_v16-v2/0002/sub', '/store/data/Run2018A/SingleMuon/MINIAOD/UL2018_MiniAODv2-v3/0009'];
  for (const e of empties) mkdirSync(siteRoot + e, { recursive: true });
  plan.empty.push(...empties);
  // Every directory old (deepest first so parents keep their old time).
  for (const e of [...empties].reverse()) utimesSync(siteRoot + e, old, old);

  const database = await openInventoryDatabase({ engine: 'sqlite', location: join(dir, 'var', 'inventory.sqlite') });
  const db = database.db;
  try {
    await createDynamoSchema(database);
    await importSiteInventory(database, DEMO_SITE, inventory);
    // An import claims no dataset replica; the demo's four datasets are replicated here, as
    // Dynamo would record them, so their unregistered file is protected (CmsDatasets).
    const site = await db.selectFrom('sites').select('id').where('name', '=', DEMO_SITE).executeTakeFirstOrThrow();
    const held = await db.selectFrom('datasets').select('id').where('name', 'in', datasets.map(([, era, prim, tier, proc]) => `/${prim}/${era}-${proc}/${tier}`)).execute();
    await db.insertInto('dataset_replicas').values(held.map((d) => ({ dataset_id: d.id, site_id: site.id }))).execute();
  } finally {
    await database.close();
  }
  const config = {
    RootPath: '/store',
    CmsDatasets: true,
    DirectoryList: ['mc', 'data'],
    IgnoreAge: 1,
    NumThreads: 8,
    Retries: 1,
    Timeout: 30,
    VarLocation: 'var',
    WebDir: 'www',
    Sites: { [DEMO_SITE]: { Url: pathToFileURL(siteRoot).href, PathPrefix: '' } },
    Inventory: { Type: 'sqlite', Path: 'var/inventory.sqlite' },
    History: { Url: 'sqlite:var/history.sqlite' },
  };
  writeFileAtomic(plan.configFile, JSON.stringify(config, null, 2) + '\n');
  return plan;
}

/**
 * Removes a tree that may be deeper than PATH_MAX (the demo's failing directory), working with
 * relative names from inside it; fs.rmSync would fail there with ENAMETOOLONG.
 */
export function removeTree(path: string): void {
  const cwd = process.cwd();
  const inner = () => {
    for (const e of readdirSync('.', { withFileTypes: true })) {
      if (e.isDirectory()) {
        process.chdir(e.name);
        try {
          inner();
        } finally {
          process.chdir('..');
        }
        rmdirSync(e.name);
      } else unlinkSync(e.name);
    }
  };
  try {
    process.chdir(path);
  } catch {
    return;
  }
  try {
    inner();
  } finally {
    process.chdir(cwd);
  }
  rmdirSync(path);
}
