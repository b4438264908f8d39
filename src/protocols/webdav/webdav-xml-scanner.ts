/**
 * Streaming, namespace-aware XML scanner for WebDAV answers: bytes in (any split, even inside a
 * UTF-8 sequence, a tag or a reference), element open/close events out, plus the text of the
 * elements the handler asks for. It checks XML 1.0 + Namespaces well-formedness (matching tags, one
 * root, quoted attributes, bound prefixes, references, no text outside the root); it has no DTD
 * support (a DOCTYPE with an internal subset is refused: no server sends one).
 *
 * Hand-written because a general SAX parser, fed strings, cost more than the whole HTTP exchange
 * of a 100 000-file walk: this one reads bytes, reads each name once (interned, guessed from the
 * tag before), and allocates nothing per tag. A token cut by a chunk end is read again, whole,
 * once the next chunk came.
 */
import { DcError } from '../../core/errors.ts';
import { NAME, NamespaceScope, XmlNameReader, holdsName, malformed, sameBytes, type XmlName } from './webdav-xml-names.ts';
import { CapturedText, decodeText, readRef } from './webdav-xml-text.ts';

export type { XmlName } from './webdav-xml-names.ts';

export interface XmlHandler {
  /** An element opened (its attributes, namespace declarations included, already read). */
  open(name: XmlName, uri: string): void;
  /** An element closed; text it `capture()`d is readable now. */
  close(name: XmlName, uri: string): void;
}

/** A single tag, comment or text run longer than this is not part of a listing: refuse it. */
const MAX_TOKEN = 1 << 20;
const MAX_DEPTH = 256;
const EMPTY = Buffer.alloc(0);
const DASHES = Buffer.from('--');
const CDATA_OPEN = Buffer.from('<![CDATA[');
const CDATA_CLOSE = Buffer.from(']]>');
const DOCTYPE_OPEN = Buffer.from('<!DOCTYPE');
const PI_CLOSE = Buffer.from('?>');
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Bytes that stop the character-data loop; 0 for the rest. */
const LT = 1;
const AMP = 2;
const BRACKET = 3;
const CR = 4;
const CONTROL = 5;
const TEXT = new Uint8Array(256);
for (let c = 0; c < 32; c++) if (c !== 9 && c !== 10) TEXT[c] = CONTROL;
TEXT[13] = CR;
TEXT[38] = AMP;
TEXT[60] = LT;
TEXT[93] = BRACKET;

const isSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 13;
const startsWith = (buf: Buffer, i: number, what: Buffer) => buf.length - i >= what.length && sameBytes(what, buf, i, i + what.length);

export class XmlScanner {
  /** The captured text of the element being closed (see `capture`). */
  readonly text = new CapturedText();
  private rest: Buffer | undefined;
  /** On the chunk being read, for comparing names four bytes a time. */
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private failed: DcError | undefined;
  private bomChecked = false;
  /** Until the first byte after the BOM is consumed: where an XML declaration may stand. */
  private declAt = -1;
  private rootSeen = false;
  private rootDone = false;
  private depth = 0;
  private readonly names: XmlName[] = [];
  private readonly uris: string[] = [];
  /** Namespace scope height when each open element started. */
  private readonly marks: number[] = [];
  private readonly ns = new NamespaceScope();
  /** Depth of the element whose text is captured, -1 when none. */
  private capDepth = -1;
  private readonly ref = { end: 0 };
  private readonly attrNames: XmlName[] = [];
  private readonly attrBounds: number[] = [];
  /** Name of the last start or end tag, to guess the next start tag's name. */
  private last: XmlName | undefined;
  private lastClosed = false;

  constructor(
    private readonly handler: XmlHandler,
    /** Gives names their `kind`; may be shared with other scanners. */
    private readonly reader: XmlNameReader,
    private readonly maxText: number,
  ) {}

