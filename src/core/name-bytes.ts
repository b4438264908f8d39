import { isUtf8 } from 'node:buffer';

/**
 * Names are bytes (SEMANTICS.md "Names"). Inside the tool a name is a JS string; bytes that are
 * not valid UTF-8 are carried losslessly as lone surrogates U+DC80–U+DCFF, one per byte (U+DC00 +
 * the byte: Python's "surrogateescape"). decodeName() makes such a string from the bytes a storage
 * or a file gave, encodeName() gives the very same bytes back (for the file system, a protocol
 * request), and escapeName() (src/core/escape.ts) writes each of those characters as `\xHH`.
 *
 * decodeName() never makes any other lone surrogate, and never makes U+FFFD of its own: a name
 * holding either came through a layer that had already lost its bytes (isUndecodable()).
 */

/** First and last code unit of the escaped bytes 0x80–0xFF. */
const ESC_LO = 0xdc80;
const ESC_HI = 0xdcff;
/** A lone surrogate that stands for one byte (a paired low surrogate is not matched: `u` flag). */
const ESCAPED_BYTE = /[\udc80-\udcff]/u;
/** U+FFFD, or a lone surrogate that does not stand for a byte. */
const LOST = /[\ufffd]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udc7f\udd00-\udfff]/;

function isAscii(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] >= 0x80) return false;
  return true;
}

/** Length of the valid UTF-8 sequence starting at buf[i] (before `end`), or 0 when there is none. */
function sequenceLength(buf: Uint8Array, i: number, end: number): number {
  const b0 = buf[i];
  const cont = (j: number, lo = 0x80, hi = 0xbf) => j < end && buf[j] >= lo && buf[j] <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(i + 1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    // No overlong forms (E0 A0..), no encoded surrogates (ED 80..9F) — RFC 3629 §4.
    const lo = b0 === 0xe0 ? 0xa0 : 0x80;
    const hi = b0 === 0xed ? 0x9f : 0xbf;
    return cont(i + 1, lo, hi) && cont(i + 2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const lo = b0 === 0xf0 ? 0x90 : 0x80;
    const hi = b0 === 0xf4 ? 0x8f : 0xbf;
    return cont(i + 1, lo, hi) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

/** The name held in buf[start, end): UTF-8 decoded, every byte of an invalid sequence kept as U+DC00 + byte. */
export function decodeName(buf: Uint8Array, start = 0, end = buf.length): string {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (isAscii(b, start, end)) return b.toString('latin1', start, end);
  if (isUtf8(b.subarray(start, end))) return b.toString('utf8', start, end);
  let out = '';
  let from = start; // start of the valid run not yet copied
  for (let i = start; i < end; ) {
    if (b[i] < 0x80) {
      i++;
      continue;
    }
    const n = sequenceLength(b, i, end);
    if (n > 0) {
      i += n;
      continue;
    }
    out += b.toString('utf8', from, i) + String.fromCharCode(0xdc00 + b[i]);
    from = ++i;
  }
  return out + b.toString('utf8', from, end);
}

/** True when the name carries bytes that are not UTF-8 (as decodeName() keeps them). */
export function hasRawBytes(name: string): boolean {
  return ESCAPED_BYTE.test(name);
}

/** The bytes of a name: UTF-8, with each U+DC80–U+DCFF turned back into its byte. */
export function encodeName(name: string): Buffer {
  if (!ESCAPED_BYTE.test(name)) return Buffer.from(name, 'utf8');
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = name.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++; // a pair: one astral character
      continue;
    }
    if (c < ESC_LO || c > ESC_HI) continue;
    parts.push(Buffer.from(name.slice(from, i), 'utf8'), Buffer.of(c - 0xdc00));
    from = i + 1;
  }
  parts.push(Buffer.from(name.slice(from), 'utf8'));
  return Buffer.concat(parts);
}

/**
 * The one string for a name's bytes. Two strings may stand for the same bytes ("\uDCC3\uDCA9" and
 * "é" are both C3 A9, e.g. after `\xc3\xa9` was read); this returns what decodeName() would give.
 */
export function canonicalName(name: string): string {
  return ESCAPED_BYTE.test(name) ? decodeName(encodeName(name)) : name;
}

/**
 * True when the name's bytes are known to be lost: it holds U+FFFD (what a layer puts where it
 * could not decode) or a lone surrogate decodeName() never makes. Such a name cannot be matched
 * with the storage or the inventory: it is counted as undecodable, never judged missing or orphan.
 */
export function isUndecodable(name: string): boolean {
  return LOST.test(name);
}
