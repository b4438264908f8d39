import { DcError } from './errors.ts';
import { unescapeName } from './escape.ts';
import { decodeName } from './name-bytes.ts';
import { openPlainOrGzip } from './gzip-file.ts';
import { streamLines } from './line-reader.ts';

/**
 * The one reader of list files: `import`, `compare`, `compare3` and the dump inventory all take
 * their lines through here, so a line means the same thing to every command. A file has one
 * format, declared or detected once (detectListFormat), never guessed line by line:
 *
 * - `paths`: one name a line (what the Rucio consistency tools and our own lists write). The whole
 *   line is the name, read with the documented escaping (unescapeName); sizes are unknown.
 * - `lfn-size`: `name size` or `name size settled|flux`, one space or tab between fields. Fields are
 *   taken from the right, so a name may hold spaces inside; the name is escaped as above.
 * - `lfn-size-mtime`: `name size mtime` (what `dump` writes), mtime in whole seconds since the epoch
 *   or `-` when unknown (an inventory's dump), size `-` when unknown; fields taken from the right as in `lfn-size`. Told
 *   from `lfn-size` only by DUMP_HEADER on the file's first line (a name may end in " 123"), or declared.
 * - `rucio-dump`: a Rucio replica dump, 9 tab-separated columns
 *   `rse scope name checksum size creation_date path update_date state`; the name is `path`, or
 *   `name` when `path` is empty, escaped as above (a list the tool writes round-trips); state `A` is settled.
 *
 * In every format: empty lines and lines starting with `#` are skipped and counted; a raw NUL
 * byte is an error; sizes are integers from 0 to 2^53-1; a name may not start or end with a raw
 * space or tab (surrounding blanks belong to a name only escaped, `\x20`), so a stray blank is
 * reported instead of silently becoming part of a name.
 */
export const LIST_FORMATS = ['paths', 'lfn-size', 'lfn-size-mtime', 'rucio-dump'] as const;
export type ListFormat = (typeof LIST_FORMATS)[number];

/** The first line `dump` writes: it declares the file's format (`lfn-size-mtime`) to every reader. */
export const DUMP_HEADER = '# dynamo-consistency dump: lfn size mtime';

/** The size of an entry whose format carries none (`paths`). */
export const UNKNOWN_SIZE = -1;

/** What parseListLine found on a line. */
export const ENTRY = 0;
export const EMPTY = 1;
export const COMMENT = 2;
export const BAD = 3;
export type LineKind = typeof ENTRY | typeof EMPTY | typeof COMMENT | typeof BAD;

/** Filled by parseListLine (one object reused for every line: no allocation per line). */
export interface ParsedLine {
  /** The name is buf[nameStart, nameEnd). */
  nameStart: number;
  nameEnd: number;
  /** The name holds a backslash and must go through unescapeName. */
  escaped: boolean;
  /** Bytes, or UNKNOWN_SIZE. */
  size: number;
  settled: boolean;
  /** rucio-dump: the rse column is buf[rseStart, rseEnd); empty otherwise. */
  rseStart: number;
  rseEnd: number;
  /** Why a BAD line does not fit its format. */
  problem: string;
  /**
   * Scan cache: where the next NUL and backslash lie in `scanBuf` from `scanFrom` on (-1: none;
   * -2: not looked yet). Lines of one buffer come in order, so one native indexOf serves many
   * lines instead of a JS loop over every byte.
   */
  scanBuf: Uint8Array | null;
  scanFrom: number;
  nulAt: number;
  escAt: number;
}

export function newParsedLine(): ParsedLine {
  return { nameStart: 0, nameEnd: 0, escaped: false, size: UNKNOWN_SIZE, settled: true, rseStart: 0, rseEnd: 0, problem: '', scanBuf: null, scanFrom: 0, nulAt: -2, escAt: -2 };
}

const SPACE = 32;
const TAB = 9;
const HASH = 35;
const BACKSLASH = 92;
const MAX_SIZE_TEXT = 'larger than 2^53-1 (9007199254740991)';

function isBlank(b: number): boolean {
  return b === SPACE || b === TAB;
}

function bad(out: ParsedLine, problem: string): LineKind {
  out.problem = problem;
  return BAD;
}

/** The integer in buf[s, e) when it is all digits and at most 2^53-1; -1 when not digits; -2 when too large. */
function parseSize(buf: Uint8Array, s: number, e: number): number {
  if (e <= s) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v > Number.MAX_SAFE_INTEGER ? -2 : v;
}

function lastBlank(buf: Uint8Array, s: number, e: number): number {
  for (let i = e - 1; i >= s; i--) if (isBlank(buf[i])) return i;
  return -1;
}

