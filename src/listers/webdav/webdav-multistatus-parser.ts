/**
 * Streaming parser of a WebDAV `207 Multi-Status` body (RFC 4918 §14.16 multistatus, §14.24 response,
 * §14.22 propstat). Bytes go in as they arrive from the socket; one `MultistatusEntry` comes out per
 * `<response>` as soon as it closes, so a 100 000-entry directory is never held as one document.
 * Pure codec: no I/O, no knowledge of URLs (hrefs are handed out exactly as the server wrote them).
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { DcError } from '../../core/errors.ts';

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

interface Propstat {
  status: number;
  isDir: boolean;
  size?: number;
  mtime?: number;
}

type TextField = 'href' | 'status' | 'getcontentlength' | 'getlastmodified' | 'iscollection';

/** "HTTP/1.1 200 OK" → 200; anything unreadable → 0 (treated as "no status given"). */
export function parseStatusLine(line: string): number {
  const m = /^\s*HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(line);
  return m ? Number(m[1]) : 0;
}

export class MultistatusParser {
  private readonly sax = new SaxesParser({ xmlns: true });
  private readonly decoder = new TextDecoder('utf-8');
  private readonly stack: string[] = [];
  private response: MultistatusEntry | undefined;
  private propstat: Propstat | undefined;
  private field: TextField | undefined;
  private text = '';
  private sawRoot = false;
  private error: DcError | undefined;

  constructor(private readonly onEntry: (entry: MultistatusEntry) => void) {
    this.sax.on('opentag', (tag) => this.open(tag));
    this.sax.on('closetag', (tag) => this.close(tag));
    this.sax.on('text', (t) => this.addText(t));
    this.sax.on('cdata', (t) => this.addText(t));
    this.sax.on('error', (err) => {
      this.error ??= new DcError('PROTOCOL', `malformed multistatus XML: ${err.message}`);
      throw this.error;
    });
  }

  /** Feeds the next bytes (any split, even inside a UTF-8 sequence or a tag). */
  write(chunk: Uint8Array | string): void {
    const s = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    if (s) this.run(() => this.sax.write(s));
  }

  /** Ends the document; throws PROTOCOL when it was truncated or was not a multistatus. */
  end(): void {
    const rest = this.decoder.decode();
    if (rest) this.run(() => this.sax.write(rest));
    this.run(() => this.sax.close());
    if (!this.sawRoot) throw new DcError('PROTOCOL', 'answer is not a DAV: multistatus document');
  }

  private run(fn: () => unknown): void {
    if (this.error) throw this.error;
    try {
      fn();
    } catch (err) {
      if (err instanceof DcError) throw err;
      this.error = new DcError('PROTOCOL', `malformed multistatus XML: ${(err as Error).message}`);
      throw this.error;
    }
  }

  private parent(): string | undefined {
    return this.stack[this.stack.length - 1];
  }

  private open(tag: SaxesTagNS): void {
    const name = tag.uri === DAV ? tag.local : `{${tag.uri}}${tag.local}`;
    const parent = this.parent();
    this.stack.push(name);
    if (this.stack.length === 1) {
      if (name !== 'multistatus') throw new DcError('PROTOCOL', `expected a DAV: multistatus, got <${tag.name}>`);
      this.sawRoot = true;
      return;
    }
    switch (name) {
      case 'response':
        if (parent === 'multistatus') this.response = { href: '', status: 200, isDir: false };
        return;
      case 'propstat':
        if (parent === 'response' && this.response) this.propstat = { status: 0, isDir: false };
        return;
      case 'collection':
        if (parent === 'resourcetype' && this.propstat) this.propstat.isDir = true;
        return;
      case 'href':
        if (parent === 'response') this.startText('href');
        return;
      case 'status':
        if (parent === 'response' || parent === 'propstat') this.startText('status');
        return;
      case 'getcontentlength':
      case 'getlastmodified':
      case 'iscollection': // XrdHttp and DPM send it beside resourcetype
        if (parent === 'prop' && this.propstat) this.startText(name);
        return;
    }
  }

  private startText(field: TextField): void {
    this.field = field;
    this.text = '';
  }

  private addText(t: string): void {
    if (this.field === undefined) return;
    if (this.text.length + t.length > MAX_TEXT) throw new DcError('PROTOCOL', `<${this.field}> longer than ${MAX_TEXT} characters`);
    this.text += t;
  }

  private close(tag: SaxesTagNS): void {
    const name = this.stack.pop();
    const parent = this.parent();
    if (this.field !== undefined && name === this.field) this.endText(name, parent);
    if (name === 'propstat' && parent === 'response' && this.propstat && this.response) {
      const ps = this.propstat;
      this.propstat = undefined;
      // Values in a 404 propstat are "property not found", not values (§14.22).
      if (ps.status === 0 || (ps.status >= 200 && ps.status < 300)) {
        const r = this.response;
        if (ps.isDir) r.isDir = true;
        if (ps.size !== undefined) r.size = ps.size;
        if (ps.mtime !== undefined) r.mtime = ps.mtime;
      }
    } else if (name === 'response' && parent === 'multistatus' && this.response) {
      const r = this.response;
      this.response = undefined;
      if (r.href === '') throw new DcError('PROTOCOL', 'multistatus response without <href>');
      this.onEntry(r);
    }
    void tag;
  }

  private endText(field: TextField, parent: string | undefined): void {
    const text = this.text;
    this.field = undefined;
    this.text = '';
    const r = this.response;
    const ps = this.propstat;
    if (field === 'href' && r) r.href = text.trim();
    else if (field === 'status') {
      if (parent === 'propstat' && ps) ps.status = parseStatusLine(text);
      else if (parent === 'response' && r) r.status = parseStatusLine(text) || 200;
    } else if (field === 'getcontentlength' && ps) {
      const n = Number(text.trim());
      if (text.trim() !== '' && Number.isSafeInteger(n) && n >= 0) ps.size = n;
    } else if (field === 'getlastmodified' && ps) {
      const ms = Date.parse(text.trim());
      if (Number.isFinite(ms)) ps.mtime = ms / 1000;
    } else if (field === 'iscollection' && ps) {
      if (text.trim() === '1' || text.trim().toLowerCase() === 'true') ps.isDir = true;
    }
  }
}
