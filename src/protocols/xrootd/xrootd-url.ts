import { DcError } from '../../core/errors.ts';
import { splitHostPort } from './codec/requests/xrootd-locate.ts';
import type { RedirectReply } from './codec/xrootd-responses.ts';
import type { XrootdEndpoint } from './xrootd-pool.ts';

/** Parses `root://host[:port]/path` (or `roots://`) into an endpoint and a path. */
export function parseXrootdUrl(url: string): { endpoint: XrootdEndpoint; path: string } {
  const m = /^(roots?|xroots?):\/\/([^/?#]+)(\/[^?#]*)?(?:\?([^#]*))?/.exec(url);
  if (!m) throw new DcError('CONFIG', `not a root:// URL: ${JSON.stringify(url)}`);
  const { host, port } = splitHostPort(m[2].replace(/^[^@]*@/, ''));
  const tls = m[1].endsWith('s');
  let path = m[3] ?? '/';
  // root://host//abs/path and root://host/abs/path name the same path.
  path = '/' + path.replace(/^\/+/, '');
  return { endpoint: { host, port, tlsMode: tls ? 'want' : 'off' }, path: m[4] ? `${path}?${m[4]}` : path };
}

/**
 * Where a kXR_redirect answer (XProtocol.hh, ServerResponseBody_Redirect) sends a request next: a
 * URL, or a host and port with an opaque CGI that replaces the previous one on the original path.
 */
export function redirectTarget(from: XrootdEndpoint, basePath: string, r: RedirectReply): { ep: XrootdEndpoint; path: string } {
  if (r.url !== undefined) {
    const u = parseXrootdUrl(r.url);
    return { ep: { ...u.endpoint, tlsMode: u.endpoint.tlsMode === 'want' ? 'want' : from.tlsMode }, path: u.path === '/' ? basePath : u.path };
  }
  const ep: XrootdEndpoint = { host: r.host, port: r.port > 0 ? r.port : 1094, tlsMode: from.tlsMode, loginCgi: r.token || undefined };
  return { ep, path: withCgi(basePath, r.opaque) };
}

function withCgi(path: string, cgi: string): string {
  if (!cgi) return path;
  return path + (path.includes('?') ? '&' : '?') + cgi;
}
