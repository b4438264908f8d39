/**
 * Race safety (issue 5, SEMANTICS.md): files added to and deleted from both the inventory and the
 * storage while a deliberately slow listing runs. Reading the inventory before AND after the
 * listing reports none of them; a single read, at the start or at the end, reports some of them
 * as missing or orphan. The three runs replay the same scenario on fresh fixtures.
 *
 * Issue 13: from an inventory that reads a consistent snapshot, the "before" read runs beside the
 * listing. The overlapped runs hold that read back until the racing changes are made, so most of
 * its rows come off the database after them: the snapshot keeps the outcomes above; a read whose
 * content is taken after the listing started (no snapshot) reports racing files.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Kysely } from 'kysely';
import { siteDefaults } from '../../src/config/config-defaults.ts';
import type { SiteConfig } from '../../src/config/config-loader.ts';
import type { DirEntry, InventoryFile } from '../../src/core/entries.ts';
import { checkSite } from '../../src/check/site-check.ts';
import type { Inventory, StreamFilesOptions } from '../../src/inventory/inventory.ts';
import { openInventoryDatabase, openSqlInventory } from '../../src/inventory/sql/sql-inventory.ts';
import type { Lister } from '../../src/listers/lister.ts';
import { PosixLister } from '../../src/listers/posix/posix-lister.ts';

const SITE = 'T2_XX_Race';
const DIR = '/store/mc/Era/Prim/AODSIM/Proc-v1';
const LEAVES = ['0000', '0001', '0002', '0003', '0004', '0005'];
const OLD = Date.now() / 1000 - 10 * 86400;
const PAUSE_MS = 80;

/** A POSIX lister that sleeps before each directory and calls a hook before the n-th leaf. */
class SlowLister implements Lister {
  readonly kind = 'slow-posix';
  readonly started: string[] = [];
  readonly done = new Set<string>();
  constructor(
    private readonly inner: PosixLister,
    private readonly hookAtLeaf: number,
    private readonly hook: (done: Set<string>, started: string[]) => Promise<void>,
  ) {}
  async *listDir(path: string, signal: AbortSignal): AsyncIterable<DirEntry[]> {
    await new Promise((r) => setTimeout(r, PAUSE_MS));
    const leaf = LEAVES.find((l) => path === `${DIR}/${l}`);
    if (leaf) {
      this.started.push(leaf);
      if (this.started.length === this.hookAtLeaf) await this.hook(this.done, this.started);
    }
    yield* this.inner.listDir(path, signal);
    if (leaf) this.done.add(leaf);
  }
  close() {
    return this.inner.close();
  }
}

/** An inventory that passes everything but its file stream to the one it wraps. */
abstract class WrappedInventory implements Inventory {
  readonly kind: string;
  constructor(protected readonly inner: Inventory) {
    this.kind = inner.kind;
  }
  abstract streamFiles(site: string, signal?: AbortSignal, opts?: StreamFilesOptions): AsyncIterable<InventoryFile[]>;
  collectProtectedDatasets(site: string) {
    return this.inner.collectProtectedDatasets(site);
  }
  collectQueuedDeletions(site: string) {
    return this.inner.collectQueuedDeletions(site);
  }
  collectSites() {
    return this.inner.collectSites();
  }
  close() {
    return this.inner.close();
  }
}

/** The seed's way: one inventory read, replayed for the "after" snapshot. */
class SingleRead extends WrappedInventory {
  private snapshot?: InventoryFile[][];
  async *streamFiles(site: string, signal?: AbortSignal) {
    if (!this.snapshot) {
      this.snapshot = [];
      for await (const b of this.inner.streamFiles(site, signal)) this.snapshot.push(b);
    }
    yield* this.snapshot;
  }
}

/**
 * The before-read held back while the listing runs: the first batch comes off the database, then
 * the rest waits until the racing changes are made. `honest` passes the inner snapshot through;
 * otherwise the listing is let go at once and the read itself only starts after the changes,
 * as an inventory claiming a snapshot it does not take would behave.
 */
class HeldBackRead extends WrappedInventory {
  readonly snapshotReads = true;
  private reads = 0;
  /** LFNs of the before-read that came off the database after the racing changes. */
  readonly readAfterChanges = new Set<string>();
  constructor(
    inner: Inventory,
    private readonly changesMade: Promise<void>,
    private readonly honest: boolean,
  ) {
    super(inner);
  }
  async *streamFiles(site: string, signal?: AbortSignal, opts?: StreamFilesOptions) {
    if (++this.reads > 1) {
      yield* this.inner.streamFiles(site, signal, opts);
      return;
    }
    let changed = false;
    void this.changesMade.then(() => (changed = true));
    if (!this.honest) {
      opts?.onSnapshot?.();
      await this.changesMade;
    }
    let first = true;
    for await (const batch of this.inner.streamFiles(site, signal, this.honest ? opts : {})) {
      if (changed) for (const f of batch) this.readAfterChanges.add(f.lfn);
      yield batch;
      if (first) await this.changesMade;
      first = false;
    }
  }
}

