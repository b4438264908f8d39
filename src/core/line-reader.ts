import { closeSync, openSync, readSync } from 'node:fs';
import { DcError } from './errors.ts';
import { isGzipFd, openPlainOrGzip } from './gzip-file.ts';

/**
 * Called per line with the bytes [start, end) of `buf` (no newline, no CR), a 1-based number, and
 * the line's byte offset in the (uncompressed) file, so a reader can come back for it later.
 */
export type LineVisitor = (buf: Buffer, start: number, end: number, lineNo: number, offset: number) => void;

const CHUNK = 4 << 20;

/**
 * Visits every line of a text file, plain or gzip (told by its magic bytes), without making a
 * string per line: the hot paths of list comparison hash the bytes directly. Empty lines are
 * visited too (callers decide). The visitor may throw to stop.
 */
export async function forEachLine(path: string, visit: LineVisitor): Promise<number> {
  const source: AsyncIterable<Buffer> = await openPlainOrGzip(path, { highWaterMark: CHUNK, chunkSize: 1 << 20 });
  let carry: Buffer | undefined;
  let lineNo = 0;
  let consumed = 0; // bytes of the file before the current chunk
  try {
    for await (const chunk of source) {
      const base = consumed - (carry ? carry.length : 0); // file offset of buf[0]
      consumed += chunk.length;
      let buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
      carry = undefined;
      let start = 0;
      for (;;) {
        const nl = buf.indexOf(10, start);
        if (nl < 0) break;
        const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
        visit(buf, start, end, ++lineNo, base + start);
        start = nl + 1;
      }
      if (start < buf.length) carry = Buffer.from(buf.subarray(start));
      buf = Buffer.alloc(0);
    }
  } catch (err) {
    if (err instanceof DcError) throw err;
    throw new DcError('INPUT', `${path}: read failed after line ${lineNo}: ${(err as Error).message}`, { cause: err });
  }
  if (carry && carry.length) {
    const end = carry[carry.length - 1] === 13 ? carry.length - 1 : carry.length;
    visit(carry, 0, end, ++lineNo, consumed - carry.length);
  }
  return lineNo;
}

/**
 * forEachLine for hot loops in a thread that may block (compare3's workers): a plain file is read
 * with synchronous reads into one reused buffer (no allocation per chunk, which costs page faults
 * at gigabytes a list); a gzip file goes through forEachLine. Same lines, numbers and CR handling.
 */
export async function forEachLineBlocking(path: string, visit: LineVisitor): Promise<number> {
  const fd = openSync(path, 'r');
  try {
    if (isGzipFd(fd)) return await forEachLine(path, visit);
    let buf = Buffer.allocUnsafeSlow(8 << 20);
    let have = 0;
    let lineNo = 0;
    let base = 0; // file offset of buf[0]
    for (;;) {
      if (have === buf.length) {
        const bigger = Buffer.allocUnsafeSlow(buf.length * 2);
        buf.copy(bigger, 0, 0, have);
        buf = bigger;
      }
      const got = readSync(fd, buf, have, buf.length - have, null);
      const end = have + got;
      let start = 0;
      for (;;) {
        const nl = buf.indexOf(10, start);
        if (nl < 0 || nl >= end) break;
        visit(buf, start, nl > start && buf[nl - 1] === 13 ? nl - 1 : nl, ++lineNo, base + start);
        start = nl + 1;
      }
      if (got === 0) {
        if (start < end) visit(buf, start, buf[end - 1] === 13 ? end - 1 : end, ++lineNo, base + start);
        return lineNo;
      }
      buf.copy(buf, 0, start, end);
      base += start;
      have = end - start;
    }
  } catch (err) {
    if (err instanceof DcError) throw err;
    throw new DcError('INPUT', `${path}: read failed: ${(err as Error).message}`, { cause: err });
  } finally {
    closeSync(fd);
  }
}

/**
 * Splits `name<space>size` taken from the right (names may hold spaces). Returns the index where
 * the name ends, and the size, or -1 as index when the last field is not a non-negative integer.
 */
export function splitNameSize(buf: Buffer, start: number, end: number): { nameEnd: number; size: number } {
  let i = end - 1;
  let size = 0;
  let mult = 1;
  while (i >= start && buf[i] >= 48 && buf[i] <= 57) {
    size += (buf[i] - 48) * mult;
    mult *= 10;
    i--;
  }
  if (i === end - 1 || i < start || (buf[i] !== 32 && buf[i] !== 9)) return { nameEnd: -1, size: 0 };
  let nameEnd = i;
  while (nameEnd > start && (buf[nameEnd - 1] === 32 || buf[nameEnd - 1] === 9)) nameEnd--;
  return { nameEnd, size };
}

/** A run of whole lines of one buffer: line k is buf[starts[k], ends[k]) (no newline, no CR). */
export interface LineBatch {
  buf: Buffer;
  starts: number[];
  ends: number[];
  /** 1-based number of the first line of the batch. */
  firstLine: number;
}

/**
 * The lines of a text file, plain or gzip, as an async stream of batches over the raw bytes (for
 * readers that must await between batches; forEachLine is the faster callback form).
 */
export async function* streamLines(path: string): AsyncGenerator<LineBatch> {
  const source: AsyncIterable<Buffer> = await openPlainOrGzip(path, { highWaterMark: 1 << 20, chunkSize: 1 << 20 });
  let carry: Buffer | undefined;
  let lineNo = 1;
  const iter = source[Symbol.asyncIterator]();
  try {
  for (;;) {
    let next: IteratorResult<Buffer>;
    try {
      next = await iter.next();
    } catch (err) {
      throw new DcError('INPUT', `${path}: read failed after line ${lineNo - 1}: ${(err as Error).message}`, { cause: err });
    }
    if (next.done) break;
    const buf: Buffer = carry ? Buffer.concat([carry, next.value]) : next.value;
    carry = undefined;
    const starts: number[] = [];
    const ends: number[] = [];
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0) break;
      starts.push(start);
      ends.push(nl > start && buf[nl - 1] === 13 ? nl - 1 : nl);
      start = nl + 1;
    }
    if (start < buf.length) carry = Buffer.from(buf.subarray(start));
    if (starts.length) {
      yield { buf, starts, ends, firstLine: lineNo };
      lineNo += starts.length;
    }
  }
  if (carry && carry.length) yield { buf: carry, starts: [0], ends: [carry[carry.length - 1] === 13 ? carry.length - 1 : carry.length], firstLine: lineNo };
  } finally {
    await iter.return?.();
  }
}
