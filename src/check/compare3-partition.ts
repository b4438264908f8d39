import { appendFileSync, closeSync, fstatSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DcError } from '../core/errors.ts';
import { BAD, COMMENT, EMPTY, listLineError, nameOf, newListCounts, newParsedLine, parseListLine, type ListCounts, type ListFormat } from '../core/list-format.ts';
import { forEachLineBlocking } from '../core/line-reader.ts';
import { hashBytes, hashString, newHash } from '../core/lfn-hash.ts';

/**
 * Pass 1 of compare3: one input list becomes P partition files of 16-byte records
 * `h0 h1 h2' line` (u32 each, host byte order): the 96-bit hash of the LFN's bytes, with the
 * low bit of h2 (always 1 in a hash) replaced by "settled", and the 1-based line number the
 * name can be fetched back from. A 100-byte name thus costs 16 bytes on disk and none in memory;
 * the partition is taken from the top bits of h1, independent of the table's slot bits (h0).
 */
export const RECORD_WORDS = 4;
/** Bytes of records buffered for all partitions of one list before they go to their files. */
const BUFFER_BYTES = 16 << 20;

export interface PartitionedList {
  path: string;
  format: ListFormat;
  /** Lines in the file, empty and comment lines included (line numbers go up to this). */
  lines: number;
  counts: ListCounts;
  entries: number;
  settled: number;
  files: string[];
  /** Records in each partition file. */
  partCounts: number[];
}

export function partitionIndex(h1: number, bits: number): number {
  return bits === 0 ? 0 : h1 >>> (32 - bits);
}

export async function partitionList(path: string, format: ListFormat, dir: string, tag: string, bits: number): Promise<PartitionedList> {
  const parts = 1 << bits;
  const files = Array.from({ length: parts }, (_, p) => join(dir, `${tag}-${String(p).padStart(4, '0')}.bin`));
  // Files are opened per flush: a thousand partitions per list would exceed the fd limit.
  for (const f of files) writeFileSync(f, '');
  const RECORDS_PER_FLUSH = Math.max(256, Math.floor(BUFFER_BYTES / (parts * RECORD_WORDS * 4)));
  const counts = new Array<number>(parts).fill(0);
  const fill = new Uint32Array(parts);
  const words = new Uint32Array(parts * RECORDS_PER_FLUSH * RECORD_WORDS);
  const bytes = Buffer.from(words.buffer);
  const flush = (p: number) => {
    const n = fill[p];
    if (n === 0) return;
    const off = p * RECORDS_PER_FLUSH * RECORD_WORDS * 4;
    appendFileSync(files[p], bytes.subarray(off, off + n * RECORD_WORDS * 4));
    counts[p] += n;
    fill[p] = 0;
  };
  const h = newHash();
  const r = newParsedLine();
  const listCounts = newListCounts();
  let settled = 0;
  const lines = await forEachLineBlocking(path, (buf, start, end, lineNo) => {
    const kind = parseListLine(format, buf, start, end, r);
    if (kind === EMPTY) return void listCounts.empty++;
    if (kind === COMMENT) return void listCounts.comments++;
    if (kind === BAD) throw listLineError(path, lineNo, r.problem, buf, start, end);
    if (lineNo > 0xffffffff) throw new DcError('INPUT', `${path}: more than 2^32 lines`);
    if (r.escaped) hashString(nameOf(buf, r), h);
    else hashBytes(buf, r.nameStart, r.nameEnd, h);
    const p = partitionIndex(h[1], bits);
    const at = (p * RECORDS_PER_FLUSH + fill[p]) * RECORD_WORDS;
    words[at] = h[0];
    words[at + 1] = h[1];
    words[at + 2] = (h[2] & ~1) | (r.settled ? 1 : 0);
    words[at + 3] = lineNo;
    listCounts.entries++;
    if (r.settled) settled++;
    if (++fill[p] === RECORDS_PER_FLUSH) flush(p);
  });
  for (let p = 0; p < parts; p++) flush(p);
  listCounts.lines = lines;
  return { path, format, lines, counts: listCounts, entries: listCounts.entries, settled, files, partCounts: counts };
}

/** Calls `fn(words, n)` for successive blocks of a partition file's records. */
export function forEachRecordBlock(file: string, block: Buffer, fn: (words: Uint32Array, n: number) => void): void {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const words = new Uint32Array(block.buffer, block.byteOffset, block.length >>> 2);
    const recordBytes = RECORD_WORDS * 4;
    const blockBytes = block.length - (block.length % recordBytes);
    for (let pos = 0; pos < size; ) {
      const got = readSync(fd, block, 0, Math.min(blockBytes, size - pos), pos);
      if (got <= 0 || got % recordBytes !== 0) throw new DcError('IO', `${file}: short read of a partition file`);
      fn(words, got / recordBytes);
      pos += got;
    }
  } finally {
    closeSync(fd);
  }
}

/** Picks the partition bits so one partition holds about `perPartition` entries of the largest list (at most 1024 partitions). */
export function choosePartitionBits(paths: string[], perPartition = 100_000): number {
  let est = 0;
  for (const p of paths) {
    const size = statSync(p).size;
    // Plain lines are rarely under 40 bytes; gzip shrinks path lists about 5×.
    const gz = p.endsWith('.gz');
    est = Math.max(est, Math.ceil((size * (gz ? 5 : 1)) / 40));
  }
  let bits = 4;
  // Small partitions keep the table in the CPU caches; 1024 keeps the file count sane.
  while (bits < 10 && est / (1 << bits) > perPartition) bits++;
  return bits;
}
