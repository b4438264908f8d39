/**
 * Streaming parser of a WebDAV `207 Multi-Status` body (RFC 4918 §14.16 multistatus, §14.24 response,
 * §14.22 propstat). Bytes go in as they arrive from the socket; one `MultistatusEntry` comes out per
 * `<response>` as soon as it closes, so a 100 000-entry directory is never held as one document.
 * Pure codec: no I/O, no knowledge of URLs (hrefs are handed out exactly as the server wrote them).
 * The XML itself is read by `XmlScanner` (why not a general SAX parser: see there).
 */
import { DcError } from '../../core/errors.ts';
import { XmlNameReader } from './webdav-xml-names.ts';
import { XmlScanner, type XmlHandler, type XmlName } from './webdav-xml-scanner.ts';
import { bytesToHttpDate, bytesToStatus, bytesToUint } from './webdav-xml-text.ts';

const DAV = 'DAV:';
/** Longest text we keep for one element: a href of 64 KiB is already absurd; beyond is an attack. */
const MAX_TEXT = 65_536;

export interface MultistatusEntry {
  /** The `<href>` text, XML entities resolved, otherwise as sent (raw, percent-encoded or absolute). */
  href: string;
  /** Status of the response itself (§14.28), or 200 when it only carries propstats. */
  status: number;
  isDir: boolean;
  /** getcontentlength (§15.4) when the server sent it in a 2xx propstat. */
  size?: number;
  /** getlastmodified (§15.7) as seconds since the epoch. */
  mtime?: number;
}

/** What the open response or propstat said so far. Reused, fixed shape: no object per element. */
class Said {
  open = false;
  status = 0;
  isDir = false;
  /** -1: not given. */
  size = -1;
  /** NaN: not given. */
  mtime = NaN;

  start(status: number): void {
    this.open = true;
    this.status = status;
    this.isDir = false;
    this.size = -1;
    this.mtime = NaN;
  }
}

/** The DAV: elements a listing reads; `XmlName.kind` is the index in this list. */
const KNOWN = ['multistatus', 'response', 'propstat', 'prop', 'resourcetype', 'collection', 'href', 'status', 'getcontentlength', 'getlastmodified', 'iscollection'];
const MULTISTATUS = 0;
const RESPONSE = 1;
const PROPSTAT = 2;
const PROP = 3;
const RESOURCETYPE = 4;
const COLLECTION = 5;
const HREF = 6;
const STATUS = 7;
const GETCONTENTLENGTH = 8;
const GETLASTMODIFIED = 9;
const ISCOLLECTION = 10;
/** Any other element, or a known local name in another namespace. */
const OTHER = -1;

/** "HTTP/1.1 200 OK" → 200; anything unreadable → 0 (treated as "no status given"). */
export function parseStatusLine(line: string): number {
  const m = /^\s*HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(line);
  return m ? Number(m[1]) : 0;
}

/**
 * Element names as multistatus parsers read them. A lister shares one between all its parsers: a
 * directory's answer then starts with names known and guesses trained by the answers before.
 */
export class MultistatusNames {
  readonly reader = new XmlNameReader(KNOWN);
}

export class MultistatusParser implements XmlHandler {
  private readonly scanner: XmlScanner;
  /** Kind of each open element. */
  private readonly stack: number[] = [];
  private depth = 0;
  private readonly response = new Said();
  private href = '';
  private readonly propstat = new Said();
  /** Kind of the element whose text is being captured, OTHER when none. */
  private field = OTHER;
  private sawRoot = false;

  constructor(
    private readonly onEntry: (entry: MultistatusEntry) => void,
    names: MultistatusNames = new MultistatusNames(),
  ) {
    this.scanner = new XmlScanner(this, names.reader, MAX_TEXT);
  }

  /** Feeds the next bytes (any split, even inside a UTF-8 sequence or a tag). */
  write(chunk: Uint8Array | string): void {
    this.scanner.write(chunk);
  }

  /** Ends the document; throws PROTOCOL when it was truncated or was not a multistatus. */
  end(): void {
    if (!this.sawRoot) {
      try {
        this.scanner.end();
      } catch {
        // An empty or foreign answer says so better than the XML error does.
      }
      throw new DcError('PROTOCOL', 'answer is not a DAV: multistatus document');
    }
    this.scanner.end();
  }