function isWord(buf: Uint8Array, s: number, e: number, word: string): boolean {
  if (e - s !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (buf[s + i] !== word.charCodeAt(i)) return false;
  return true;
}

function text(buf: Uint8Array, s: number, e: number): string {
  return quoteBytes(buf, s, e, 40);
}

/** Checks the name range: not empty, no NUL, no surrounding blank; notes whether it is escaped. */
function checkName(buf: Uint8Array, s: number, e: number, escapable: boolean, out: ParsedLine): LineKind {
  if (e <= s) return bad(out, 'no name on the line');
  if (isBlank(buf[s])) return bad(out, 'the name starts with a raw space or tab (write it escaped, \\x20 or \\t, if it belongs to the name)');
  if (isBlank(buf[e - 1])) return bad(out, 'the name ends with a raw space or tab (write it escaped, \\x20 or \\t, if it belongs to the name)');
  if (out.scanBuf !== buf || s < out.scanFrom) {
    out.scanBuf = buf;
    out.nulAt = out.escAt = -2;
  }
  out.scanFrom = s;
  if (out.nulAt !== -1 && out.nulAt < s) out.nulAt = buf.indexOf(0, s);
  if (out.nulAt >= 0 && out.nulAt < e) return bad(out, 'NUL byte in the name');
  if (out.escAt !== -1 && out.escAt < s) out.escAt = buf.indexOf(BACKSLASH, s);
  out.nameStart = s;
  out.nameEnd = e;
  out.escaped = escapable && out.escAt >= 0 && out.escAt < e;
  return ENTRY;
}

/**
 * Parses buf[start, end) (one line, no newline) as `format`. Returns ENTRY (and fills `out`),
 * EMPTY, COMMENT, or BAD with `out.problem` saying why.
 */
export function parseListLine(format: ListFormat, buf: Uint8Array, start: number, end: number, out: ParsedLine): LineKind {
  if (end === start) return EMPTY;
  if (buf[start] === HASH) return COMMENT;
  out.rseStart = out.rseEnd = 0;
  if (format === 'paths') {
    out.size = UNKNOWN_SIZE;
    out.settled = true;
    return checkName(buf, start, end, true, out);
  }
  if (format === 'lfn-size') {
    const j = lastBlank(buf, start, end);
    if (j < 0) return bad(out, 'no size column (expected "name size [settled|flux]")');
    if (j === end - 1) return bad(out, 'raw space or tab at the end of the line');
    let sizeStart = j + 1;
    let sizeEnd = end;
    let sep = j;
    out.settled = true;
    if (buf[j + 1] < 48 || buf[j + 1] > 57) {
      // Not a size: a state word, whose size comes before it.
      const k = lastBlank(buf, start, j);
      const prevIsSize = k >= 0 && parseSize(buf, k + 1, j) !== -1;
      if (isWord(buf, j + 1, end, 'settled') || isWord(buf, j + 1, end, 'flux')) {
        if (k < 0) return bad(out, 'no size column before the state word (expected "name size [settled|flux]")');
        out.settled = buf[j + 1] === 115; // "s"
        sizeStart = k + 1;
        sizeEnd = j;
        sep = k;
      } else if (prevIsSize) {
        return bad(out, `bad state word ${text(buf, j + 1, end)} (expected settled or flux)`);
      }
    }
    const size = parseSize(buf, sizeStart, sizeEnd);
    if (size === -1) return bad(out, `size ${text(buf, sizeStart, sizeEnd)} is not a non-negative integer`);
    if (size === -2) return bad(out, `size ${text(buf, sizeStart, sizeEnd)} is ${MAX_SIZE_TEXT}`);
    out.size = size;
    return checkName(buf, start, sep, true, out);
  }
  if (format === 'lfn-size-mtime') {
    const j = lastBlank(buf, start, end);
    if (j < 0) return bad(out, 'no mtime column (expected "name size mtime")');
    if (j === end - 1) return bad(out, 'raw space or tab at the end of the line');
    if (!(end - j === 2 && buf[j + 1] === 45) && parseSize(buf, j + 1, end) < 0) return bad(out, `mtime ${text(buf, j + 1, end)} is neither whole seconds nor "-"`);
    const k = lastBlank(buf, start, j);
    if (k < 0) return bad(out, 'no size column (expected "name size mtime")');
    const unknown = j - k === 2 && buf[k + 1] === 45;
    const size = unknown ? UNKNOWN_SIZE : parseSize(buf, k + 1, j);
    if (size === -1 && !unknown) return bad(out, `size ${text(buf, k + 1, j)} is neither a non-negative integer nor "-"`);
    if (size === -2) return bad(out, `size ${text(buf, k + 1, j)} is ${MAX_SIZE_TEXT}`);
    out.size = size;
    out.settled = true;
    return checkName(buf, start, k, true, out);
  }
  // rucio-dump. Columns: 0 rse, 1 scope, 2 name, 3 checksum, 4 size, 5 created, 6 path, 7 updated, 8 state.
  const cols = RUCIO_COLS;
  let n = 0;
  cols[0] = start;
  for (let i = start; i < end && n < 9; i++) if (buf[i] === TAB) cols[++n] = i + 1;
  if (n < 8) return bad(out, `expected 9 tab-separated columns (rse scope name checksum size creation_date path update_date state), got ${n + 1}`);
  const colEnd = (c: number) => (c < n ? cols[c + 1] - 1 : end);
  const size = parseSize(buf, cols[4], colEnd(4));
  if (size === -1) return bad(out, `size column ${text(buf, cols[4], colEnd(4))} is not a non-negative integer`);
  if (size === -2) return bad(out, `size column ${text(buf, cols[4], colEnd(4))} is ${MAX_SIZE_TEXT}`);
  if (colEnd(8) === cols[8]) return bad(out, 'state column is empty');
  out.size = size;
  out.settled = colEnd(8) - cols[8] === 1 && buf[cols[8]] === 65; // "A"
  out.rseStart = cols[0];
  out.rseEnd = colEnd(0);
  const usePath = colEnd(6) > cols[6];
  if (!usePath && colEnd(2) === cols[2]) return bad(out, 'both path and name are empty');
  return usePath ? checkName(buf, cols[6], colEnd(6), true, out) : checkName(buf, cols[2], colEnd(2), true, out);
}
const RUCIO_COLS = new Array<number>(10).fill(0);

/** The name of a parsed ENTRY (bytes that are not UTF-8 kept, src/core/name-bytes.ts; escapes undone). */
export function nameOf(buf: Buffer, r: ParsedLine): string {
  const s = decodeName(buf, r.nameStart, r.nameEnd);
  return r.escaped ? unescapeName(s) : s;
}

/**
 * Bytes quoted for an error message: printable ASCII as is, `"` and `\` escaped, every other byte
 * `\xHH`, cut after `max` bytes. Binary input never reaches the terminal raw.
 */
export function quoteBytes(buf: Uint8Array, start: number, end: number, max = 80): string {
  let out = '"';
  const stop = Math.min(end, start + max);
  for (let i = start; i < stop; i++) {
    const b = buf[i];
    if (b === 34 || b === BACKSLASH) out += '\\' + String.fromCharCode(b);
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += '\\x' + b.toString(16).padStart(2, '0');
  }
  out += '"';
  if (end > stop) out += `… (${end - start} bytes)`;
  return out;
}

/** A name quoted for an error message, as quoteBytes does with its UTF-8 bytes. */
export function quoteName(name: string, max = 200): string {
  const b = Buffer.from(name, 'utf8');
  return quoteBytes(b, 0, b.length, max);
}

/** The error for line `lineNo` of `path` (exit 3), quoting the line safely. */
export function listLineError(path: string, lineNo: number, problem: string, buf: Uint8Array, start: number, end: number): DcError {
  return new DcError('INPUT', `${path}:${lineNo}: ${problem}: ${quoteBytes(buf, start, end)}`, { detail: { file: path, line: lineNo } });
}

export function parseListFormat(value: string, where: string): ListFormat {
  if ((LIST_FORMATS as readonly string[]).includes(value)) return value as ListFormat;
  throw new DcError('CONFIG', `${where}: unknown list format ${JSON.stringify(value)} (use ${LIST_FORMATS.join(', ')})`);
}

/** How much of a file detectListFormat reads: the first DETECT_LINES entries, within DETECT_BYTES. */
export const DETECT_LINES = 1000;
export const DETECT_BYTES = 1 << 20;

/** The first `max` bytes of a file (uncompressed when it is gzip), and whether that is all of it. */
async function readHead(path: string, max: number): Promise<{ buf: Buffer; whole: boolean }> {
  const source = await openPlainOrGzip(path);
  const parts: Buffer[] = [];
  let got = 0;
  try {
    for await (const chunk of source) {
      parts.push(chunk);
      got += chunk.length;
      if (got > max) break;
    }
  } catch (err) {
    throw new DcError('INPUT', `${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  } finally {
    source.destroy();
  }
  const buf = Buffer.concat(parts);
  return got > max ? { buf: buf.subarray(0, max), whole: false } : { buf, whole: true };
}

export interface DetectedFormat {
  format: ListFormat;
  /** How it was decided, for the user: `declared`, or `detected from the first N lines`. */
  how: string;
}

/**
 * Decides a file's format once, from its first DETECT_LINES entries (at most DETECT_BYTES):
 * `rucio-dump` when the first entry has 9 tab-separated columns; otherwise `lfn-size` when every
 * entry read ends in a size column, `paths` when none does. Entries that disagree (some with a
 * size column, some without) are an error asking for --format: a file is never read half one way.
 * `allowed` narrows the choice (import needs sizes: without `paths`, a non-Rucio file is lfn-size).
 */
export async function detectListFormat(path: string, allowed: readonly ListFormat[] = LIST_FORMATS): Promise<DetectedFormat> {
  const { buf, whole } = await readHead(path, DETECT_BYTES);
  let end = buf.length;
  if (!whole) end = buf.lastIndexOf(10) + 1;
  const r = newParsedLine();
  let lineNo = 0;
  let entries = 0;
  let withSize: { line: number; s: number; e: number } | undefined;
  let without: { line: number; s: number; e: number; problem: string } | undefined;
  for (let s = 0; s < end && entries < DETECT_LINES; ) {
    let nl = buf.indexOf(10, s);
    if (nl < 0 || nl >= end) nl = end;
    const e = nl > s && buf[nl - 1] === 13 ? nl - 1 : nl;
    lineNo++;
    if (lineNo === 1 && allowed.includes('lfn-size-mtime') && buf.toString('latin1', s, e) === DUMP_HEADER) {
      return { format: 'lfn-size-mtime', how: 'declared by its first line (a dump)' };
    }
    const kind = parseListLine('paths', buf, s, e, r);
    if (kind === ENTRY || kind === BAD) {
      entries++;
      if (entries === 1 && allowed.includes('rucio-dump')) {
        let tabs = 0;
        for (let i = s; i < e; i++) if (buf[i] === TAB) tabs++;
        if (tabs >= 8) return { format: 'rucio-dump', how: 'detected from its first line (9 tab-separated columns)' };
      }
      if (parseListLine('lfn-size', buf, s, e, r) === ENTRY) withSize ??= { line: lineNo, s, e };
      else without ??= { line: lineNo, s, e, problem: r.problem };
    }
    s = nl + 1;
  }
  const how = `detected from its first ${lineNo} line${lineNo === 1 ? '' : 's'}`;
  if (!allowed.includes('paths')) return { format: 'lfn-size', how };
  if (!allowed.includes('lfn-size')) return { format: 'paths', how };
  if (!without) return { format: entries ? 'lfn-size' : 'paths', how: entries ? how : 'no entries to detect from' };
  if (!withSize) return { format: 'paths', how };
  throw new DcError(
    'INPUT',
    `${path}:${without.line}: ${without.problem} (${quoteBytes(buf, without.s, without.e)}), but line ${withSize.line} ends in a size column (${quoteBytes(buf, withSize.s, withSize.e)}): the list format cannot be told; declare it with --format ${LIST_FORMATS.join('|')}`,
    { detail: { file: path, line: without.line } },
  );
}

/** Lines of a list that were not entries. */
export interface ListCounts {
  lines: number;
  entries: number;
  empty: number;
  comments: number;
}

export function newListCounts(): ListCounts {
  return { lines: 0, entries: 0, empty: 0, comments: 0 };
}

/** One entry of a list, as a string. */
export interface ListEntry {
  name: string;
  /** Bytes, or UNKNOWN_SIZE (paths). */
  size: number;
  settled: boolean;
  /** rucio-dump: the rse column; '' otherwise. */
  rse: string;
  line: number;
}

/**
 * Streams the entries of a list file in batches, every line checked against `format`; the first
 * line that does not fit throws (file, line, the line quoted). `counts` is filled as it goes.
 */
export async function* streamListEntries(path: string, format: ListFormat, counts: ListCounts = newListCounts(), signal?: AbortSignal): AsyncGenerator<ListEntry[]> {
  const r = newParsedLine();
  for await (const batch of streamLines(path)) {
    if (signal?.aborted) throw new DcError('ABORTED', `reading ${path} aborted`);
    const out: ListEntry[] = [];
    const { buf, starts, ends } = batch;
    for (let i = 0; i < starts.length; i++) {
      const lineNo = batch.firstLine + i;
      counts.lines++;
      const kind = parseListLine(format, buf, starts[i], ends[i], r);
      if (kind === EMPTY) counts.empty++;
      else if (kind === COMMENT) counts.comments++;
      else if (kind === BAD) throw listLineError(path, lineNo, r.problem, buf, starts[i], ends[i]);
      else {
        counts.entries++;
        out.push({ name: nameOf(buf, r), size: r.size, settled: r.settled, rse: r.rseEnd > r.rseStart ? buf.toString('utf8', r.rseStart, r.rseEnd) : '', line: lineNo });
      }
    }
    if (out.length) yield out;
  }
}

/** "3 empty lines and 1 comment skipped" (or '' when none were). */
export function describeSkipped(c: ListCounts): string {
  const parts: string[] = [];
  if (c.empty) parts.push(`${c.empty} empty line${c.empty === 1 ? '' : 's'}`);
  if (c.comments) parts.push(`${c.comments} comment line${c.comments === 1 ? '' : 's'}`);
  return parts.length ? `${parts.join(' and ')} skipped` : '';
}
