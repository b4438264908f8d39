import { closeSync, openSync, readSync } from 'node:fs';
import { DcError } from '../core/errors.ts';
import { forEachLine, splitNameSize, type LineVisitor } from '../core/line-reader.ts';

/**
 * Where the LFN sits on one line of a compare3 input, found on the bytes (no string per line).
 * The formats are the dump inventory's (src/inventory/dump/dump-format.ts): a Rucio replica dump
 * (9 tab-separated columns; LFN = `path`, or `name` when `path` is empty; settled = state `A`)
 * or a plain list of `lfn` or `lfn size` lines (all settled). A file's format is told by its
 * first non-empty line.
 */
export type ListFormat = 'rucio' | 'plain';

export function detectListFormat(buf: Uint8Array, start: number, end: number): ListFormat {
  let tabs = 0;
  for (let i = start; i < end; i++) if (buf[i] === 9) tabs++;
  return tabs >= 8 ? 'rucio' : 'plain';
}

/** Result of nameOf(): the name is buf[start, end); `settled` as the format says; end < 0 = bad line. */
export interface NameRange {
  start: number;
  end: number;
  settled: boolean;
}

export function nameOf(format: ListFormat, buf: Buffer, start: number, end: number, out: NameRange): void {
  if (format === 'plain') {
    const { nameEnd } = splitNameSize(buf, start, end);
    out.start = start;
    out.end = nameEnd > start ? nameEnd : end;
    out.settled = true;
    return;
  }
  // Column starts: 0 rse, 1 scope, 2 name, 3 checksum, 4 size, 5 created, 6 path, 7 updated, 8 state.
  let col = 0;
  let colStart = start;
  let nameStart = -1;
  let nameEnd = -1;
  let pathStart = -1;
  let pathEnd = -1;
  let stateStart = -1;
  for (let i = start; i <= end; i++) {
    if (i < end && buf[i] !== 9) continue;
    if (col === 2) {
      nameStart = colStart;
      nameEnd = i;
    } else if (col === 6) {
      pathStart = colStart;
      pathEnd = i;
    } else if (col === 8) {
      stateStart = colStart;
      out.settled = i - colStart === 1 && buf[colStart] === 65; // "A"
      break;
    }
    col++;
    colStart = i + 1;
  }
  if (stateStart < 0) {
    out.start = start;
    out.end = -1;
    return;
  }
  if (pathEnd > pathStart) {
    out.start = pathStart;
    out.end = pathEnd;
  } else {
    out.start = nameStart;
    out.end = nameEnd > nameStart ? nameEnd : -1;
  }
}

/**
 * forEachLine (src/core/line-reader.ts) for compare3's hot loops: a plain file is read with
 * synchronous reads into one reused buffer (no allocation per chunk, which costs page faults at
 * gigabytes a list); a gzip file goes through forEachLine. Same lines, numbers and CR handling.
 */
export async function forEachListLine(path: string, visit: LineVisitor): Promise<number> {
  const fd = openSync(path, 'r');
  try {
    const magic = Buffer.alloc(2);
    if (readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b) return await forEachLine(path, visit);
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
