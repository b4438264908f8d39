/**
 * The one data set every inventory backend serves in the conformance suite: Dynamo's tables as
 * rows, loaded into an SQL engine, or written as Rucio dumps / plain lists plus queue files.
 * LFNs follow the CMS convention, so each file's dataset is also datasetOfLfn(lfn).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import type { Kysely } from 'kysely';

export const SITE = 'T2_XX_Alpha';
export const OTHER_SITE = 'T2_XX_Beta';
export const IDLE_SITE = 'T1_XX_Gamma';
export const BULK_FILES = 12_000;

export interface FixtureFile {
  lfn: string;
  size: number;
  dataset: string;
}

export interface FixtureReplica {
  site: string;
  dataset: string;
  complete: boolean;
  group: number;
}

const ds = (primary: string, era: string, processed: string, tier: string) => ({
  name: `/${primary}/${era}-${processed}/${tier}`,
  dir: `/store/mc/${era}/${primary}/${tier}/${processed}/0000`,
});

export const D = {
  settled: ds('PrimA', 'Era1', 'ProcA-v1', 'AODSIM'),
  incomplete: ds('PrimB', 'Era1', 'ProcB-v1', 'MINIAODSIM'),
  unowned: ds('PrimC', 'Era1', 'ProcC-v1', 'MINIAODSIM'),
  ignored: ds('PrimD', 'Era2', 'ProcD-v1', 'RAW'),
  pendingSubscription: ds('PrimE', 'Era2', 'ProcE-v1', 'AODSIM'),
  deletionSubscription: ds('PrimF', 'Era2', 'ProcF-v1', 'AODSIM'),
  deletionQueue: ds('PrimG', 'Era2', 'ProcG-v1', 'AODSIM'),
  transferQueue: ds('PrimH', 'Era2', 'ProcH-v1', 'AODSIM'),
  finishedSubscription: ds('PrimI', 'Era2', 'ProcI-v1', 'AODSIM'),
  awkward: ds('PrimJ', 'Era3', 'ProcJ-v1', 'USER'),
  bulk: ds('PrimK', 'Era3', 'ProcK-v1', 'NANOAODSIM'),
  elsewhere: ds('PrimL', 'Era3', 'ProcL-v1', 'AODSIM'),
};

/** Names a backend must keep byte-exact: spaces, unicode, NFC/NFD and case twins, backslash. */
export const AWKWARD_NAMES = ['with space.root', 'ünïcödé-日本語.root', 'emoji-🚀.root', 'twin-\u00e9.root', 'twin-e\u0301.root', 'Case.root', 'case.root', 'back\\slash.root', "quote'd \"x\".root"];

function files(d: { name: string; dir: string }, names: string[], size0: number): FixtureFile[] {
  return names.map((n, i) => ({ lfn: `${d.dir}/${n}`, size: size0 + i, dataset: d.name }));
}

export const FILES: FixtureFile[] = [
  ...files(D.settled, ['a1.root', 'a2.root', 'a3.root'], 1000),
  ...files(D.incomplete, ['b1.root', 'b2.root'], 2000),
  ...files(D.unowned, ['c1.root'], 3000),
  ...files(D.ignored, ['d1.root'], 4000),
  ...files(D.pendingSubscription, ['e1.root'], 5000),
  ...files(D.deletionSubscription, ['f1.root', 'f2.root'], 6000),
  ...files(D.deletionQueue, ['g1.root'], 7000),
  ...files(D.transferQueue, ['h1.root'], 8000),
  ...files(D.finishedSubscription, ['i1.root'], 9000),
  ...files(D.awkward, AWKWARD_NAMES, 10_000),
  ...files(D.bulk, Array.from({ length: BULK_FILES }, (_, i) => `bulk-${String(i).padStart(6, '0')}.root`), 1_000_000),
  ...files(D.elsewhere, ['l1.root'], 12_000),
];

/** Which datasets' blocks sit where (one block per dataset). Group 0 means "unowned". */
export const REPLICAS: FixtureReplica[] = [
  { site: SITE, dataset: D.settled.name, complete: true, group: 1 },
  { site: SITE, dataset: D.incomplete.name, complete: false, group: 1 },
  { site: SITE, dataset: D.unowned.name, complete: true, group: 0 },
  { site: SITE, dataset: D.deletionSubscription.name, complete: true, group: 1 },
  { site: SITE, dataset: D.deletionQueue.name, complete: true, group: 1 },
  { site: SITE, dataset: D.awkward.name, complete: true, group: 1 },
  { site: SITE, dataset: D.bulk.name, complete: true, group: 1 },
  { site: OTHER_SITE, dataset: D.settled.name, complete: true, group: 1 },
  { site: OTHER_SITE, dataset: D.elsewhere.name, complete: false, group: 1 },
];

