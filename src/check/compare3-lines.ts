import { splitNameSize } from '../core/line-reader.ts';

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
