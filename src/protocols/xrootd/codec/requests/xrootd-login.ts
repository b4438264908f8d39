import { LOGIN_CAPVER, Req } from '../xrootd-constants.ts';
import { XrootdReader } from '../xrootd-reader.ts';
import { XrootdRequestWriter } from '../xrootd-writer.ts';

/**
 * kXR_login (XProtocol.hh `ClientLoginRequest`): pid, 8-byte user name, ability2, ability,
 * capver, reserved; data is an optional CGI string (e.g. a redirect token).
 */
export function encodeLogin(streamId: number, opts: { pid: number; user: string; cgi?: string }): Buffer {
  const data = opts.cgi ? Buffer.from(opts.cgi, 'utf8') : undefined;
  // The user name field is fixed-width and informational for unauthenticated logins: keep it ASCII.
  const user = Buffer.from(opts.user.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 8) || 'dc', 'latin1');
  return new XrootdRequestWriter(streamId, Req.login, data)
    .i32(opts.pid)
    .fixed(user, 8)
    .u8(0)
    .u8(0)
    .u8(LOGIN_CAPVER)
    .u8(0)
    .done();
}

export interface SecurityProtocol {
  name: string;
  params: string;
}

export interface LoginReply {
  sessionId: Buffer;
  /** Authentication protocols the server offers, in its order of preference; empty: none needed. */
  security: SecurityProtocol[];
}

/** Login reply (XProtocol.hh `ServerResponseBody_Login`): 16-byte session id, then `&P=name,params…`. */
export function decodeLoginReply(body: Buffer): LoginReply {
  const r = new XrootdReader(body, 'kXR_login reply');
  const sessionId = Buffer.from(r.bytes(16));
  const sec = r.remaining ? r.text() : '';
  return { sessionId, security: parseSecurity(sec) };
}

export function parseSecurity(sec: string): SecurityProtocol[] {
  const out: SecurityProtocol[] = [];
  for (const part of sec.split('&')) {
    if (!part.startsWith('P=')) continue;
    const spec = part.slice(2);
    const comma = spec.indexOf(',');
    const name = comma === -1 ? spec : spec.slice(0, comma);
    if (name) out.push({ name, params: comma === -1 ? '' : spec.slice(comma + 1) });
  }
  return out;
}
