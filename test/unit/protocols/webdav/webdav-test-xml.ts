/**
 * Test-only builder of multistatus documents, written independently of the production parser so
 * a shared mistake cannot hide. Styles mimic real servers: nginx (percent-encoded, "D:" prefix,
 * trailing slash on collections), XrdHttp (raw names, lp1: prefix, iscollection), absolute URLs.
 */
export interface TestEntry {
  /** Href exactly as the server would write it, before XML escaping. */
  href: string;
  dir?: boolean;
  size?: number;
  /** RFC 1123 date text. */
  modified?: string;
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

export function nginxResponse(e: TestEntry): string {
  return (
    `<D:response>\n<D:href>${xmlEscape(e.href)}</D:href>\n<D:propstat>\n<D:prop>\n` +
    (e.dir ? '' : `<D:getcontentlength>${e.size ?? 0}</D:getcontentlength>\n`) +
    (e.modified ? `<D:getlastmodified>${e.modified}</D:getlastmodified>\n` : '') +
    `<D:resourcetype>${e.dir ? '<D:collection/>' : ''}</D:resourcetype>\n</D:prop>\n<D:status>HTTP/1.1 200 OK</D:status>\n</D:propstat>\n</D:response>\n`
  );
}

export function xrdhttpResponse(e: TestEntry): string {
  return (
    `<D:response xmlns:lp1="DAV:" xmlns:lp2="http://apache.org/dav/props/" xmlns:lp3="LCGDM:">\n<D:href>${xmlEscape(e.href)}</D:href>\n<D:propstat>\n<D:prop>\n` +
    `<lp1:getcontentlength>${e.dir ? 4096 : (e.size ?? 0)}</lp1:getcontentlength>\n` +
    (e.modified ? `<lp1:getlastmodified>${e.modified}</lp1:getlastmodified>\n` : '') +
    (e.dir ? '<lp1:resourcetype><D:collection/></lp1:resourcetype>\n' : '') +
    `<lp1:iscollection>${e.dir ? 1 : 0}</lp1:iscollection>\n</D:prop>\n<D:status>HTTP/1.1 200 OK</D:status>\n</D:propstat>\n</D:response>\n`
  );
}

export const HEAD_NGINX = '<?xml version="1.0" encoding="utf-8" ?>\n<D:multistatus xmlns:D="DAV:">\n';
export const HEAD_XRDHTTP = '<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus xmlns:D="DAV:" xmlns:ns1="http://apache.org/dav/props/" xmlns:ns0="DAV:">\n';
export const TAIL = '</D:multistatus>\n';

export function doc(head: string, responses: string[]): string {
  return head + responses.join('') + TAIL;
}