/** Inventory rows outside RootPath, inserted first: they fill the before-read's first batch (5 000 rows). */
const FILLER = 6000;

interface Fixture {
  root: string;
  dbPath: string;
  db: Kysely<any>;
}

async function addStorage(root: string, lfn: string): Promise<void> {
  const p = join(root, lfn);
  await writeFile(p, 'x'.repeat(10));
  await utimes(p, OLD, OLD);
}

async function addInventory(db: Kysely<any>, lfn: string): Promise<void> {
  await db.insertInto('files').values({ block_id: 1, dataset_id: 1, name: lfn, size: 10 }).execute();
}

async function makeFixture(tmp: string, filler = 0): Promise<Fixture> {
  const root = join(tmp, 'site');
  const dbPath = join(tmp, 'inventory.sqlite');
  (await openSqlInventory('sqlite', dbPath, { create: true })).close();
  const db = (await openInventoryDatabase({ engine: 'sqlite', location: dbPath })).db;
  await db.insertInto('sites').values({ name: SITE, status: 'ready' }).execute();
  await db.insertInto('datasets').values({ name: '/Prim/Era-Proc-v1/AODSIM', status: 'VALID' }).execute();
  await db.insertInto('blocks').values({ dataset_id: 1, name: '/Prim/Era-Proc-v1/AODSIM#1' }).execute();
  await db.insertInto('block_replicas').values({ block_id: 1, site_id: 1, group_id: 1, is_complete: 1 }).execute();
  for (let i = 0; i < filler; i += 500) {
    const rows = Array.from({ length: Math.min(500, filler - i) }, (_, k) => ({ block_id: 1, dataset_id: 1, name: `/other/filler/${i + k}.root`, size: 10 }));
    await db.insertInto('files').values(rows).execute();
  }
  for (const leaf of LEAVES) {
    await mkdir(join(root, DIR, leaf), { recursive: true });
    for (let i = 0; i < 3; i++) {
      const lfn = `${DIR}/${leaf}/f${i}.root`;
      await addStorage(root, lfn);
      await addInventory(db, lfn);
    }
  }
  // The genuine cases every mode must report.
  await addInventory(db, `${DIR}/0000/lost.root`);
  await addStorage(root, `${DIR}/0000/dark.root`);
  return { root, dbPath, db };
}

type Mode = 'before-after' | 'single-read-at-start' | 'single-read-at-end' | 'overlapped-snapshot' | 'overlapped-without-snapshot';

/** Runs the scenario; returns the reported lists and the names of the racing files. */
async function runScenario(mode: Mode) {
  const tmp = await mkdtemp(join(tmpdir(), 'dc-race-'));
  const overlapped = mode === 'overlapped-snapshot' || mode === 'overlapped-without-snapshot';
  const fx = await makeFixture(tmp, overlapped ? FILLER : 0);
  const racing: Record<string, string> = {};
  let changesDone: () => void = () => undefined;
  const changesMade = new Promise<void>((resolve) => (changesDone = resolve));
  // At the 4th leaf: X arrives and W leaves in a listed leaf, Y leaves and Z arrives in an
  // unlisted leaf - each on the storage and in the inventory alike, as transfers and deletions do.
  const change = async (done: Set<string>, started: string[], inventory: boolean, storage: boolean) => {
    const listed = [...done].sort()[0];
    const unlisted = LEAVES.find((l) => !started.includes(l))!;
    racing.X = `${DIR}/${listed}/arrived.root`;
    racing.W = `${DIR}/${listed}/f1.root`;
    racing.Y = `${DIR}/${unlisted}/f2.root`;
    racing.Z = `${DIR}/${unlisted}/arrived.root`;
    if (storage) {
      await addStorage(fx.root, racing.X);
      await unlink(join(fx.root, racing.W));
      await unlink(join(fx.root, racing.Y));
      await addStorage(fx.root, racing.Z);
    }
    if (inventory) {
      await addInventory(fx.db, racing.X);
      await fx.db.deleteFrom('files').where('name', 'in', [racing.W, racing.Y]).execute();
      await addInventory(fx.db, racing.Z);
    }
  };
  // The third mode reads the inventory once, in its end state: its changes are applied up front
  // (the test then checks that the listing picked the same racing files).
  let preApplied = false;
  const lister = new SlowLister(new PosixLister(pathToFileURL(fx.root).href), 4, async (done, started) => {
    await change(done, started, mode !== 'single-read-at-end' || !preApplied, true);
    changesDone();
  });
  let inventory: Inventory = await openSqlInventory('sqlite', fx.dbPath);
  if (mode === 'single-read-at-start') inventory = new SingleRead(inventory);
  let heldBack: HeldBackRead | undefined;
  if (overlapped) inventory = heldBack = new HeldBackRead(inventory, changesMade, mode === 'overlapped-snapshot');
  if (mode === 'single-read-at-end') {
    // With NumThreads 1 the walk is deterministic: at the 4th leaf, 0000-0002 are done and 0004
    // is the first leaf (by name) not started.
    await change(new Set(['0000', '0001', '0002']), ['0000', '0001', '0002', '0003'], true, false);
    preApplied = true;
    inventory = new SingleRead(inventory);
  }
  const site: SiteConfig = { ...siteDefaults, name: SITE, Url: pathToFileURL(fx.root).href, RootPath: '/store', NumThreads: 1, VarLocation: tmp, WebDir: tmp };
  try {
    const result = await checkSite({ site, inventory, lister, now: Date.now() / 1000, workDir: join(tmp, 'work'), retryDelayMs: 1 });
    const collect = async (l: { lines(): AsyncGenerator<string> }) => {
      const out: string[] = [];
      for await (const x of l.lines()) out.push(x);
      return out;
    };
    const missing = await collect(result.missing);
    const orphan = await collect(result.orphan);
    result.dispose();
    return { missing, orphan, racing, started: lister.started, readAfterChanges: heldBack?.readAfterChanges, summary: result.summary };
  } finally {
    await inventory.close();
    await fx.db.destroy();
    await rm(tmp, { recursive: true, force: true });
  }
}

