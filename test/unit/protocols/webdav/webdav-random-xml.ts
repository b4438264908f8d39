/**
 * Test-only generator of random, well-formed multistatus documents that use what XML allows and
 * real servers do now and then: any namespace prefix (declared on the root or on each response,
 * default namespace included), entities and character references, CDATA, comments and processing
 * instructions, attributes in either quote, white space inside tags, CRLF line ends, multi-byte
 * names, 404 propstats, foreign elements, odd dates and sizes. Seeded: a failure names its seed.
 */

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomDoc {
  text: string;
  /** Byte offset where the XML declaration ends: mutations before it test rules of the declaration we do not claim to check. */
  bodyStart: number;
}

const NAME_CHARS = ['a', 'b', 'Z', '0', '.', '-', '_', ' ', '&', '<', '>', '"', "'", '%', '%20', '#', '?', '+', 'é', '日', '😀', ']', ']]>', '\t'];

export function randomDoc(seed: number): RandomDoc {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const chance = (p: number) => r() < p;
  const nl = chance(0.3) ? '\r\n' : '\n';
  const ws = () => pick(['', '', ' ', nl, '  ', '\t']);
  const comment = () => (chance(0.1) ? `<!-- ${pick(['x', 'a - b', '<D:href>/no</D:href>', '&amp;'])} -->` : '');
  const escapeChar = (c: string): string => {
    if (c === '&') return pick(['&amp;', '&#38;', '&#x26;']);
    if (c === '<') return pick(['&lt;', '&#60;', '&#x3C;']);
    if (c === ']]>') return ']]&gt;';
    if (chance(0.15)) {
      const cp = c.codePointAt(0)!;
      return chance(0.5) ? `&#${cp};` : `&#x${cp.toString(16)};`;
    }
    if (c === '>') return pick(['&gt;', '&#62;']); // a raw one could complete "]]>"
    if (c === '"' && chance(0.5)) return '&quot;';
    if (c === "'" && chance(0.5)) return '&apos;';
    return c;
  };
  /** Text content: escaped, sometimes in CDATA pieces (never holding "]]>"), sometimes with a comment inside. */
  const text = (raw: string[]): string =>
    raw
      .map((c) => {
        if (chance(0.1) && !c.includes(']')) return `<![CDATA[${c}]]>`;
        return escapeChar(c) + (chance(0.03) ? '<!--c-->' : '');
      })
      .join('');

  // Namespace set-up: the prefix (or default namespace) DAV: elements use, declared on the root or per response.
  const prefix = pick(['D', 'd', 'lp1', '']);
  const q = (local: string, p = prefix) => (p ? `${p}:${local}` : local);
  const davValue = pick(['DAV:', 'DAV:', 'DAV&#58;', 'DAV&#x3a;']);
  const decl = (p: string) => `${p ? `xmlns:${p}` : 'xmlns'}${ws()}=${ws()}${chance(0.5) ? `"${davValue}"` : `'${davValue}'`}`;
  const perResponse = chance(0.3);
  const extra = chance(0.5) ? ` xmlns:ns1="http://apache.org/dav/props/"` : '';
  let out = chance(0.2) ? '\ufeff' : '';
  if (chance(0.8)) out += `<?xml version="1.0" encoding="utf-8"${chance(0.5) ? ' ?' : '?'}>`;
  const bodyStart = Buffer.byteLength(out);
  out += nl + comment() + (chance(0.1) ? `<?php-free target?>${nl}` : '');
  out += `<${q('multistatus')} ${decl(prefix)}${extra}${ws()}>${nl}`;
  const count = 1 + Math.floor(r() * 6);
  for (let k = 0; k < count; k++) {
    // XrdHttp style: the properties use a prefix the response itself declares.
    const rp = perResponse ? (prefix === 'lp1' ? 'lp2' : 'lp1') : prefix;
    out += `<${q('response')}${perResponse ? ' ' + decl(rp) : ''}${chance(0.2) ? ` id='r${k}' class="a&amp;b"` : ''}${ws()}>${nl}${comment()}`;
    const name = Array.from({ length: 1 + Math.floor(r() * 8) }, () => pick(NAME_CHARS));
    const href = `/d/${name.join('')}${chance(0.2) ? '/' : ''}`;
    out += `<${q('href', rp)}${ws()}>${chance(0.2) ? ws() : ''}${text([...href])}${chance(0.2) ? nl : ''}</${q('href', rp)}${ws()}>${nl}`;
    if (chance(0.15)) {
      out += `<${q('status', rp)}>HTTP/1.1 ${pick(['403 Forbidden', '200 OK', '404 Not Found'])}</${q('status', rp)}>${nl}</${q('response')}>${nl}`;
      continue;
    }
    const propstats = 1 + Math.floor(r() * 2);
    for (let s = 0; s < propstats; s++) {
      const status = s === 0 ? pick(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK', ' HTTP/2 200 ', 'HTTP/1.1 404 Not Found', 'garbage']) : 'HTTP/1.1 404 Not Found';
      out += `<${q('propstat', rp)}>${nl}<${q('prop', rp)}>${nl}`;
      if (chance(0.8)) out += `<${q('getcontentlength', rp)}>${pick(['0', '7', ' 1234567890123 ', '007', '-1', '1e3', 'x', '99999999999999999', ''])}</${q('getcontentlength', rp)}>${nl}`;
      if (chance(0.8)) {
        const date = new Date(Math.floor(r() * 4e12)).toUTCString();
        const value = pick([date, date, ` ${date} `, '2020-09-13T12:26:40Z', 'Sunday, 13-Sep-20 12:26:40 GMT', 'Sun Sep 13 12:26:40 2020', 'Sun, 31 Feb 2020 12:26:40 GMT', 'never', '']);
        out += `<${q('getlastmodified', rp)}>${text([...value])}</${q('getlastmodified', rp)}>${nl}`;
      }
      const dir = chance(0.4);
      out += `<${q('resourcetype', rp)}>${dir ? pick([`<${q('collection', rp)}/>`, `<${q('collection', rp)} />`, `<${q('collection', rp)}></${q('collection', rp)}>`]) : ''}</${q('resourcetype', rp)}>${nl}`;
      if (chance(0.3)) out += `<${q('iscollection', rp)}>${pick(['0', '1', 'true', 'TRUE ', 'no'])}</${q('iscollection', rp)}>${nl}`;
      if (chance(0.2)) out += `<X:getcontentlength xmlns:X="urn:not-dav">55</X:getcontentlength><X:resourcetype xmlns:X="urn:x"><X:collection/></X:resourcetype>${nl}`;
      if (chance(0.2)) out += `<${q('displayname', rp)}>${text([...'a & b'])}</${q('displayname', rp)}><${q('lockdiscovery', rp)}/>${nl}`;
      out += `</${q('prop', rp)}>${nl}<${q('status', rp)}>${text([...status])}</${q('status', rp)}>${nl}</${q('propstat', rp)}>${nl}`;
    }
    out += `</${q('response')}${ws()}>${nl}`;
  }
  out += `</${q('multistatus')}>${nl}${comment()}${chance(0.2) ? '<?pi after?>' : ''}${ws()}`;
  return { text: out, bodyStart };
}
