import { hasRawBytes, isUndecodable } from '../core/name-bytes.ts';
import { unescapeName } from '../core/escape.ts';
import type { DirectorySet } from '../core/lfn.ts';
import type { CheckSummary } from './check-types.ts';
import { fields, HASH_HEX_LENGTH, readHashHex, type CheckSpool } from './check-spool.ts';
import { HashTable } from './hash-table.ts';
import { newHash } from '../core/lfn-hash.ts';
import type { MissingDatasetTally } from './missing-datasets.ts';
import type { SortedList } from './sorted-list.ts';

// Flag bits of the inventory table.
const SETTLED_BEFORE = 1;
const SEEN = 2;
const IN_AFTER = 4;
const SETTLED_AFTER = 8;
const MISMATCH = 32;
const DONE = 64; // reported already (guards against duplicate LFNs in a dump)
const FLUX_BEFORE = 128;

/** A spooled inventory size: '' when the inventory does not know it (a dump of bare LFNs). */
const sizeField = (size: number | null) => (size === null ? '' : String(size));
/** Back from sizeField: -1 for unknown (the tables hold numbers). */
const UNKNOWN = -1;
const sizeOf = (text: string) => (text === '' ? UNKNOWN : Number(text));

/**
 * Spool line formats: the LFN's hash (24 hex digits, written by CheckSpool.writeHashed), a tab,
 * then the tab-separated fields below (names escaped, so they hold no tab). The inventory before
 * the listing is only ever looked up by hash: its lines carry no name.
 */
export const spoolLine = {
  /** inventory before: settled (one character), size ('' unknown) */
  before: (settled: boolean, size: number | null) => `${settled ? 1 : 0}\t${sizeField(size)}`,
  /** listing: size, mtime, lfn */
  scan: (size: number, mtime: number, lfn: string) => `${size}\t${mtime}\t${lfn}`,
  /** inventory after: settled, size ('' unknown), dataset, block, lfn */
  after: (settled: boolean, size: number | null, dataset: string, block: string, lfn: string) => `${settled ? 1 : 0}\t${sizeField(size)}\t${dataset}\t${block}\t${lfn}`,
};

/**
 * Listing lines of one partition kept in memory for the orphan pass: beyond this (an inventory
 * that lost most of the site) the listing's spool is read a second time instead.
 */
const KEPT_ORPHAN_LINES = 100_000;

/** Where a spool line's fields start, after the hash and its tab. */
const FIELDS = HASH_HEX_LENGTH + 1;

export interface JudgeContext {
  spools: { before: CheckSpool; scan: CheckSpool; after: CheckSpool };
  ageCut: number;
  isIgnored: (path: string) => boolean;
  isProtected: (lfn: string) => boolean;
  isQueued: (lfn: string, dataset?: string) => boolean;
  inScope: (lfn: string) => boolean;
  unlistedDirs: DirectorySet;
  lists: { missing: SortedList; orphan: SortedList; sizeMismatch: SortedList };
  missingDatasets: MissingDatasetTally;
  summary: CheckSummary;
  checkAbort: () => void;
  /** Listing lines a partition keeps for its orphan pass (default KEPT_ORPHAN_LINES; tests set it low). */
  keptOrphanLines?: number;
  /** The lister's protocol carries UTF-8 names only (Lister.utf8Names): a name that is not cannot be on the storage. */
  utf8Names?: boolean;
}

/**
 * Judges one hash partition of the site: the inventory before the listing goes into a table,
 * the listing marks what it saw, the inventory after the listing decides missing files and
 * size mismatches, and listed files absent from both inventories are orphans (SEMANTICS.md).
 * Only this partition's entries are in memory.
 */