describe('before/after inventory snapshots around a slow listing', () => {
  it('never report files that arrived or left during the listing; single reads do', { timeout: 60_000 }, async () => {
    const ba = await runScenario('before-after');
    assert.deepEqual([...ba.started].sort(), LEAVES, 'every leaf listed once');
    const { X, W, Y, Z } = ba.racing;
    assert.deepEqual(ba.missing, [`${DIR}/0000/lost.root`], 'before/after: only the genuinely lost file is missing');
    assert.deepEqual(ba.orphan, [`${DIR}/0000/dark.root`], 'before/after: only the genuine dark file is orphan');

    const start = await runScenario('single-read-at-start');
    assert.deepEqual(start.racing, ba.racing);
    // Y was settled at the start and deleted before its directory was listed; Z was written
    // before its directory was listed but was not yet in the inventory at the start.
    assert.deepEqual(start.missing, [`${DIR}/0000/lost.root`, Y].sort(), 'single read at the start: Y falsely missing');
    assert.deepEqual(start.orphan, [`${DIR}/0000/dark.root`, Z].sort(), 'single read at the start: Z falsely orphan');

    const end = await runScenario('single-read-at-end');
    assert.deepEqual(end.racing, ba.racing);
    // X arrived in a directory already listed; W was listed, then left the inventory.
    assert.deepEqual(end.missing, [`${DIR}/0000/lost.root`, X].sort(), 'single read at the end: X falsely missing');
    assert.deepEqual(end.orphan, [`${DIR}/0000/dark.root`, W].sort(), 'single read at the end: W falsely orphan');
  });

  it('keep those outcomes when the before-read runs beside the listing from a snapshot (issue 13)', { timeout: 60_000 }, async () => {
    const ov = await runScenario('overlapped-snapshot');
    assert.deepEqual([...ov.started].sort(), LEAVES, 'every leaf listed once');
    const { X, W, Y, Z } = ov.racing;
    // The read really overlapped: the rows of the files deleted during the listing came off the
    // database after their deletion, and the snapshot still held them.
    const readLate = ov.readAfterChanges ?? new Set<string>();
    assert.ok(readLate.has(W) && readLate.has(Y), 'W and Y read from the snapshot after their deletion');
    assert.ok(!readLate.has(X) && !readLate.has(Z), 'X and Z, added during the listing, not in the snapshot');
    assert.deepEqual(ov.missing, [`${DIR}/0000/lost.root`], 'overlapped: only the genuinely lost file is missing');
    assert.deepEqual(ov.orphan, [`${DIR}/0000/dark.root`], 'overlapped: only the genuine dark file is orphan');
    assert.equal(ov.summary.skipped.outsideListedTops, FILLER, 'the filler rows are outside the listed tops, nothing else');

    // Control: the same overlap with a read whose content is taken after the listing started.
    const late = await runScenario('overlapped-without-snapshot');
    assert.deepEqual(late.racing, ov.racing);
    assert.deepEqual(late.missing, [`${DIR}/0000/lost.root`, X].sort(), 'no snapshot: X falsely missing');
    assert.deepEqual(late.orphan, [`${DIR}/0000/dark.root`, W].sort(), 'no snapshot: W falsely orphan');
  });
});
