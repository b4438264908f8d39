import { escapeName } from '../core/escape.ts';
import { DcError } from '../core/errors.ts';
import { DirectorySet } from '../core/lfn.ts';
import { walk, type WalkFrontier, type WalkOptions } from '../listers/walker.ts';
import type { JournalRecord } from './check-checkpoint.ts';
import type { CheckContext } from './check-context.ts';
import { EmptyDirJudge } from './check-empty-dirs.ts';
import { siteWalkOptions } from './check-filters.ts';
import type { InventoryBeforeRead } from './check-inventory-reads.ts';
import { spoolLine } from './check-judge.ts';
import type { CheckSpool } from './check-spool.ts';
import type { TopReport, UnlistedDir } from './check-types.ts';

export interface ListingResult {
  scan: CheckSpool;
  /** The directories that stayed unlisted: nothing at or below one is missing or orphan. */
  unlistedDirs: DirectorySet;
}

/**
 * Phase 2 of a check: the listing, spooled; directories and failures are judged as they come
 * (top reports, empty directories, unlisted directories). A checkpointed check saves the spools
 * and the journal of those events as the walk says, once the inventory before it is complete, and
 * a resumed one replays the journal and walks on from the saved frontier. Ends with the before-read
 * running beside it, so that a complete listing is checkpointed with a complete inventory.
 */
export async function listSite(ctx: CheckContext, before: InventoryBeforeRead): Promise<ListingResult> {
  const { site, lister, cp, resumed, summary: s, lists, signal, ageCut, isIgnored } = ctx;
  const { tops } = before;
  const t1 = Date.now();
  ctx.phase = 'listing';
  const unlistedDirs = new DirectorySet();
  const unlistedInfo: UnlistedDir[] = [];
  const topReports = new Map<string, TopReport>();
  const emptyDirs = new EmptyDirJudge(ageCut, isIgnored);
  const scan = ctx.spool('scan', resumed ? resumed.scan : cp && []);
  /** A directory event as judged; kept in the checkpoint's journal when `live`. */
  const apply = (r: JournalRecord, live: boolean) => {
    if (r.kind === 'top') topReports.set(r.lfn, { lfn: r.lfn, files: r.files, bytes: r.bytes, unlisted: r.unlisted });
    else if (r.kind === 'empty') lists.empty.add(r.lfn);
    else {
      unlistedDirs.add(r.lfn);
      unlistedInfo.push({ lfn: r.lfn, code: r.code, message: r.message, attempts: r.attempts });
      lists.unlisted.add(r.lfn);
      if (!isIgnored(r.lfn)) s.unlisted.outsideIgnored++;
    }
    if (live) cp?.record(r);
  };
  if (cp && resumed) {
    for (const r of cp.journaled) apply(r, false);
    const c = resumed.counters;
    Object.assign(s.listing, { files: c.files, bytes: c.bytes, newFiles: c.newFiles, directories: c.directories });
    emptyDirs.restore(resumed.emptyPending);
  }
  const retries = () => (resumed?.counters.retries ?? 0) + (ctx.walkProgress?.retries ?? 0);
  const checkpointState = (frontier: WalkFrontier | null) => () => ({
    now: ctx.now,
    tops,
    partitions: ctx.parts,
    protectedDatasets: before.protectedSet ? [...before.protectedSet] : null,
    queuedDeletions: before.queuedAtStart,
    rawBytesLeft: ctx.budget.rawBytesLeft,
    counters: { files: s.listing.files, bytes: s.listing.bytes, newFiles: s.listing.newFiles, directories: s.listing.directories, retries: retries() },
    emptyPending: emptyDirs.pending(),
    frontier,
  });
  const walkOpts: WalkOptions = {
    ...siteWalkOptions(site, tops),
    retryDelayMs: ctx.input.retryDelayMs,
    signal,
    onProgress: (p) => {
      ctx.walkProgress = p;
      ctx.progress();
    },
    resumeFrom: resumed?.frontier ?? undefined,
  };
  const events = cp ? walk(lister, { ...walkOpts, checkpoint: { everyDirs: cp.settings.everyDirs, everyMs: cp.settings.everySeconds * 1000 } }) : walk(lister, walkOpts);
  // A checkpoint of a complete listing leaves nothing to list.
  if (resumed?.frontier !== null) for await (const ev of events) {
    if (ev.type === 'files') {
      for (const f of ev.files) {
        s.listing.files++;
        s.listing.bytes += f.size;
        if (f.mtime > ageCut) s.listing.newFiles++;
        const w = scan.writeLfn(f.lfn, spoolLine.scan(f.size, f.mtime, escapeName(f.lfn)));
        if (w) await w;
      }
    } else if (ev.type === 'dir') {
      const d = ev.dir;
      s.listing.directories++;
      if (d.isTop) apply({ kind: 'top', lfn: d.lfn, files: d.files, bytes: d.bytes, unlisted: d.unlistedBelow && unlistedDirs.has(d.lfn) }, true);
      if (emptyDirs.isEmpty(d)) apply({ kind: 'empty', lfn: d.lfn }, true);
    } else if (ev.type === 'unlisted') {
      apply({ kind: 'unlisted', lfn: ev.lfn, code: ev.code, message: ev.message, attempts: ev.attempts }, true);
    } else if (cp && before.done && !signal.aborted) {
      await cp.save({ before: before.spool, scan }, checkpointState(ev.frontier), ev.frontier.dirsListed);
    }
  }
  await scan.close();
  const walked = ctx.walkProgress;
  s.listing.retries = retries();
  if (walked) s.listing.inFlight = walked.pace;
  s.unlisted.count = unlistedInfo.length;
  s.unlisted.dirs = unlistedInfo.sort((a, b) => (a.lfn < b.lfn ? -1 : 1));
  s.tops = tops.map((t) => topReports.get(t) ?? { lfn: t, files: 0, bytes: 0, unlisted: true });
  for (const t of s.tops) if (unlistedDirs.has(t.lfn)) t.unlisted = true;
  s.timings.listing = (Date.now() - t1) / 1000;
  await before.finish();
  // A walk stopped by the signal can end without an error (its listings in flight just return):
  // it must never pass for a complete listing, least of all in a checkpoint.
  if (signal.aborted) throw new DcError('ABORTED', `check of ${site.name} stopped`);
  if (cp) {
    // The listing is complete: a run that dies from here on resumes with the inventory read after it.
    if (resumed?.frontier !== null) await cp.save({ before: before.spool, scan }, checkpointState(null), ctx.walkProgress?.dirsListed ?? 0);
    cp.close();
    s.resume = cp.report(ctx.walkProgress?.dirsListed ?? 0);
  }
  return { scan, unlistedDirs };
}
