/**
 * A 96-bit hash of an LFN's bytes, computed either from a JS string or straight from a
 * byte range of a Buffer (so text lists are compared without making a string per line). Both
 * give the same value for the same name: bytes are packed little-endian into 32-bit words and
 * each word is mixed into three lanes with different multipliers, then each lane is avalanched.
 * A collision between two of 100 M names is ~1e-13 likely.
 *
 * The result goes into `out[0..2]`; out[2] is never 0, which the tables use to mark empty slots.
 */
import { unescapeName } from './escape.ts';
import { decodeName } from './name-bytes.ts';

export type Hash96 = Uint32Array;

export function newHash(): Hash96 {
  return new Uint32Array(3);
}

const SEED_A = 0x811c9dc5;
const SEED_B = 0x9747b28c;
const SEED_C = 0x2545f491;

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function finish(a: number, b: number, c: number, len: number, out: Hash96): void {
  a = fmix(a ^ len);
  b = fmix(b ^ Math.imul(len, 0x27d4eb2f));
  c = fmix(c + a);
  out[0] = a;
  out[1] = fmix(b ^ c);
  out[2] = c | 1;
}

export function hashBytes(buf: Uint8Array, start: number, end: number, out: Hash96): void {
  let a = SEED_A;
  let b = SEED_B;
  let c = SEED_C;
  let i = start;
  const end4 = start + ((end - start) & ~3);
  for (; i < end4; i += 4) {
    const w = buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
    a = Math.imul(a ^ w, 0x01000193);
    b = Math.imul((b << 5) | (b >>> 27), 0x5bd1e995) ^ w;
    c = (Math.imul(c, 0x9e3779b1) + w) | 0;
  }
  if (i < end) {
    let w = 0;
    for (let k = 0; i < end; i++, k += 8) w |= buf[i] << k;
    a = Math.imul(a ^ w, 0x01000193);
    b = Math.imul((b << 5) | (b >>> 27), 0x5bd1e995) ^ w;
    c = (Math.imul(c, 0x9e3779b1) + w) | 0;
  }
  finish(a, b, c, end - start, out);
}

/**
 * Same value as hashBytes over encodeName(s) (src/core/name-bytes.ts): the UTF-8 encoding, with
 * U+DC80–U+DCFF standing for one raw byte each and any other lone surrogate as U+FFFD.
 */
export function hashString(s: string, out: Hash96): void {
  let a = SEED_A;
  let b = SEED_B;
  let c = SEED_C;
  let w = 0;
  let k = 0; // bit offset of the next byte within w
  let len = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    let cp = s.charCodeAt(i);
    let nbytes: number;
    let packed: number; // up to four UTF-8 bytes, first byte lowest
    if (cp < 0x80) {
      nbytes = 1;
      packed = cp;
    } else if (cp >= 0xdc80 && cp <= 0xdcff) {
      // A byte that is not UTF-8, held as U+DC00 + byte (src/core/name-bytes.ts): hashed as that byte.
      nbytes = 1;
      packed = cp - 0xdc00;
    } else {
      if (cp >= 0xd800 && cp <= 0xdfff) {
        const lo = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (cp <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          i++;
        } else cp = 0xfffd;
      }
      if (cp < 0x800) {
        nbytes = 2;
        packed = (0xc0 | (cp >> 6)) | ((0x80 | (cp & 63)) << 8);
      } else if (cp < 0x10000) {
        nbytes = 3;
        packed = (0xe0 | (cp >> 12)) | ((0x80 | ((cp >> 6) & 63)) << 8) | ((0x80 | (cp & 63)) << 16);
      } else {
        nbytes = 4;
        packed = (0xf0 | (cp >> 18)) | ((0x80 | ((cp >> 12) & 63)) << 8) | ((0x80 | ((cp >> 6) & 63)) << 16) | ((0x80 | (cp & 63)) << 24);
      }
    }
    for (let j = 0; j < nbytes; j++) {
      w |= ((packed >>> (j << 3)) & 0xff) << k;
      len++;
      k += 8;
      if (k === 32) {
        a = Math.imul(a ^ w, 0x01000193);
        b = Math.imul((b << 5) | (b >>> 27), 0x5bd1e995) ^ w;
        c = (Math.imul(c, 0x9e3779b1) + w) | 0;
        w = 0;
        k = 0;
      }
    }
  }
  if (k > 0) {
    a = Math.imul(a ^ w, 0x01000193);
    b = Math.imul((b << 5) | (b >>> 27), 0x5bd1e995) ^ w;
    c = (Math.imul(c, 0x9e3779b1) + w) | 0;
  }
  finish(a, b, c, len, out);
}

/**
 * The hash of the name written (escaped, src/core/escape.ts) in buf[start, end) of a list: the
 * hash of its bytes once unescaped, so `bad\xff` and a raw byte FF name the same file. Lines
 * without a backslash (nearly all) are hashed straight from the buffer.
 */
export function hashEscapedName(buf: Buffer, start: number, end: number, out: Hash96): void {
  for (let i = start; i < end; i++) {
    if (buf[i] === 0x5c) {
      hashString(unescapeName(decodeName(buf, start, end)), out);
      return;
    }
  }
  hashBytes(buf, start, end, out);
}
