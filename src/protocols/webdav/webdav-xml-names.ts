/**
 * Names for the XML scanner: read from bytes (XML 1.0 §2.3, Namespaces in XML 1.0 §4 QNames),
 * interned (a listing writes a dozen names a million times), guessed from the tag before (the same
 * sequence repeats for every entry), and resolved to namespace URIs (Namespaces §5–6).
 */
import { DcError } from '../../core/errors.ts';

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
export const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** Distinct names interned; a document using more still parses, the extra names just are not shared. */
const TABLE_SIZE = 1024;
const MAX_INTERNED = 512;

/** Name byte classes: 1 may start a name, 2 may continue one. Non-ASCII UTF-8 bytes are accepted. */
export const NAME = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const start = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 58 || c >= 128;
  NAME[c] = (start ? 3 : 0) | ((c >= 48 && c <= 57) || c === 45 || c === 46 ? 2 : 0);
}

export const malformed = (what: string) => new DcError('PROTOCOL', `malformed multistatus XML: ${what}`);

export function sameBytes(a: Buffer, buf: Buffer, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== buf[start + k]) return false;
  return true;
}

/**
 * True when `buf` holds `name` at `s` (`s + name.bytes.length` within `buf`). Four bytes a time
 * through `view` (a DataView on `buf`): names are compared for nearly every tag, and this halves it.
 */
export function holdsName(name: XmlName, view: DataView<ArrayBufferLike>, buf: Buffer, s: number): boolean {
  const words = name.words;
  let k = 0;
  for (let w = 0; w < words.length; w++, k += 4) if (view.getUint32(s + k, true) !== words[w]) return false;
  if (k === name.bytes.length) return true;
  if (s + k + 4 <= buf.length) return ((view.getUint32(s + k, true) ^ name.tailWord) & name.tailMask) === 0;
  const bytes = name.bytes;
  for (; k < bytes.length; k++) if (bytes[k] !== buf[s + k]) return false;
  return true;
}

export class XmlName {
  /** `bytes` as little-endian 32-bit words, the last partial word left out... */
  readonly words: Uint32Array;
  /** ...which is `tailWord`, its bytes picked by `tailMask`. */
  readonly tailWord: number;
  readonly tailMask: number;
  /** Names that followed this one last time: after its start tag, its end tag, and (attributes) the next attribute. */
  afterOpen: XmlName | undefined = undefined;
  afterClose: XmlName | undefined = undefined;
  nextAttr: XmlName | undefined = undefined;
  /** As an `xmlns…` attribute: the bytes last declared with it and their decoded URI. */
  declaredBytes: Buffer | undefined = undefined;
  declared = '';
  /** The URI this name's prefix resolved to in `scope` at `scopeVersion`. */
  scope: NamespaceScope | undefined = undefined;
  scopeVersion = 0;
  uri = '';

  constructor(
    /** The qualified name as written ("D:href"). */
    readonly bytes: Buffer,
    readonly hash: number,
    readonly prefix: string,
    readonly local: string,
    /** Index of `local` in the scanner's known local names, -1 for other names. */
    readonly kind: number,
  ) {
    this.words = new Uint32Array(bytes.length >> 2);
    for (let w = 0; w < this.words.length; w++) this.words[w] = bytes.readUInt32LE(4 * w);
    const tail = bytes.length & 3;
    let word = 0;
    for (let k = 0; k < tail; k++) word |= bytes[bytes.length - tail + k] << (8 * k);
    this.tailWord = word;
    this.tailMask = tail === 0 ? 0 : 2 ** (8 * tail) - 1;
  }
}

/**
 * Reads and interns names. One reader may serve many documents, even several being parsed at once
 * (nothing is kept between calls but caches that are checked before use).
 */
export class XmlNameReader {
  /** Where the name returned by the last `read` ends. */
  end = 0;
  private readonly table: (XmlName | undefined)[] = new Array<XmlName | undefined>(TABLE_SIZE).fill(undefined);
  private interned = 0;
  private hash = 0;
  private colon = -1;