  open(name: XmlName, uri: string): void {
    const kind = uri === DAV ? name.kind : OTHER;
    const parent = this.depth > 0 ? this.stack[this.depth - 1] : OTHER;
    this.stack[this.depth++] = kind;
    if (this.depth === 1) {
      if (kind !== MULTISTATUS) throw new DcError('PROTOCOL', `expected a DAV: multistatus, got <${name.local}> in ${uri ? `namespace ${uri}` : 'no namespace'}`);
      this.sawRoot = true;
      return;
    }
    switch (kind) {
      case RESPONSE:
        if (parent === MULTISTATUS) {
          this.response.start(200);
          this.href = '';
        }
        return;
      case PROPSTAT:
        if (parent === RESPONSE && this.response.open) this.propstat.start(0);
        return;
      case COLLECTION:
        if (parent === RESOURCETYPE && this.propstat.open) this.propstat.isDir = true;
        return;
      case HREF:
        if (parent === RESPONSE) this.startText(kind);
        return;
      case STATUS:
        if (parent === RESPONSE || parent === PROPSTAT) this.startText(kind);
        return;
      case GETCONTENTLENGTH:
      case GETLASTMODIFIED:
      case ISCOLLECTION: // XrdHttp and DPM send it beside resourcetype
        if (parent === PROP && this.propstat.open) this.startText(kind);
        return;
    }
  }

  private startText(kind: number): void {
    this.field = kind;
    this.scanner.capture();
  }

  close(): void {
    const kind = this.stack[--this.depth];
    const parent = this.depth > 0 ? this.stack[this.depth - 1] : OTHER;
    if (this.field !== OTHER && kind === this.field) this.endText(kind, parent);
    const ps = this.propstat;
    const r = this.response;
    if (kind === PROPSTAT && parent === RESPONSE && ps.open && r.open) {
      ps.open = false;
      // Values in a 404 propstat are "property not found", not values (§14.22).
      if (ps.status === 0 || (ps.status >= 200 && ps.status < 300)) {
        if (ps.isDir) r.isDir = true;
        if (ps.size >= 0) r.size = ps.size;
        if (!Number.isNaN(ps.mtime)) r.mtime = ps.mtime;
      }
    } else if (kind === RESPONSE && parent === MULTISTATUS && r.open) {
      r.open = false;
      ps.open = false;
      if (this.href === '') throw new DcError('PROTOCOL', 'multistatus response without <href>');
      const entry: MultistatusEntry = { href: this.href, status: r.status, isDir: r.isDir };
      if (r.size >= 0) entry.size = r.size;
      if (!Number.isNaN(r.mtime)) entry.mtime = r.mtime;
      this.onEntry(entry);
    }
  }

  /**
   * Reads the captured value. Usual shapes are parsed from the bytes (no string); anything else
   * takes the string path, which defines the meaning.
   */
  private endText(field: number, parent: number): void {
    this.field = OTHER;
    const t = this.scanner.text;
    const raw = t.str === undefined;
    const r = this.response;
    const ps = this.propstat;
    if (field === HREF) {
      if (r.open) this.href = t.string().trim();
    } else if (field === STATUS) {
      let status = raw ? bytesToStatus(t.buf, t.start, t.end) : -1;
      if (status < 0) status = parseStatusLine(t.string());
      if (parent === PROPSTAT && ps.open) ps.status = status;
      else if (parent === RESPONSE && r.open) r.status = status || 200;
    } else if (field === GETCONTENTLENGTH && ps.open) {
      let n = raw ? bytesToUint(t.buf, t.start, t.end) : -1;
      if (n < 0) {
        const text = t.string().trim();
        const v = Number(text);
        if (text !== '' && Number.isSafeInteger(v) && v >= 0) n = v;
      }
      if (n >= 0) ps.size = n;
    } else if (field === GETLASTMODIFIED && ps.open) {
      let seconds = raw ? bytesToHttpDate(t.buf, t.start, t.end) : NaN;
      if (Number.isNaN(seconds)) seconds = Date.parse(t.string().trim()) / 1000;
      if (Number.isFinite(seconds)) ps.mtime = seconds;
    } else if (field === ISCOLLECTION && ps.open) {
      const text = t.string().trim();
      if (text === '1' || text.toLowerCase() === 'true') ps.isDir = true;
    }
  }
}
