import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { detectListFormat, type DetectedFormat, type ListFormat } from '../core/list-format.ts';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { choosePartitionBits, type PartitionedList } from './compare3-partition.ts';
import { Compare3Pool } from './compare3-pool.ts';

export interface Compare3Options {
  /** Scratch directory for the partition files (default: next to PREFIX). */
  tmpDir?: string;
  /** log2 of the partition count (default: from the input sizes, ~100 k entries a partition). */
  partitionBits?: number;
  /** Worker threads (default: CPUs, at most 3; 0 runs everything on the calling thread). */
  workers?: number;
  /** Declared formats (src/core/list-format.ts); an input without one is detected from its first lines. */
  formats?: { before?: ListFormat; scan?: ListFormat; after?: ListFormat };
}

/** One input as read: its format and how it was decided, and what its lines held. */
export interface Compare3Input {
  path: string;
  format: ListFormat;
  how: string;
  counts: PartitionedList['counts'];
}

export interface Compare3Result {
  inputs: { before: Compare3Input; scan: Compare3Input; after: Compare3Input };
  missing: number;
  orphan: number;
  before: { entries: number; settled: number };
  scan: { entries: number };
  after: { entries: number; settled: number };
  partitions: number;
  files: { missing: string; orphan: string };
  timings: { partition: number; compare: number; names: number; total: number };
}

/**
 * `compare3 BEFORE SCAN AFTER PREFIX` (SEMANTICS.md, race safety) on three lists: inventory dumps
 * taken before and after a storage scan, and the scan. missing = settled in BEFORE and in AFTER
 * and absent from SCAN; orphan = in SCAN and in neither BEFORE nor AFTER, in any state. Inputs
 * are lists in any list format (`paths`, `lfn-size`, `rucio-dump`; declared or detected once per
 * file), plain or gz. Writes PREFIX_missing.txt and
 * PREFIX_orphan.txt: sorted, one escaped name a line (src/core/escape.ts).
 *
 * Memory does not grow with the lists: pass 1 turns each list into hash-partitioned 16-byte
 * records on disk (compare3-partition.ts); pass 2 loads one partition of all three lists at a
 * time into a typed-array table and marks result line numbers in bitmaps; pass 3 reads BEFORE
 * and SCAN again and makes names only of the marked lines. Passes run on worker threads.
 * Names are compared as bytes through a 96-bit hash (a collision among 100 M names is ~1e-13
 * likely); invalid UTF-8 in a reported name is written as U+FFFD.
 */
export async function runCompare3(before: string, scan: string, after: string, prefix: string, opts: Compare3Options = {}): Promise<Compare3Result> {
  const t0 = Date.now();
  const out = resolve(prefix);
  mkdirSync(dirname(out), { recursive: true });
  const tmpRoot = opts.tmpDir ?? dirname(out);
  mkdirSync(tmpRoot, { recursive: true });
  const scratch = mkdtempSync(join(tmpRoot, '.compare3-'));
  const pool = new Compare3Pool(opts.workers ?? Math.min(3, availableParallelism()));
  try {
    const bits = opts.partitionBits ?? choosePartitionBits([before, scan, after]);
    const roles = [['before', before], ['scan', scan], ['after', after]] as const;
    const formats: DetectedFormat[] = [];
    for (const [tag, path] of roles) {
      const declared = opts.formats?.[tag];
      formats.push(declared ? { format: declared, how: 'declared' } : await detectListFormat(path));
    }
    const [b, s, a] = (await Promise.all(
      roles.map(([tag, path], i) => pool.run({ kind: 'partition', path, format: formats[i].format, dir: scratch, tag, bits })),
    )) as PartitionedList[];
    const inputOf = (l: PartitionedList, i: number): Compare3Input => ({ path: l.path, format: l.format, how: formats[i].how, counts: l.counts });
    const t1 = Date.now();

    const missingLines = new SharedArrayBuffer((b.lines >>> 3) + 1);
    const orphanLines = new SharedArrayBuffer((s.lines >>> 3) + 1);
    const parts = 1 << bits;
    const shares = Math.max(1, Math.min(opts.workers ?? availableParallelism(), 4));
    const groups = Array.from({ length: shares }, (_, g) => Array.from({ length: parts }, (_, p) => p).filter((p) => p % shares === g));
    const counts = (await Promise.all(groups.map((ps) => pool.run({ kind: 'compare', before: b, scan: s, after: a, parts: ps, missingLines, orphanLines })))) as {
      missing: number;
      orphan: number;
    }[];
    const missing = counts.reduce((n, c) => n + c.missing, 0);
    const orphan = counts.reduce((n, c) => n + c.orphan, 0);
    const t2 = Date.now();

    const files = { missing: `${out}_missing.txt`, orphan: `${out}_orphan.txt` };
    await Promise.all([
      pool.run({ kind: 'names', list: b, marked: missingLines, outFile: files.missing, tmpRoot: scratch }),
      pool.run({ kind: 'names', list: s, marked: orphanLines, outFile: files.orphan, tmpRoot: scratch }),
    ]);
    const t3 = Date.now();
    return {
      inputs: { before: inputOf(b, 0), scan: inputOf(s, 1), after: inputOf(a, 2) },
      missing,
      orphan,
      before: { entries: b.entries, settled: b.settled },
      scan: { entries: s.entries },
      after: { entries: a.entries, settled: a.settled },
      partitions: parts,
      files,
      timings: { partition: (t1 - t0) / 1000, compare: (t2 - t1) / 1000, names: (t3 - t2) / 1000, total: (t3 - t0) / 1000 },
    };
  } finally {
    await pool.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
