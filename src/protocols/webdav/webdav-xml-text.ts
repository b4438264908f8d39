/**
 * Byte-level pieces of the multistatus scanner: XML references (XML 1.0 §4.1, predefined entities
 * §4.6), line-end normalisation (§2.11), and the values a listing reads (sizes, status lines, HTTP
 * dates) parsed straight from the bytes when they have their usual shape, so 100 000 entries do not
 * cost 300 000 short-lived strings. Every fast path answers "not the usual shape" (-1 / NaN) rather
 * than guess, and the caller then takes the general string path: both give the same results.
 */
import { canonicalName, decodeName } from '../../core/name-bytes.ts';
import { DcError } from '../../core/errors.ts';

/** A reference longer than this without ";" is garbage (the longest valid one, `&#x10FFFF;`, is 10). */
const MAX_REF = 12;

const malformed = (what: string) => new DcError('PROTOCOL', `malformed multistatus XML: ${what}`);

/** XML 1.0 §2.2 Char, for code points written as character references. */
function isXmlChar(cp: number): boolean {
  return cp === 9 || cp === 10 || cp === 13 || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/**
 * The reference starting at `buf[i]` ("&"): returns its code point (predefined entities included)
 * and leaves the index after ";" in `ref.end`; returns -1 when the data ends before ";" could be
 * seen (more bytes may complete it). Unknown entities and bad numbers throw PROTOCOL.
 */
export function readRef(buf: Buffer, i: number, end: number, ref: { end: number }): number {
  const limit = Math.min(end, i + MAX_REF);
  let semi = i + 1;
  while (semi < limit && buf[semi] !== 59) semi++;
  if (semi >= limit) {
    if (limit === end && end - i < MAX_REF) return -1;
    throw malformed('unterminated reference');
  }
  ref.end = semi + 1;
  const len = semi - i - 1;
  const c1 = buf[i + 1];
  if (c1 === 35) {
    // "&#123;" or "&#x7B;"
    const hex = buf[i + 2] === 120;
    let cp = 0;
    let k = i + (hex ? 3 : 2);
    if (k === semi) throw malformed('empty character reference');
    for (; k < semi; k++) {
      const c = buf[k];
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (hex && c >= 97 && c <= 102) d = c - 87;
      else if (hex && c >= 65 && c <= 70) d = c - 55;
      else throw malformed('bad character reference');
      cp = cp * (hex ? 16 : 10) + d;
    }
    if (!isXmlChar(cp)) throw malformed(`character reference to U+${cp.toString(16)} is not an XML character`);
    return cp;
  }
  const a = buf[i + 2];
  if (len === 3 && c1 === 97 && a === 109 && buf[i + 3] === 112) return 38; // amp
  if (len === 2 && c1 === 108 && a === 116) return 60; // lt
  if (len === 2 && c1 === 103 && a === 116) return 62; // gt
  if (len === 4 && c1 === 113 && a === 117 && buf[i + 3] === 111 && buf[i + 4] === 116) return 34; // quot
  if (len === 4 && c1 === 97 && a === 112 && buf[i + 3] === 111 && buf[i + 4] === 115) return 39; // apos
  throw malformed('undefined entity (a multistatus has no DTD)');
}

/**
 * XML text is UTF-8 (XML 1.0 §2.2, §4.3.3). A server that writes a name's raw bytes into it (XrdHttp
 * does) may send bytes that are not UTF-8: they are kept as bytes (src/core/name-bytes.ts), not
 * turned into U+FFFD, so such a name is listed as it is on the storage.
 *
 * Text of `buf[start, end)` with line ends normalised and, except in CDATA, references resolved; in
 * attribute values literal tabs and newlines also become spaces (§3.3.3). References were checked
 * by the scanner before.
 */
export function decodeText(buf: Buffer, start: number, end: number, kind: 'text' | 'attribute' | 'cdata'): string {
  let out = '';
  let from = start;
  const ref = { end: 0 };
  const attribute = kind === 'attribute';
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c === 38 && kind !== 'cdata') {
      out += decodeName(buf, from, i) + String.fromCodePoint(readRef(buf, i, end, ref));
      i = ref.end - 1;
      from = ref.end;
    } else if (c === 13 || (attribute && (c === 9 || c === 10))) {
      out += decodeName(buf, from, i) + (attribute ? ' ' : '\n');
      if (c === 13 && i + 1 < end && buf[i + 1] === 10) i++;
      from = i + 1;
    }
  }
  return out + decodeName(buf, from, end);
}

const EMPTY = Buffer.alloc(0);

/**
 * Text of the element being captured: one run of plain bytes `buf[start, end)` (values are parsed
 * from it without a string) while `str` is undefined; `str` once it needed decoding, had several
 * pieces, or its chunk is about to be dropped.
 */