  constructor(readonly knownLocals: readonly string[]) {}

  /**
   * The name at `s`, `guess` tried first; undefined when the chunk ends before the name does.
   * Throws `what` when no name starts at `s`.
   */
  read(buf: Buffer, view: DataView<ArrayBufferLike>, s: number, n: number, guess: XmlName | undefined, what: string): XmlName | undefined {
    if (guess !== undefined) {
      const e = s + guess.bytes.length;
      if (e < n && holdsName(guess, view, buf, s) && !(NAME[buf[e]] & 2)) {
        this.end = e;
        return guess;
      }
    }
    if (s >= n) return undefined;
    if (!(NAME[buf[s]] & 1)) throw malformed(what);
    let h = 0x811c9dc5 | 0;
    let colon = -1;
    let j = s;
    for (; j < n; j++) {
      const c = buf[j];
      if (!(NAME[c] & 2)) break;
      if (c === 58) {
        if (colon >= 0) throw malformed('name with two colons');
        colon = j;
      }
      h = Math.imul(h ^ c, 16777619);
    }
    if (j >= n) return undefined;
    this.hash = h;
    this.colon = colon;
    this.end = j;
    return this.intern(buf, s, j);
  }

  private intern(buf: Buffer, s: number, e: number): XmlName {
    const hash = this.hash;
    let k = hash & (TABLE_SIZE - 1);
    for (let known = this.table[k]; known !== undefined; known = this.table[k]) {
      if (known.hash === hash && sameBytes(known.bytes, buf, s, e)) return known;
      k = (k + 1) & (TABLE_SIZE - 1);
    }
    const colon = this.colon;
    if (colon === s || colon === e - 1) throw malformed('name with an empty prefix or local part');
    const prefix = colon < 0 ? '' : buf.toString('utf8', s, colon);
    const local = buf.toString('utf8', colon < 0 ? s : colon + 1, e);
    const name = new XmlName(Buffer.from(buf.subarray(s, e)), hash, prefix, local, this.knownLocals.indexOf(local));
    if (this.interned < MAX_INTERNED) {
      this.table[k] = name;
      this.interned++;
    }
    return name;
  }
}

/**
 * In-scope namespace declarations, innermost last; elements remember the height to pop back to.
 * Every change bumps `version`, so a name can keep what its prefix resolved to (servers declare
 * once at the root, or the same few prefixes on every response).
 */
export class NamespaceScope {
  private top = 2;
  private version = 0;
  private readonly prefixes: string[] = ['xml', 'xmlns'];
  private readonly uris: string[] = [XML_NS, XMLNS_NS];

  mark(): number {
    return this.top;
  }

  /** Drops the declarations made since `mark()` returned `top`. */
  restore(top: number): void {
    if (top === this.top) return;
    this.top = top;
    this.version++;
  }

  /** `xmlns:prefix="uri"` (prefix "" for `xmlns="uri"`), with the reserved names of §3 refused. */
  declare(prefix: string, uri: string): void {
    if (prefix === 'xmlns' || (prefix === 'xml') !== (uri === XML_NS) || uri === XMLNS_NS) throw malformed(`reserved namespace prefix or name in xmlns:${prefix}`);
    if (prefix !== '' && uri === '') throw malformed(`empty namespace name for prefix ${prefix}`);
    this.prefixes[this.top] = prefix;
    this.uris[this.top++] = uri;
    this.version++;
  }

  /** URI of the name's prefix, undefined when unbound. */
  resolveName(name: XmlName): string | undefined {
    if (name.scope === this && name.scopeVersion === this.version) return name.uri;
    const uri = this.resolve(name.prefix);
    if (uri !== undefined) {
      name.scope = this;
      name.scopeVersion = this.version;
      name.uri = uri;
    }
    return uri;
  }

  /** URI of a prefix ("" with no default namespace), undefined when unbound. */
  resolve(prefix: string): string | undefined {
    for (let k = this.top - 1; k >= 0; k--) if (this.prefixes[k] === prefix) return this.uris[k];
    return prefix === '' ? '' : undefined;
  }
}
