import { escapeName } from '../core/escape.ts';
import type { CheckContext } from './check-context.ts';
import { candidateTops, topOf } from './check-filters.ts';
import { spoolLine } from './check-judge.ts';
import type { CheckSpool } from './check-spool.ts';

/**
 * Phase 1 of a check: the inventory before the listing, spooled by hash partition, with the
 * protected datasets and queued deletions as the listing starts. From an inventory that reads a
 * consistent snapshot it runs beside the listing: the listing starts once the snapshot is fixed,
 * so the content is the inventory at the listing's start (SEMANTICS.md, race safety). Otherwise,
 * and when the inventory decides which tops are listed, it runs first. A resumed check takes all
 * of it from the checkpoint.
 */
export class InventoryBeforeRead {
  spool!: CheckSpool;
  /** Datasets whose orphans are protected (CmsDatasets only); grows with the read after the listing. */
  protectedSet: Set<string> | undefined;
  /** Datasets with a deletion queued; grows with the read after the listing. */
  queued = new Set<string>();
  /** The queued deletions as the listing started, for the checkpoint. */
  queuedAtStart: string[] = [];
  /** The top directories to list. */
  tops: string[] = [];
  /** Complete (or the checkpoint's): only then may a checkpoint be written. */
  done = false;
  /** Why a read beside the listing failed: the cause to report of the listing it stopped. */
  error: unknown;
  /** A read running beside the listing. */
  private running: Promise<void> | undefined;

  constructor(private readonly ctx: CheckContext) {}

  /** Reads what the listing needs first; resolves once the listing may start. */
  async start(): Promise<void> {
    const { ctx } = this;
    const { site, inventory, resumed, cp } = ctx;
    // Dataset protection is CMS's convention (the seed's --cms): without CmsDatasets no orphan is
    // protected by dataset, whatever the inventory knows.
    this.protectedSet = resumed ? (resumed.protectedDatasets ? new Set(resumed.protectedDatasets) : undefined) : site.CmsDatasets ? await inventory.collectProtectedDatasets(site.name) : undefined;
    this.queued = new Set(resumed?.queuedDeletions ?? (await inventory.collectQueuedDeletions(site.name)));
    // The before and listing spools of a checkpointed check live in its checkpoint directory.
    this.spool = ctx.spool('before', resumed ? resumed.before : cp && []);
    // A checkpoint is written only once the before-read is complete: a resumed check reads it back.
    this.done = resumed !== undefined;
    this.queuedAtStart = [...this.queued];
    const inventoryTops = new Set<string>();
    const needTops = site.ListOnlyInventoryDirs && site.DirectoryList.length > 0;
    if (resumed) {
      // The inventory before the listing is the first attempt's (SEMANTICS.md, race safety).
    } else if (inventory.snapshotReads === true && !needTops) {
      let snapshotFixed: () => void = () => undefined;
      const snapshot = new Promise<void>((resolve) => (snapshotFixed = resolve));
      const running = this.read(snapshotFixed, needTops, inventoryTops);
      this.running = running;
      // A failed read stops the listing; the error itself is rethrown where the read is awaited.
      running.catch((err: unknown) => {
        this.error ??= err;
        ctx.stop.abort(err);
      });
      // A read that ends (an unknown site) or fails before fixing its snapshot also lets this go on.
      await Promise.race([snapshot, running]);
    } else await this.read(() => undefined, needTops, inventoryTops);
    this.tops = resumed?.tops ?? candidateTops(site);
    if (needTops && !resumed) this.tops = this.tops.filter((t) => inventoryTops.has(t));
  }

  /** Waits for a read running beside the listing; its failure comes out here. */
  async finish(): Promise<void> {
    await this.running;
  }

  /** Waits for a read still running, whatever its end (its spool is about to be removed). */
  async settled(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private async read(onSnapshot: () => void, needTops: boolean, inventoryTops: Set<string>): Promise<void> {
    const { ctx, spool } = this;
    let rows = 0;
    for await (const batch of ctx.inventory.streamFiles(ctx.site.name, ctx.signal, { onSnapshot, withDatasets: false })) {
      ctx.checkAbort();
      for (const f of batch) {
        const w = spool.writeLfn(f.lfn, spoolLine.before(f.settled, f.size));
        if (w) await w;
        if (needTops) {
          const top = topOf(ctx.root, f.lfn);
          if (top) inventoryTops.add(top);
        }
      }
      rows += batch.length;
      ctx.inventoryRows = rows;
      ctx.progress();
    }
    await spool.close();
    this.done = true;
    ctx.summary.timings.inventoryBefore = (Date.now() - ctx.t0) / 1000;
  }
}

/**
 * Phase 3: the inventory after the listing, spooled. Protection and queued deletions are read
 * again: one that began during a long listing counts.
 */
export async function readInventoryAfter(ctx: CheckContext, before: InventoryBeforeRead): Promise<CheckSpool> {
  const { site, inventory } = ctx;
  for (const d of await inventory.collectQueuedDeletions(site.name)) before.queued.add(d);
  const protectedAfter = site.CmsDatasets ? await inventory.collectProtectedDatasets(site.name) : undefined;
  if (before.protectedSet && protectedAfter) for (const d of protectedAfter) before.protectedSet.add(d);
  const after = ctx.spool('after');
  // The after-read starts only now, the listing ended; a before-read still running ends first
  // on SQLite (one connection), beside it on server engines.
  for await (const batch of inventory.streamFiles(site.name, ctx.signal)) {
    ctx.checkAbort();
    for (const f of batch) {
      const w = after.writeLfn(f.lfn, spoolLine.after(f.settled, f.size, escapeName(f.dataset ?? ''), escapeName(f.block ?? ''), escapeName(f.lfn)));
      if (w) await w;
    }
    ctx.progress();
  }
  await after.close();
  return after;
}