export class CapturedText {
  buf: Buffer = EMPTY;
  start = 0;
  end = 0;
  str: string | undefined = undefined;

  clear(): void {
    this.buf = EMPTY;
    this.start = this.end = 0;
    this.str = undefined;
  }

  /** Adds a piece; 'plain' has no reference or CR to decode. Returns false past `max` characters. */
  add(buf: Buffer, start: number, end: number, kind: 'plain' | 'text' | 'cdata', max: number): boolean {
    if (start === end) return true;
    if (kind === 'plain' && this.str === undefined && this.end === this.start && end - start <= max) {
      this.buf = buf;
      this.start = start;
      this.end = end;
      return true;
    }
    // canonicalName: a character cut between two chunks was kept as two escaped bytes; joined, it is one.
    this.str = canonicalName(this.string() + (kind === 'plain' ? decodeName(buf, start, end) : decodeText(buf, start, end, kind)));
    return this.str.length <= max;
  }

  /** The text as a string (kept as such from now on). */
  string(): string {
    if (this.str === undefined) {
      this.str = decodeName(this.buf, this.start, this.end);
      this.buf = EMPTY;
      this.start = this.end = 0;
    }
    return this.str;
  }

  /** Stops referring to the chunk it was read from. */
  detach(): void {
    if (this.end > this.start) this.string();
  }
}

const isSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 13;

/** A plain decimal integer (surrounding XML whitespace allowed), or -1 for anything else. */
export function bytesToUint(buf: Buffer, start: number, end: number): number {
  while (start < end && isSpace(buf[start])) start++;
  while (end > start && isSpace(buf[end - 1])) end--;
  if (start === end || end - start > 15) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** "HTTP/1.1 200 OK" → 200, or -1 when the bytes are not that shape. */
export function bytesToStatus(buf: Buffer, start: number, end: number): number {
  let i = start;
  while (i < end && isSpace(buf[i])) i++;
  if (end - i < 10 || buf[i] !== 72 || buf[i + 1] !== 84 || buf[i + 2] !== 84 || buf[i + 3] !== 80 || buf[i + 4] !== 47) return -1;
  i += 5;
  if (!isDigit(buf[i++])) return -1;
  if (buf[i] === 46) {
    if (!isDigit(buf[i + 1])) return -1;
    i += 2;
  }
  if (i >= end || !isSpace(buf[i])) return -1;
  while (i < end && isSpace(buf[i])) i++;
  if (end - i < 3 || !isDigit(buf[i]) || !isDigit(buf[i + 1]) || !isDigit(buf[i + 2])) return -1;
  return (buf[i] - 48) * 100 + (buf[i + 1] - 48) * 10 + (buf[i + 2] - 48);
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const two = (buf: Buffer, i: number) => (isDigit(buf[i]) && isDigit(buf[i + 1]) ? (buf[i] - 48) * 10 + buf[i + 1] - 48 : -1);
/** Month names packed as 24-bit numbers, compared to the three bytes at once. */
const MONTHS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ').map((m) => (m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2));
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * RFC 9110 §5.6.7 IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", what servers send) → seconds
 * since the epoch; NaN for any other shape or an out-of-range field (Date.parse decides those).
 */
export function bytesToHttpDate(buf: Buffer, start: number, end: number): number {
  while (start < end && isSpace(buf[start])) start++;
  while (end > start && isSpace(buf[end - 1])) end--;
  const s = start;
  if (end - s !== 29 || buf[s + 3] !== 44 || buf[s + 4] !== 32 || buf[s + 7] !== 32 || buf[s + 11] !== 32 || buf[s + 16] !== 32) return NaN;
  if (buf[s + 19] !== 58 || buf[s + 22] !== 58 || buf[s + 25] !== 32 || buf[s + 26] !== 71 || buf[s + 27] !== 77 || buf[s + 28] !== 84) return NaN;
  const day = two(buf, s + 5);
  const hi = two(buf, s + 12);
  const lo = two(buf, s + 14);
  const h = two(buf, s + 17);
  const m = two(buf, s + 20);
  const sec = two(buf, s + 23);
  const month = MONTHS.indexOf((buf[s + 8] << 16) | (buf[s + 9] << 8) | buf[s + 10]);
  // Two-digit-looking or far years, Feb 29 and the like are left to Date.parse's own rules.
  if (month < 0 || hi < 19 || hi > 29 || lo < 0 || day < 1 || day > DAYS_IN_MONTH[month] || (month === 1 && day === 29)) return NaN;
  if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59) return NaN;
  return daysFromCivil(hi * 100 + lo, month + 1, day) * 86400 + h * 3600 + m * 60 + sec;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (the usual era-based formula; cheaper than Date.UTC). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
