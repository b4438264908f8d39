import { DcError } from '../core/errors.ts';
import { ENTRY, nameOf, newParsedLine, parseListLine, type ListFormat } from '../core/list-format.ts';
import { forEachLineBlocking } from '../core/line-reader.ts';
import { forEachRecordBlock, partitionList, type PartitionedList } from './compare3-partition.ts';
import { HashTable } from './hash-table.ts';
import { SortedList } from './sorted-list.ts';

/**
 * The three kinds of compare3 work, as plain data in and out so they run the same inline or in
 * a worker thread. Result line bitmaps live in SharedArrayBuffers (bit n = line n), set with
 * Atomics since two workers may own partitions whose results share a byte.
 */
export type Compare3Task =
  | { kind: 'partition'; path: string; format: ListFormat; dir: string; tag: string; bits: number }
  | { kind: 'compare'; before: PartitionedList; scan: PartitionedList; after: PartitionedList; parts: number[]; missingLines: SharedArrayBuffer; orphanLines: SharedArrayBuffer }
  | { kind: 'names'; list: PartitionedList; marked: SharedArrayBuffer; outFile: string; tmpRoot: string };

export type Compare3TaskResult = PartitionedList | { missing: number; orphan: number } | { written: number };

const SETTLED_BEFORE = 1;
const FLUX_BEFORE = 2;
const SETTLED_AFTER = 4;
const FLUX_AFTER = 8;
const IN_SCAN = 16;
const IN_INVENTORY = SETTLED_BEFORE | FLUX_BEFORE | SETTLED_AFTER | FLUX_AFTER;

export async function runCompare3Task(task: Compare3Task): Promise<Compare3TaskResult> {
  switch (task.kind) {
    case 'partition':
      return partitionList(task.path, task.format, task.dir, task.tag, task.bits);
    case 'compare':
      return compareParts(task);
    case 'names':
      return writeNames(task.list, new Uint8Array(task.marked), task.outFile, task.tmpRoot);
  }
}

function mark(bits: Uint8Array, line: number): void {
  Atomics.or(bits, line >>> 3, 1 << (line & 7));
}

/**
 * One partition of the three lists at a time in the table. missing = settled (and never in
 * flux) in BEFORE and in AFTER, absent from SCAN; orphan = in SCAN, in neither inventory list.
 */
function compareParts(t: Extract<Compare3Task, { kind: 'compare' }>): { missing: number; orphan: number } {
  const { before: b, scan: s, after: a } = t;
  const missingLines = new Uint8Array(t.missingLines);
  const orphanLines = new Uint8Array(t.orphanLines);
  const table = new HashTable(1 << 16, { line: 'u32' });
  const block = Buffer.allocUnsafeSlow(4 << 20);
  let missing = 0;
  let orphan = 0;
  for (const p of t.parts) {
    table.reset(Math.max(b.partCounts[p], a.partCounts[p], s.partCounts[p]) * 1.05);
    const load = (file: string, settledBit: number, fluxBit: number, keepLine: boolean) =>
      forEachRecordBlock(file, block, (w, n) => {
        for (let i = 0, k = 0; i < n; i++, k += 4) {
          const h2 = w[k + 2];
          const slot = table.upsertWords(w[k], w[k + 1], (h2 | 1) >>> 0);
          table.flagBits[slot] |= h2 & 1 ? settledBit : fluxBit;
          if (keepLine && table.lastWasNew) table.cols.line[slot] = w[k + 3];
        }
      });
    load(b.files[p], SETTLED_BEFORE, FLUX_BEFORE, true);
    load(a.files[p], SETTLED_AFTER, FLUX_AFTER, false);
    forEachRecordBlock(s.files[p], block, (w, n) => {
      for (let i = 0, k = 0; i < n; i++, k += 4) {
        const slot = table.upsertWords(w[k], w[k + 1], (w[k + 2] | 1) >>> 0);
        // New here means in neither inventory list; a repeated scan line is the same orphan.
        if (table.lastWasNew) {
          mark(orphanLines, w[k + 3]);
          orphan++;
        }
        table.flagBits[slot] |= IN_SCAN;
      }
    });
    const { keys, flagBits: flags } = table;
    const lines = table.cols.line;
    const cap = table.capacity;
    for (let i = 0; i < cap; i++) {
      if (keys[i * 3 + 2] === 0) continue;
      const f = flags[i];
      if (f & IN_SCAN || !(f & IN_INVENTORY)) continue;
      if ((f & (SETTLED_BEFORE | FLUX_BEFORE)) === SETTLED_BEFORE && (f & (SETTLED_AFTER | FLUX_AFTER)) === SETTLED_AFTER) {
        mark(missingLines, lines[i]);
        missing++;
      }
    }
  }
  return { missing, orphan };
}

/** The names on the marked lines of one list, written sorted and escaped to `outFile`. */
async function writeNames(list: PartitionedList, marked: Uint8Array, outFile: string, tmpRoot: string): Promise<{ written: number }> {
  // Two of these run at once (missing and orphan names): smaller in-memory runs keep 100 M-entry lists under 1 GB.
  const sorted = new SortedList({ tmpRoot, spillAt: 200_000 });
  try {
    const r = newParsedLine();
    let any = false;
    for (let i = 0; i < marked.length && !any; i++) any = marked[i] !== 0;
    if (any) {
      await forEachLineBlocking(list.path, (buf, start, end, lineNo) => {
        if (!(marked[lineNo >>> 3] & (1 << (lineNo & 7)))) return;
        if (parseListLine(list.format, buf, start, end, r) !== ENTRY) throw new DcError('INPUT', `${list.path}:${lineNo}: changed while being compared`);
        sorted.add(nameOf(buf, r));
      });
    }
    return { written: await sorted.writeTo(outFile) };
  } finally {
    sorted.dispose();
  }
}