/** Dynamo's file_subscriptions: pending copies protect, pending deletions queue. */
export const SUBSCRIPTIONS = [
  { site: SITE, lfn: `${D.pendingSubscription.dir}/e1.root`, status: 'new', delete: 0 },
  { site: SITE, lfn: `${D.deletionSubscription.dir}/f1.root`, status: 'inbatch', delete: 1 },
  { site: SITE, lfn: `${D.finishedSubscription.dir}/i1.root`, status: 'done', delete: 0 },
  { site: OTHER_SITE, lfn: `${D.elsewhere.dir}/l1.root`, status: 'new', delete: 0 },
];

/** Registry queue rows (Dynamo's dynamoregister); only pending ones filter anything. */
export const DELETION_QUEUE = [
  { site: SITE, file: `${D.deletionQueue.dir}/g1.root`, status: 'new' },
  { site: SITE, file: `${D.finishedSubscription.dir}/i1.root`, status: 'done' },
  { site: OTHER_SITE, file: `${D.settled.dir}/a1.root`, status: 'new' },
];
export const TRANSFER_QUEUE = [
  { site_from: OTHER_SITE, site_to: SITE, file: `${D.transferQueue.dir}/h1.root`, status: 'inbatch' },
  { site_from: OTHER_SITE, site_to: SITE, file: `${D.ignored.dir}/d1.root`, status: 'failed' },
  { site_from: SITE, site_to: OTHER_SITE, file: `${D.settled.dir}/a2.root`, status: 'new' },
];

export const SITES = [SITE, OTHER_SITE, IDLE_SITE].sort();

/** What a site's inventory holds, as `lfn → {size, settled}`. */
export function expectedFiles(site: string): Map<string, { size: number; settled: boolean }> {
  const out = new Map<string, { size: number; settled: boolean }>();
  for (const r of REPLICAS.filter((r) => r.site === site)) {
    for (const f of FILES.filter((f) => f.dataset === r.dataset)) out.set(f.lfn, { size: f.size, settled: r.complete && r.group !== 0 });
  }
  return out;
}

/** Dynamo's own rules: replicated at the site, IGNORED, or a pending subscription to it. */
export const EXPECTED_PROTECTED_DYNAMO = new Set([
  D.settled.name, D.incomplete.name, D.unowned.name, D.deletionSubscription.name, D.deletionQueue.name, D.awkward.name, D.bulk.name,
  D.ignored.name, D.pendingSubscription.name, D.transferQueue.name,
]);
export const EXPECTED_QUEUED_DYNAMO = new Set([D.deletionSubscription.name, D.deletionQueue.name]);
/** Backends without datasets see only the registry queues. */
export const EXPECTED_PROTECTED_QUEUES_ONLY = new Set([D.transferQueue.name]);
export const EXPECTED_QUEUED_QUEUES_ONLY = new Set([D.deletionQueue.name]);

/**
 * Loads the fixture into Dynamo's schema (and registry tables) through kysely: the layout this tool
 * creates (`files.dataset_id`), or Dynamo's published one (dynamo-published-schema.ts), whose files
 * reach datasets only through blocks and whose bookkeeping columns have no defaults.
 */
