/**
 * Storage paths ↔ WebDAV hrefs. Servers write `<href>` three ways (SERVERS.md): percent-encoded paths
 * (nginx, as RFC 4918 §8.3 asks), raw paths with the name bytes as they are (XrdHttp), and absolute
 * URLs (npm webdav-server, dCache); with or without a trailing slash on collections. Raw and encoded
 * differ only for names holding `%XX`, so the style is inferred from evidence in the same answer (or
 * remembered from an earlier answer of the same server) before such names are decoded; when the
 * answer holds no evidence, the lister asks the server (see `WebdavLister.probeStyle`).
 */

import { decodeName, encodeName, hasRawBytes } from '../../core/name-bytes.ts';

export type HrefStyle = 'raw' | 'encoded';

/** Characters a conforming (encoded) href never holds; one of them proves the server writes raw names. */
const RAW_EVIDENCE = /[\x00-\x20"<>#?\\^`{|}\x7f-\uffff]|%(?![0-9A-Fa-f]{2})/;
const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/;
/** A path that encodes to itself (most of them): checked first, as one is encoded per request. */
const UNRESERVED_PATH = /^[A-Za-z0-9\-._~/]*$/;
const UNRESERVED_BYTE = /^[A-Za-z0-9\-._~/]$/;

/** Request-line form of a storage path: every byte outside RFC 3986 "unreserved" escaped, "/" kept. */
export function encodeStoragePath(path: string): string {
  if (UNRESERVED_PATH.test(path)) return path;
  // A name that is not UTF-8 is sent as its own bytes (encodeURIComponent would throw on it).
  if (hasRawBytes(path)) return [...encodeName(path)].map((b) => (UNRESERVED_BYTE.test(String.fromCharCode(b)) ? String.fromCharCode(b) : '%' + b.toString(16).toUpperCase().padStart(2, '0'))).join('');
  return path
    .split('/')
    .map((seg) => encodeURIComponent(seg).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()))
    .join('/');
}

/**
 * Decodes %XX escapes to the bytes they stand for; bytes that are not UTF-8 are kept as such
 * (src/core/name-bytes.ts), so a name is the very bytes the server escaped.
 */
export function percentDecode(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s); // the same result whenever it does not throw (valid escapes and UTF-8)
  } catch {
    // below: byte by byte
  }
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 && i + 2 < s.length && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      const cp = s.codePointAt(i)!;
      if (cp > 0xffff) i++;
      for (const b of encodeName(String.fromCodePoint(cp))) bytes.push(b);
    }
  }
  return decodeName(Buffer.from(bytes));
}

/**
 * The path part of an href: scheme and authority of an absolute URL removed, trailing slashes
 * removed (kept for "/"). Query or fragment are not split off: in a raw href "?" and "#" are name bytes.
 */
export function hrefPath(href: string): { path: string; trailingSlash: boolean } {
  let p = href;
  const m = href.charCodeAt(0) === 47 ? null : /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/.exec(p);
  if (m) p = p.slice(m[0].length) || '/';
  let end = p.length;
  while (end > 1 && p.charCodeAt(end - 1) === 47) end--;
  return { path: p.slice(0, end), trailingSlash: end < p.length };
}

export function decodeHrefPath(path: string, style: HrefStyle): string {
  return style === 'raw' ? path : percentDecode(path);
}

/** Last segment of a decoded path. */
export function leafName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export interface ResolvedHref<T> {
  /** Decoded path, no trailing slash. */
  path: string;
  trailingSlash: boolean;
  item: T;
}

/**
 * Decodes the hrefs of one multistatus answer. `dirPath` is the decoded URL path that was asked for
 * (after redirects). Items whose decoding depends on the still-unknown style wait in `pending`
 * until evidence arrives or the answer ends (then RFC 4918's encoded form is assumed).
 */
export class HrefResolver<T> {
  private style: HrefStyle | undefined;
  private pending: { path: string; trailingSlash: boolean; item: T }[] = [];

  constructor(
    private readonly dirPath: string,
    known: HrefStyle | undefined,
  ) {
    this.style = known;
  }

  get learnedStyle(): HrefStyle | undefined {
    return this.style;
  }

  push(href: string, item: T): ResolvedHref<T>[] {
    const out: ResolvedHref<T>[] = [];
    this.pushEach(href, item, (r) => out.push(r));
    return out;
  }

  /** `push` handing out what it resolves one by one (one href a time, 100 000 in a directory: no arrays). */
  pushEach(href: string, item: T, emit: (r: ResolvedHref<T>) => void): void {
    const { path, trailingSlash } = hrefPath(href);
    const evidence = this.evidence(path);
    if (evidence && evidence !== this.style) this.style = evidence;
    if (this.style === undefined && PERCENT_ESCAPE.test(path)) {
      this.pending.push({ path, trailingSlash, item });
      return;
    }
    if (this.style !== undefined && this.pending.length > 0) for (const r of this.flush(this.style)) emit(r);
    emit({ path: decodeHrefPath(path, this.style ?? 'encoded'), trailingSlash, item });
  }

  /** Hrefs (paths as sent) whose decoding waits for the style to be known. */
  get pendingPaths(): string[] {
    return this.pending.map((p) => p.path);
  }

  /** Settles the style from outside (a probe of the server) and decodes what waited. */
  decide(style: HrefStyle): ResolvedHref<T>[] {
    this.style = style;
    return this.flush(style);
  }

  /** The answer ended: decode whatever still waits. */
  finish(): ResolvedHref<T>[] {
    return this.flush(this.style ?? 'encoded');
  }

  private flush(style: HrefStyle): ResolvedHref<T>[] {
    if (this.pending.length === 0) return [];
    const out = this.pending.map((p) => ({ path: decodeHrefPath(p.path, style), trailingSlash: p.trailingSlash, item: p.item }));
    this.pending = [];
    return out;
  }

  private evidence(path: string): HrefStyle | undefined {
    if (RAW_EVIDENCE.test(path)) return 'raw';
    // The directory we asked for, echoed back: raw servers repeat our decoded path, encoding servers
    // an encoded one. Only conclusive when the two forms differ.
    const decoded = percentDecode(path);
    if (path === this.dirPath && decoded !== this.dirPath) return 'raw';
    if (path !== this.dirPath && decoded === this.dirPath) return 'encoded';
    return undefined;
  }
}
