import { DcError, type ErrorCode } from '../../../core/errors.ts';
import { Attn, Err } from './xrootd-constants.ts';
import { XrootdReader } from './xrootd-reader.ts';

/**
 * Decoders of the response kinds every request can receive (XProtocol.hh `ServerResponseBody_*`).
 * Request-specific ok bodies live beside their request in `requests/`.
 */

/** Handshake reply body (XProtocol.hh `ServerInitHandShake` minus msglen, which is the dlen). */
export interface HandshakeReply {
  protocolVersion: number;
  /** kXR_DataServer (1) or kXR_LBalServer (0). */
  serverType: number;
}

export function decodeHandshake(body: Buffer): HandshakeReply {
  const r = new XrootdReader(body, 'handshake reply');
  return { protocolVersion: r.i32(), serverType: r.i32() };
}

export interface ErrorReply {
  errnum: number;
  message: string;
}

export function decodeError(body: Buffer): ErrorReply {
  const r = new XrootdReader(body, 'kXR_error');
  return { errnum: r.i32(), message: r.text() };
}

/** Maps a server error to our stable codes, keeping the server's number and text in `detail`. */
export function errorFromServer(e: ErrorReply, what: string): DcError {
  let code: ErrorCode;
  switch (e.errnum) {
    case Err.NotFound:
      code = 'NOT_FOUND';
      break;
    case Err.NotAuthorized:
    case Err.AuthFailed:
      code = 'PERMISSION';
      break;
    case Err.ArgInvalid:
    case Err.ArgMissing:
    case Err.ArgTooLong:
    case Err.Unsupported:
    case Err.InvalidRequest:
    case Err.NotFile:
    case Err.isDirectory:
    case Err.TLSRequired:
      code = 'PROTOCOL';
      break;
    default:
      code = 'IO';
  }
  return new DcError(code, `${what}: server error ${e.errnum}: ${e.message}`, {
    detail: { xrootdErrno: e.errnum, xrootdMessage: e.message },
  });
}

/**
 * kXR_redirect: `port` then `host[?opaque[?token]]`. A negative port means the host field is a
 * whole URL (protocol v4+). The opaque part is appended to the path of the redirected request.
 */
export interface RedirectReply {
  host: string;
  port: number;
  opaque: string;
  token: string;
  /** Set when the server sent a URL instead of host + port. */
  url?: string;
}

export function decodeRedirect(body: Buffer): RedirectReply {
  const r = new XrootdReader(body, 'kXR_redirect');
  const port = r.i32();
  const target = r.text();
  if (port < 0 || target.includes('://')) {
    return { host: '', port, opaque: '', token: '', url: target };
  }
  const q1 = target.indexOf('?');
  const host = q1 === -1 ? target : target.slice(0, q1);
  let opaque = q1 === -1 ? '' : target.slice(q1 + 1);
  let token = '';
  const q2 = opaque.indexOf('?');
  if (q2 !== -1) {
    token = opaque.slice(q2 + 1);
    opaque = opaque.slice(0, q2);
  }
  if (host === '') throw new DcError('PROTOCOL', 'kXR_redirect without a host');
  return { host: stripBrackets(host), port, opaque, token };
}

function stripBrackets(h: string): string {
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

export interface WaitReply {
  seconds: number;
  message: string;
}

export function decodeWait(body: Buffer): WaitReply {
  const r = new XrootdReader(body, 'kXR_wait');
  const seconds = r.i32();
  return { seconds: Math.max(0, seconds), message: r.remaining ? r.text() : '' };
}

/** kXR_waitresp: the real answer comes later in a kXR_attn/kXR_asynresp within `seconds`. */
export function decodeWaitresp(body: Buffer): { seconds: number } {
  const r = new XrootdReader(body, 'kXR_waitresp');
  return { seconds: Math.max(0, r.i32()) };
}

export type AttnReply =
  /** An answer to an earlier kXR_waitresp: a whole response nested in the attn body. */
  | { kind: 'asynresp'; streamId: number; status: number; body: Buffer }
  | { kind: 'other'; action: number; params: Buffer };

/** kXR_attn (XProtocol.hh `ServerResponseBody_Attn` / `_Attn_asynresp`). */
export function decodeAttn(body: Buffer): AttnReply {
  const r = new XrootdReader(body, 'kXR_attn');
  const action = r.i32();
  if (action !== Attn.asynresp) return { kind: 'other', action, params: r.rest() };
  r.bytes(4);
  const streamId = r.u16();
  const status = r.u16();
  const dlen = r.i32();
  if (dlen < 0) throw new DcError('PROTOCOL', `kXR_asynresp with negative length ${dlen}`);
  return { kind: 'asynresp', streamId, status, body: r.bytes(dlen) };
}