  write(chunk: Uint8Array | string): void {
    if (this.failed) throw this.failed;
    let buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.rest) {
      buf = Buffer.concat([this.rest, buf]);
      this.rest = undefined;
    }
    this.feed(buf, false);
  }

  /** Ends the document: throws PROTOCOL when it was empty, truncated or left elements open. */
  end(): void {
    if (this.failed) throw this.failed;
    const buf = this.rest ?? EMPTY;
    this.rest = undefined;
    this.feed(buf, true);
    if (!this.rootSeen) this.fail(malformed('no root element'));
    if (!this.rootDone) this.fail(malformed('document ends before its root element closes'));
  }

  /** Called from `open`: collects the element's text, readable in `text` at the element's close. */
  capture(): void {
    this.capDepth = this.depth;
    this.text.clear();
  }

  private fail(err: DcError): never {
    this.failed = err;
    throw err;
  }

  private feed(buf: Buffer, final: boolean): void {
    try {
      let i = 0;
      if (!this.bomChecked) {
        if (buf.length < 3 && !final && sameBytes(buf, BOM, 0, buf.length)) {
          this.rest = buf;
          return;
        }
        this.bomChecked = true;
        if (startsWith(buf, 0, BOM)) i = 3;
      }
      if (this.declAt !== -2) this.declAt = i;
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
      const stop = this.scan(buf, i);
      if (stop > i) this.declAt = -2;
      if (stop < buf.length) {
        if (final) throw malformed(this.depth > 0 ? 'document ends inside an element' : 'document ends inside a tag');
        if (buf.length - stop > MAX_TOKEN) throw malformed(`a tag or text longer than ${MAX_TOKEN} bytes`);
        this.rest = buf.subarray(stop);
      }
      // Captured bytes must not outlive this chunk (and a later chunk is a different buffer).
      if (this.capDepth >= 0) this.text.detach();
    } catch (err) {
      this.fail(err instanceof DcError ? err : malformed((err as Error).message));
    }
  }

  /** Reads tokens from `i`; returns where the unread rest (a token cut by the chunk end) starts. */
  private scan(buf: Buffer, i: number): number {
    const n = buf.length;
    while (i < n) {
      if (buf[i] === 10 && i + 1 < n && buf[i + 1] === 60 && this.capDepth < 0) i++; // the usual text: one newline
      else if (buf[i] !== 60) {
        const j = this.depth === 0 ? this.outsideText(buf, i, n) : this.contentText(buf, i, n);
        if (j < 0) return i;
        if (j >= n || buf[j] !== 60) return j;
        i = j;
      }
      if (i + 1 >= n) return i;
      const c = buf[i + 1];
      const next = c === 47 ? this.endTag(buf, i, n) : c === 33 ? this.bang(buf, i, n) : c === 63 ? this.pi(buf, i, n) : this.startTag(buf, i, n);
      if (next < 0) return i;
      i = next;
    }
    return n;
  }

  /** Prolog and epilogue: only white space may stand outside the root element. */
  private outsideText(buf: Buffer, i: number, n: number): number {
    for (; i < n; i++) {
      const c = buf[i];
      if (c === 60) return i;
      if (!isSpace(c)) throw malformed(this.rootDone ? 'content after the root element' : 'text before the root element');
    }
    return n;
  }

  /**
   * Character data up to the next "<". Returns its index once seen; otherwise where to resume
   * (a reference or "]]" cut by the chunk end), or -1 when captured text must wait to be whole.
   */
  private contentText(buf: Buffer, i: number, n: number): number {
    let j = i;
    let plain = true;
    for (; j < n; j++) {
      const k = TEXT[buf[j]];
      if (k === 0) continue;
      if (k === LT) break;
      if (k === AMP) {
        if (readRef(buf, j, n, this.ref) < 0) break;
        plain = false;
        j = this.ref.end - 1;
      } else if (k === BRACKET) {
        if (j + 2 >= n) break;
        if (buf[j + 1] === 93 && buf[j + 2] === 62) throw malformed('"]]>" in text');
      } else if (k === CR) plain = false;
      else throw malformed(`control character 0x${buf[j].toString(16)} in text`);
    }
    if (this.capDepth < 0) return j;
    if (j >= n || buf[j] !== 60) {
      // Waits for the whole run; more than 4 bytes per character is too long whatever it decodes to.
      if (n - i > 4 * this.maxText) throw this.tooLong();
      return -1;
    }
    if (!this.text.add(buf, i, j, plain ? 'plain' : 'text', this.maxText)) throw this.tooLong();
    return j;
  }

  private tooLong(): DcError {
    return new DcError('PROTOCOL', `<${this.names[this.capDepth - 1].local}> longer than ${this.maxText} characters`);
  }

  /** "<name attr='v' …>" or "<name …/>" at `i`: returns the index after it, -1 when cut. */
  private startTag(buf: Buffer, i: number, n: number): number {
    const last = this.last;
    const guess = last === undefined ? undefined : this.lastClosed ? last.afterClose : last.afterOpen;
    const name = this.reader.read(buf, this.view, i + 1, n, guess, '"<" not starting a tag');
    if (name === undefined) return -1;
    if (name !== guess && last !== undefined) {
      if (this.lastClosed) last.afterClose = name;
      else last.afterOpen = name;
    }
    let j = this.reader.end;
    let attrs = 0;
    let selfClosing = false;
    if (buf[j] === 62) {
      // The usual tag: a bare name.
      this.openElement(buf, name, 0);
      return j + 1;
    }
    for (;;) {
      const spaced = j < n && isSpace(buf[j]);
      while (j < n && isSpace(buf[j])) j++;
      if (j >= n) return -1;
      const c = buf[j];
      if (c === 62 || c === 47) {
        if (c === 47 && j + 1 >= n) return -1;
        if (c === 47 && buf[j + 1] !== 62) throw malformed('"/" inside a tag');
        selfClosing = c === 47;
        j += selfClosing ? 2 : 1;
        break;
      }
      if (!spaced) throw malformed('attribute not separated by white space');
      const before = attrs === 0 ? name : this.attrNames[attrs - 1];
      const an = this.reader.read(buf, this.view, j, n, before.nextAttr, 'bad attribute name');
      if (an === undefined) return -1;
      before.nextAttr = an;
      this.attrNames[attrs] = an;
      j = this.reader.end;
      while (j < n && isSpace(buf[j])) j++;
      if (j + 1 >= n) return -1;
      if (buf[j] !== 61) throw malformed('attribute without "="');
      j++;
      while (j < n && isSpace(buf[j])) j++;
      if (j >= n) return -1;
      const quote = buf[j];
      if (quote !== 34 && quote !== 39) throw malformed('unquoted attribute value');
      const vs = ++j;
      for (; j < n && buf[j] !== quote; j++) {
        const v = buf[j];
        if (v === 60) throw malformed('"<" in an attribute value');
        if (v === 38) {
          // A ";" found past the closing quote makes an invalid name: readRef throws then.
          if (readRef(buf, j, n, this.ref) < 0) return -1;
          j = this.ref.end - 1;
        } else if (v < 32 && v !== 9 && v !== 10 && v !== 13) throw malformed('control character in an attribute value');
      }
      if (j >= n) return -1;
      this.attrBounds[2 * attrs] = vs;
      this.attrBounds[2 * attrs + 1] = j++;
      attrs++;
    }
    this.openElement(buf, name, attrs);
    if (selfClosing) this.closeElement();
    return j;
  }

  private openElement(buf: Buffer, name: XmlName, attrs: number): void {
    if (this.depth === 0) {
      if (this.rootSeen) throw malformed('a second root element');
      this.rootSeen = true;
    }
    if (this.depth >= MAX_DEPTH) throw malformed(`elements nested deeper than ${MAX_DEPTH}`);
    this.marks[this.depth] = this.ns.mark();
    // Namespace declarations first: they apply to the element's own name and attributes.
    for (let a = 0; a < attrs; a++) {
      const an = this.attrNames[a];
      for (let b = 0; b < a; b++) {
        const other = this.attrNames[b];
        if (other === an || (other.hash === an.hash && other.bytes.equals(an.bytes))) throw malformed('duplicate attribute');
      }
      const prefix = an.prefix === 'xmlns' ? an.local : an.prefix === '' && an.local === 'xmlns' ? '' : undefined;
      if (prefix === undefined) continue;
      const vs = this.attrBounds[2 * a];
      const ve = this.attrBounds[2 * a + 1];
      // Servers repeat the same declarations on every response: decode each value once. Trimmed, as
      // general parsers do (saxes): a URI has no spaces, and " DAV:" means DAV: to its writer.
      if (an.declaredBytes === undefined || !sameBytes(an.declaredBytes, buf, vs, ve)) {
        an.declared = decodeText(buf, vs, ve, 'attribute').trim();
        an.declaredBytes = Buffer.from(buf.subarray(vs, ve));
      }
      this.ns.declare(prefix, an.declared);
    }
    for (let a = 0; a < attrs; a++) {
      const p = this.attrNames[a].prefix;
      if (p !== '' && p !== 'xmlns' && this.ns.resolve(p) === undefined) throw malformed(`unbound namespace prefix ${p}`);
    }
    if (name.prefix === 'xmlns') throw malformed('element named with the xmlns prefix');
    const uri = this.ns.resolveName(name);
    if (uri === undefined) throw malformed(`unbound namespace prefix ${name.prefix}`);
    this.names[this.depth] = name;
    this.uris[this.depth++] = uri;
    this.last = name;
    this.lastClosed = false;
    this.handler.open(name, uri);
  }

  /** "</name>" at `i`: it must close the innermost open element. */
  private endTag(buf: Buffer, i: number, n: number): number {
    if (this.depth === 0) throw malformed('closing tag without an open element');
    // Only one name may follow: compare with it rather than read a name.
    const open = this.names[this.depth - 1];
    const s = i + 2;
    const e = s + open.bytes.length;
    if (e >= n) return -1;
    let j = e;
    const same = holdsName(open, this.view, buf, s) && !(NAME[buf[e]] & 2);
    while (same && j < n && isSpace(buf[j])) j++;
    if (j >= n) return -1;
    if (!same || buf[j] !== 62) throw malformed(`</${buf.toString('latin1', s, Math.min(n, s + 40)).split(/[\s>]/)[0]}> does not close <${open.bytes.toString('utf8', 0, 100)}>`);
    this.closeElement();
    return j + 1;
  }

  private closeElement(): void {
    const d = this.depth - 1;
    if (this.capDepth === this.depth) this.capDepth = -1;
    this.last = this.names[d];
    this.lastClosed = true;
    this.handler.close(this.names[d], this.uris[d]);
    if (this.capDepth < 0 && this.text.end !== 0) this.text.clear(); // do not pin the chunk the text was in
    this.depth = d;
    this.ns.restore(this.marks[d]);
    if (d === 0) this.rootDone = true;
  }

  /** "<!--…-->", "<![CDATA[…]]>" (text, taken literally) or a DOCTYPE without internal subset. */
  private bang(buf: Buffer, i: number, n: number): number {
    if (n - i < 4) return -1;
    if (buf[i + 2] === 45) {
      if (buf[i + 3] !== 45) throw malformed('bad comment');
      const k = buf.indexOf(DASHES, i + 4);
      if (k < 0 || k + 2 >= n) return -1;
      if (buf[k + 2] !== 62) throw malformed('"--" inside a comment');
      return k + 3;
    }
    if (n - i < 9) return -1;
    if (startsWith(buf, i, CDATA_OPEN)) {
      if (this.depth === 0) throw malformed('CDATA outside the root element');
      const k = buf.indexOf(CDATA_CLOSE, i + 9);
      if (k < 0) return -1;
      let cr = false;
      for (let j = i + 9; j < k; j++) {
        const c = buf[j];
        if (c === 13) cr = true;
        else if (c < 32 && c !== 9 && c !== 10) throw malformed('control character in CDATA');
      }
      if (this.capDepth >= 0 && !this.text.add(buf, i + 9, k, cr ? 'cdata' : 'plain', this.maxText)) throw this.tooLong();
      return k + 3;
    }
    if (startsWith(buf, i, DOCTYPE_OPEN)) {
      if (this.rootSeen) throw malformed('DOCTYPE after the root element');
      const k = buf.indexOf(62, i + 9);
      if (k < 0) return -1;
      const subset = buf.indexOf(91, i + 9);
      if (subset >= 0 && subset < k) throw malformed('DOCTYPE with an internal subset (not supported)');
      return k + 1;
    }
    throw malformed('unexpected "<!"');
  }

  /**
   * "<?target …?>": processing instructions carry nothing we use. The target is checked (a name
   * without colon, "xml" only for the declaration at the very start), the declaration is not read.
   */
  private pi(buf: Buffer, i: number, n: number): number {
    let j = i + 2;
    if (j >= n) return -1;
    if (!(NAME[buf[j]] & 1) || buf[j] === 58) throw malformed('bad processing instruction target');
    while (j < n && NAME[buf[j]] & 2) if (buf[j++] === 58) throw malformed('colon in a processing instruction target');
    if (j + 1 >= n) return -1;
    if (!isSpace(buf[j]) && !(buf[j] === 63 && buf[j + 1] === 62)) throw malformed('bad processing instruction target');
    if (j - i === 5 && (buf[i + 2] | 32) === 120 && (buf[i + 3] | 32) === 109 && (buf[i + 4] | 32) === 108 && i !== this.declAt) {
      throw malformed('XML declaration not at the start of the document');
    }
    const k = buf.indexOf(PI_CLOSE, j);
    return k < 0 ? -1 : k + 2;
  }
}
