/**
 * Line formats of storage dump files. Pure parsing, no I/O; every error names file and line.
 *
 * - `days`: the seed's RAL dump, `lfn size mtime`, mtime in days since the epoch (may be fractional).
 * - `find`: `find DIR -type f -printf '%p %s %T@\n'`, mtime in seconds since the epoch.
 * - `csv`: a header naming the columns — path (`path`, `lfn`, `name`, `file`), size (`size`, `bytes`),
 *   mtime (`mtime`, `modified`, `time` in seconds, or `mtime_days`, `days` in days) and optionally
 *   `type` (`f`/`d`, `file`/`dir`) — RFC 4180 quoting. A row with more fields than the header
 *   gives the surplus to the path column (an unquoted name holding commas).
 *
 * In the whitespace formats the size and mtime are the last two fields, so names may hold spaces.
 * Paths are storage paths; `./x` and `x` become `/x`. A trailing "/" (or CSV type `d`) marks a
 * directory, whose mtime is then its own.
 */
import { DcError } from '../../core/errors.ts';

export type DumpFormat = 'days' | 'find' | 'csv';

export interface DumpRecord {
  path: string;
  size: number;
  mtime: number;
  isDir: boolean;
}

export interface CsvColumns {
  path: number;
  size: number;
  mtime: number;
  /** mtime column counts days instead of seconds. */
  mtimeInDays: boolean;
  type: number | undefined;
  count: number;
}

const DAY = 86_400;
/** Seconds since the epoch are far above this; days since the epoch far below (until year 4707). */
const DAYS_LIMIT = 1_000_000;

export function inputError(file: string, line: number, why: string): DcError {
  return new DcError('INPUT', `${file}:${line}: ${why}`, { detail: { file, line } });
}

/** Guesses the format from the first non-blank line. */
export function detectFormat(line: string, file: string, lineNo: number): DumpFormat {
  if (line.includes(',')) {
    try {
      csvColumns(line, file, lineNo);
      return 'csv';
    } catch {
      // not a CSV header: a path with a comma in a whitespace format
    }
  }
  const m = WS_LINE.exec(line);
  if (!m) throw inputError(file, lineNo, 'cannot tell the dump format (expected "path size mtime" or a CSV header); set DumpFormat');
  return Number(m[3]) < DAYS_LIMIT ? 'days' : 'find';
}

const WS_LINE = /^(.+?)[ \t]+(\S+)[ \t]+(\S+)[ \t]*$/;
const INT = /^\d+$/;
const NUM = /^\d+(\.\d+)?$/;

/** One line of a `days` or `find` dump; undefined for a blank line. */
export function parseWhitespaceLine(line: string, format: 'days' | 'find', file: string, lineNo: number): DumpRecord | undefined {
  if (line.trim() === '') return undefined;
  const m = WS_LINE.exec(line);
  if (!m) throw inputError(file, lineNo, `expected "path size mtime", got ${JSON.stringify(line.slice(0, 200))}`);
  return record(m[1], m[2], m[3], format === 'days', false, file, lineNo);
}

function record(rawPath: string, size: string, mtime: string, days: boolean, isDirByType: boolean, file: string, lineNo: number): DumpRecord {
  if (!INT.test(size)) throw inputError(file, lineNo, `size ${JSON.stringify(size)} is not a whole number of bytes`);
  if (!NUM.test(mtime)) throw inputError(file, lineNo, `mtime ${JSON.stringify(mtime)} is not a number`);
  let path = rawPath;
  if (path.startsWith('./')) path = path.slice(1);
  else if (path === '.') path = '/';
  else if (!path.startsWith('/')) path = '/' + path;
  const isDir = isDirByType || (path.length > 1 && path.endsWith('/'));
  if (path.length > 1) path = path.replace(/\/+$/, '');
  if (path.includes('\0')) throw inputError(file, lineNo, 'path holds a NUL byte');
  return { path, size: isDir ? 0 : Number(size), mtime: Number(mtime) * (days ? DAY : 1), isDir };
}

/** Splits one CSV line (RFC 4180 quoting; no newlines inside fields). */
export function splitCsv(line: string, file: string, lineNo: number): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line.charCodeAt(i) === 34) {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw inputError(file, lineNo, 'unterminated quoted field (fields may not span lines)');
        v += line.slice(i, q);
        if (line.charCodeAt(q + 1) === 34) {
          v += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      out.push(v);
      if (i >= line.length) return out;
      if (line[i] !== ',') throw inputError(file, lineNo, `unexpected ${JSON.stringify(line[i])} after a quoted field`);
      i++;
    } else {
      const c = line.indexOf(',', i);
      if (c < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, c));
      i = c + 1;
    }
  }
}

const PATH_NAMES = ['path', 'lfn', 'name', 'file'];
const SIZE_NAMES = ['size', 'bytes'];
const MTIME_SECONDS = ['mtime', 'modified', 'time', 'mtime_seconds'];
const MTIME_DAYS = ['mtime_days', 'days'];

export function csvColumns(header: string, file: string, lineNo: number): CsvColumns {
  const names = splitCsv(header, file, lineNo).map((n) => n.trim().toLowerCase());
  const find = (want: string[]) => {
    const i = names.findIndex((n) => want.includes(n));
    return i < 0 ? undefined : i;
  };
  const path = find(PATH_NAMES);
  const size = find(SIZE_NAMES);
  const secs = find(MTIME_SECONDS);
  const days = find(MTIME_DAYS);
  const mtime = secs ?? days;
  if (path === undefined || size === undefined || mtime === undefined) {
    throw inputError(file, lineNo, `CSV header must name a path (${PATH_NAMES.join('/')}), a size (${SIZE_NAMES.join('/')}) and an mtime column (${[...MTIME_SECONDS, ...MTIME_DAYS].join('/')}); got ${JSON.stringify(header.slice(0, 200))}`);
  }
  return { path, size, mtime, mtimeInDays: secs === undefined, type: find(['type']), count: names.length };
}

export function parseCsvLine(line: string, cols: CsvColumns, file: string, lineNo: number): DumpRecord | undefined {
  if (line.trim() === '') return undefined;
  let f = splitCsv(line, file, lineNo);
  if (f.length < cols.count) throw inputError(file, lineNo, `expected ${cols.count} fields, got ${f.length}`);
  if (f.length > cols.count) {
    const extra = f.length - cols.count;
    f = [...f.slice(0, cols.path), f.slice(cols.path, cols.path + extra + 1).join(','), ...f.slice(cols.path + extra + 1)];
  }
  let isDir = false;
  if (cols.type !== undefined) {
    const t = f[cols.type].trim().toLowerCase();
    if (t === 'd' || t === 'dir' || t === 'directory') isDir = true;
    else if (t !== 'f' && t !== 'file' && t !== '') throw inputError(file, lineNo, `type ${JSON.stringify(t)} is neither f nor d`);
  }
  return record(f[cols.path], f[cols.size].trim(), f[cols.mtime].trim(), cols.mtimeInDays, isDir, file, lineNo);
}
