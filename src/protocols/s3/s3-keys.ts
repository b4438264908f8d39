/**
 * Key arithmetic for S3 listings. Pure string work, no I/O.
 * S3 lists keys in UTF-8 binary order (ListObjectsV2 documentation), which is Unicode code point
 * order; JavaScript's `<` compares UTF-16 code units, which disagrees for U+E000–U+FFFF against
 * astral characters, hence `compareKeys`.
 */
import { DcError } from '../../core/errors.ts';

export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (D800–DFFF) encode code points above FFFF: move them above E000–FFFF.
    if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
    if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

/** Printable ASCII: where split points are placed (LFNs are ASCII in practice). */
const LOW = 0x20;
const HIGH = 0x7e;

/**
 * A key strictly between `lo` and `hi` (hi undefined = no upper bound), used to split the rest of a
 * shard in two. Nothing is known about where keys lie, so it halves the printable range at the first
 * position where the bounds leave room: an empty half costs one cheap request, and the busy half
 * splits again later, so the split points narrow onto where the keys really are.
 */
export function splitPoint(lo: string, hi: string | undefined): string | undefined {
  let i = 0;
  if (hi !== undefined) while (i < lo.length && i < hi.length && lo.charCodeAt(i) === hi.charCodeAt(i)) i++;
  for (let j = i; j <= lo.length; j++) {
    const a = j < lo.length ? lo.charCodeAt(j) : LOW - 1;
    const b = j === i && hi !== undefined && i < hi.length ? Math.min(hi.charCodeAt(i), HIGH + 1) : HIGH + 1;
    if (b - a < 2) continue;
    const m = lo.slice(0, j) + String.fromCharCode((a + b) >> 1);
    if (compareKeys(lo, m) < 0 && (hi === undefined || compareKeys(m, hi) < 0)) return m;
  }
  return undefined;
}

export interface S3Location {
  bucket: string;
  /** Key prefix of the site root, without leading or trailing slash ("" for the bucket root). */
  rootKey: string;
}

/** `s3://bucket/some/prefix` → bucket and root key. */
export function parseS3Url(url: string): S3Location {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DcError('CONFIG', `not an S3 URL: ${JSON.stringify(url)}`);
  }
  if (u.protocol !== 's3:' || !u.hostname) throw new DcError('CONFIG', `S3 site Url must look like s3://bucket/prefix, got ${JSON.stringify(url)}`);
  const rootKey = decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, '');
  return { bucket: decodeURIComponent(u.hostname), rootKey };
}

/**
 * Key prefix holding everything below storage path `path` ("/store/mc" → "prefix/store/mc/"):
 * empty for the bucket root, otherwise ending with "/".
 */
export function dirKeyPrefix(loc: S3Location, path: string): string {
  const rel = path.replace(/^\/+|\/+$/g, '');
  const key = loc.rootKey && rel ? `${loc.rootKey}/${rel}` : loc.rootKey || rel;
  return key ? key + '/' : '';
}

/**
 * StartAfter value that skips every key below subdirectory `sub` of `prefix` in one request (the
 * per-directory listing jumps over subtrees instead of paging through them). Never behind `current`,
 * so each jump makes progress even for keys beyond U+10FFFF-leading names.
 */
export function skipSubtree(prefix: string, sub: string, current: string): string {
  const skip = `${prefix}${sub}/\u{10FFFF}`;
  return compareKeys(skip, current) > 0 ? skip : current;
}