export async function judgePartition(ctx: JudgeContext, p: number): Promise<void> {
  const s = ctx.summary;
  const h = newHash();
  const table = new HashTable(1 << 12, { size: 'f64' });
  for await (const batch of ctx.spools.before.batches(p)) {
    for (const line of batch) {
      readHashHex(line, h);
      const settled = line.charCodeAt(FIELDS) === 0x31; // '1'
      const size = sizeOf(line.slice(FIELDS + 2));
      const slot = table.upsert(h);
      if (table.lastWasNew) {
        table.cols.size[slot] = size;
        s.inventory.files++;
        if (size !== UNKNOWN) s.inventory.bytes += size;
        if (settled) s.inventory.settled++;
        else s.inventory.inFlux++;
      }
      table.setFlags(slot, settled ? SETTLED_BEFORE : FLUX_BEFORE);
    }
  }
  ctx.checkAbort();

  // The listing: seen files, size-mismatch candidates, orphan candidates (by hash only).
  const candidates = new HashTable(1 << 10);
  const mismatch = new Map<string, number>();
  // The listed lines not in the inventory before: the only ones that can be orphans. Kept (up to
  // a bound) so the orphan pass below need not read the listing again.
  let outsideBefore: string[] | undefined = [];
  for await (const batch of ctx.spools.scan.batches(p)) {
    for (const line of batch) {
      readHashHex(line, h);
      const [sizeText, mtimeText, name] = fields(line, 3, FIELDS);
      const size = Number(sizeText);
      const isNew = Number(mtimeText) > ctx.ageCut;
      const slot = table.find(h);
      // Most listed files are in the inventory: their name is not needed as a name.
      const lfn = slot >= 0 ? '' : unescapeName(name);
      if (slot < 0 && outsideBefore) {
        if (outsideBefore.length < (ctx.keptOrphanLines ?? KEPT_ORPHAN_LINES)) outsideBefore.push(line);
        else outsideBefore = undefined;
      }
      if (slot < 0 && isUndecodable(lfn)) s.skipped.undecodableNames++;
      else if (slot >= 0) {
        table.setFlags(slot, SEEN);
        // An unknown inventory size is never a mismatch.
        if (table.flags(slot) & SETTLED_BEFORE && table.cols.size[slot] !== UNKNOWN && table.cols.size[slot] !== size) {
          // A new file may still be being written: its size is not judged, but the hold is counted.
          if (isNew) s.skipped.newFiles++;
          else {
            table.setFlags(slot, MISMATCH);
            mismatch.set(unescapeName(name), size);
          }
        }
      } else if (isNew) s.skipped.newFiles++;
      else if (ctx.isIgnored(lfn)) s.skipped.ignoredOrphans++;
      else candidates.upsert(h);
    }
  }
  ctx.checkAbort();

  // The inventory after the listing.
  for await (const batch of ctx.spools.after.batches(p)) {
    for (const line of batch) {
      readHashHex(line, h);
      const c = candidates.find(h);
      if (c >= 0) candidates.setFlags(c, IN_AFTER);
      const slot = table.find(h);
      if (slot < 0) continue;
      const flags = table.flags(slot);
      if (flags & DONE) continue;
      const settled = line.charCodeAt(FIELDS) === 0x31; // '1'
      table.setFlags(slot, DONE | IN_AFTER | (settled ? SETTLED_AFTER : 0));
      if (!(flags & SETTLED_BEFORE) || flags & FLUX_BEFORE) continue;
      const [, sizeText, datasetText, blockText, name] = fields(line, 5, FIELDS);
      const size = sizeOf(sizeText);
      const knownSize = size === UNKNOWN ? 0 : size;
      const lfn = unescapeName(name);
      if (!ctx.inScope(lfn)) {
        s.skipped.outsideListedTops++;
        continue;
      }
      if (ctx.unlistedDirs.covers(lfn)) {
        s.unlisted.settledFilesBelow++;
        continue;
      }
      if (!settled) {
        if (!(flags & SEEN) || flags & MISMATCH) s.skipped.leftInventoryDuringRun++;
        continue;
      }
      if (!(flags & SEEN) && (isUndecodable(lfn) || (ctx.utf8Names && hasRawBytes(lfn)))) {
        s.skipped.undecodableNames++;
        continue;
      }
      const dataset = datasetText ? unescapeName(datasetText) : undefined;
      const reportable = !(flags & SEEN) || flags & MISMATCH;
      if (reportable && ctx.isQueued(lfn, dataset)) {
        s.skipped.queuedDeletion++;
        continue;
      }
      if (!(flags & SEEN)) {
        ctx.lists.missing.add(lfn, knownSize);
        s.missing.count++;
        s.missing.bytes += knownSize;
        ctx.missingDatasets.add({ lfn, size: size === UNKNOWN ? null : size, settled, dataset, block: blockText ? unescapeName(blockText) : undefined });
      } else if (flags & MISMATCH) {
        const remoteSize = mismatch.get(lfn);
        if (remoteSize !== undefined && size !== UNKNOWN && remoteSize !== size) {
          ctx.lists.sizeMismatch.add(lfn, remoteSize);
          s.sizeMismatch.count++;
          s.sizeMismatch.bytes += size;
        } else s.skipped.leftInventoryDuringRun++; // the inventory took the listed size meanwhile
      }
    }
  }
  // Settled before, absent after: left the inventory while we listed (a would-be missing file or size mismatch).
  table.forEach((_slot, flags) => {
    if (flags & SETTLED_BEFORE && !(flags & IN_AFTER) && (!(flags & SEEN) || flags & MISMATCH)) s.skipped.leftInventoryDuringRun++;
  });
  ctx.checkAbort();

  // Orphans: candidates absent from the inventory after the listing too: from the kept lines, or
  // (too many to keep) the listing read again.
  if (candidates.size === 0) return;
  for await (const batch of outsideBefore ? [outsideBefore] : ctx.spools.scan.batches(p)) {
    for (const line of batch) {
      readHashHex(line, h);
      const c = candidates.find(h);
      if (c < 0) continue;
      const [sizeText, , name] = fields(line, 3, FIELDS);
      const lfn = unescapeName(name);
      const cflags = candidates.flags(c);
      if (cflags & DONE) continue; // a name listed twice is one orphan
      candidates.setFlags(c, DONE);
      if (cflags & IN_AFTER) {
        s.skipped.joinedInventoryDuringRun++;
        continue;
      }
      if (ctx.unlistedDirs.covers(lfn)) {
        s.skipped.listedBelowUnlisted = (s.skipped.listedBelowUnlisted ?? 0) + 1;
        continue;
      }
      if (ctx.isQueued(lfn)) {
        s.skipped.queuedDeletion++;
        continue;
      }
      if (ctx.isProtected(lfn)) {
        s.skipped.protectedOrphans++;
        continue;
      }
      const size = Number(sizeText);
      ctx.lists.orphan.add(lfn, size);
      s.orphan.count++;
      s.orphan.bytes += size;
    }
  }
}