export async function loadFixtureSql(db: Kysely<any>, layout: 'denormalized' | 'published' = 'denormalized'): Promise<void> {
  const published = layout === 'published';
  const now = '2024-01-01 00:00:00';
  const keep = published ? { is_open: 0, last_update: now } : {};
  for (const name of SITES) await db.insertInto('sites').values({ name, status: 'ready' }).execute();
  await db.insertInto('groups').values([{ id: 1, name: 'AnalysisOps' }]).execute();
  const siteId = new Map((await db.selectFrom('sites').select(['id', 'name']).execute()).map((r: any) => [r.name, Number(r.id)]));
  const datasetId = new Map<string, number>();
  const blockId = new Map<string, number>();
  for (const d of Object.values(D)) {
    await db.insertInto('datasets').values({ name: d.name, status: d === D.ignored ? 'IGNORED' : 'VALID', ...keep }).execute();
    const id = Number((await db.selectFrom('datasets').select('id').where('name', '=', d.name).executeTakeFirstOrThrow()).id);
    datasetId.set(d.name, id);
    await db.insertInto('blocks').values({ dataset_id: id, name: `${d.name}#b1`, ...keep }).execute();
    blockId.set(d.name, Number((await db.selectFrom('blocks').select('id').where('dataset_id', '=', id).executeTakeFirstOrThrow()).id));
  }
  for (let i = 0; i < FILES.length; i += 1000) {
    const rows = FILES.slice(i, i + 1000).map((f) => ({ block_id: blockId.get(f.dataset)!, ...(published ? {} : { dataset_id: datasetId.get(f.dataset)! }), name: f.lfn, size: f.size }));
    await db.insertInto('files').values(rows).execute();
  }
  for (const r of REPLICAS) {
    await db.insertInto('block_replicas').values({ block_id: blockId.get(r.dataset)!, site_id: siteId.get(r.site)!, group_id: r.group, is_complete: r.complete ? 1 : 0, ...(published ? { last_update: now } : {}) }).execute();
    const exists = await db.selectFrom('dataset_replicas').select('site_id').where('dataset_id', '=', datasetId.get(r.dataset)!).where('site_id', '=', siteId.get(r.site)!).executeTakeFirst();
    if (!exists) await db.insertInto('dataset_replicas').values({ dataset_id: datasetId.get(r.dataset)!, site_id: siteId.get(r.site)!, ...(published ? { growing: 0, group_id: r.group } : {}) }).execute();
  }
  for (const s of SUBSCRIPTIONS) {
    const file = await db.selectFrom('files').select('id').where('name', '=', s.lfn).executeTakeFirstOrThrow();
    await db.insertInto('file_subscriptions').values({ file_id: file.id, site_id: siteId.get(s.site)!, status: s.status, delete: s.delete, ...(published ? { created: now } : {}) }).execute();
  }
  await db.insertInto('deletion_queue').values(DELETION_QUEUE.map((q, i) => ({ reqid: i + 1, ...q }))).execute();
  await db.insertInto('transfer_queue').values(TRANSFER_QUEUE.map((q, i) => ({ reqid: i + 1, ...q }))).execute();
}

export type DumpLayout = 'rucio-one-file-gz' | 'rucio-per-site' | 'plain-per-site';

/**
 * Writes the fixture as dumps under `dir`; returns the Inventory.Path and the queue files.
 * Rucio rows of in-flux replicas get states other than A; some rows leave `path` empty so the
 * LFN comes from `name`. Plain lists cannot say "in flux": every entry is settled.
 */
export function writeFixtureDumps(dir: string, layout: DumpLayout): { path: string; deletions: string; transfers: string } {
  mkdirSync(dir, { recursive: true });
  const states = ['C', 'U', 'B'];
  let n = 0;
  const rucioLine = (site: string, lfn: string, size: number, settled: boolean) => {
    n++;
    const path = n % 3 === 0 ? '' : lfn;
    return [site, 'cms', lfn, 'ad:0badc0de', String(size), '2024-01-01 00:00:00', path, '2024-01-02 00:00:00', settled ? 'A' : states[n % states.length]].join('\t');
  };
  const siteLines = (site: string, plain: boolean) =>
    [...expectedFiles(site)].map(([lfn, f]) => (plain ? `${lfn} ${f.size}` : rucioLine(site, lfn, f.size, f.settled)));
  let path: string;
  if (layout === 'rucio-one-file-gz') {
    path = join(dir, 'replicas.tsv.gz');
    const lines = SITES.flatMap((s) => siteLines(s, false));
    writeFileSync(path, gzipSync(lines.join('\n') + '\n'));
  } else {
    const plain = layout === 'plain-per-site';
    path = join(dir, plain ? 'lfns-{site}.txt' : 'dump-{site}.tsv');
    for (const s of SITES) {
      const lines = siteLines(s, plain);
      writeFileSync(path.split('{site}').join(s), lines.join('\r\n') + (lines.length ? '\r\n' : ''));
    }
  }
  const deletions = join(dir, 'deletions.txt');
  const transfers = join(dir, 'transfers-{site}.txt');
  writeFileSync(deletions, '# site<TAB>LFN\n' + DELETION_QUEUE.filter((q) => q.status === 'new' || q.status === 'inbatch').map((q) => `${q.site}\t${q.file}`).join('\n') + '\n');
  for (const s of SITES) {
    const pending = TRANSFER_QUEUE.filter((q) => q.site_to === s && q.status !== 'done' && q.status !== 'failed');
    if (pending.length) writeFileSync(transfers.split('{site}').join(s), pending.map((q) => q.file).join('\n') + '\n');
  }
  return { path, deletions, transfers };
}
