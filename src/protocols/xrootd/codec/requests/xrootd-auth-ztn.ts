import { DcError } from '../../../../core/errors.ts';

/**
 * The `ztn` security protocol (bearer token over TLS), as defined by
 * `src/XrdSecztn/XrdSecProtocolztn.cc` in xrootd/xrootd. One step: the client sends the token in
 * a kXR_auth and the server answers kXR_ok or kXR_error (no kXR_authmore unless the client asks
 * for the issuer list, which we never do).
 *
 * Server parameters, after `&P=ztn,` in the login reply: `<options>:<maxtsz>:`, where the low byte
 * of the decimal options is the server's ztn version and `maxtsz` bounds the token size. Servers
 * build them as `TLS:<options>:<maxtsz>:`; the `TLS:` marker is tolerated here in case one leaks.
 *
 * Credential layout (all fields packed, 10-byte prefix):
 *   0  id       4 bytes  "ztn\0"
 *   4  version  1 byte   0
 *   5  opcode   1 byte   'T' (this is a token; 'S' would ask for the issuer list)
 *   6  reserved 2 bytes  0
 *   8  length   2 bytes  big-endian (network order): token bytes + 1 for the trailing NUL
 *   10 token    length   token bytes, then NUL
 */

export const ZTN_VERSION = 0;
const ZTN_PREFIX = 10;
const OPCODE_TOKEN = 0x54; // 'T'
/** The length field is 16 bits and counts the trailing NUL. */
const WIRE_MAX_TOKEN = 0xffff - 1;

export interface ZtnParams {
  /** Server's ztn version (low byte of the options). */
  version: number;
  /** Whole options word, bits above the version byte (first/last token use, runtime fetch). */
  options: number;
  /** Tokens must be shorter than this many bytes. */
  maxTokenSize: number;
}

export function parseZtnParams(params: string): ZtnParams {
  const m = /^(?:TLS:)?(\d{1,15}):(\d{1,9}):/.exec(params);
  const max = m ? Number(m[2]) : 0;
  if (!m || max <= 0) {
    throw new DcError('PROTOCOL', `malformed ztn parameters from the server: ${JSON.stringify(params.slice(0, 64))}`, { detail: { params: params.slice(0, 64) } });
  }
  const options = Number(m[1]);
  return { version: options & 0xff, options, maxTokenSize: max };
}

/** Largest token (bytes) the server named in `params` accepts, within the wire format's limit. */
export function ztnTokenLimit(p: ZtnParams): number {
  return Math.min(p.maxTokenSize - 1, WIRE_MAX_TOKEN);
}

/**
 * The kXR_auth data for a token. The message of a thrown error never holds the token: callers put
 * the error in logs.
 */
export function ztnCredentials(token: string, p: ZtnParams): Buffer {
  const tok = Buffer.from(token, 'utf8');
  if (tok.length === 0) throw new DcError('CONFIG', 'bearer token is empty');
  if (tok.includes(0)) throw new DcError('CONFIG', 'bearer token holds a NUL byte');
  const limit = ztnTokenLimit(p);
  if (tok.length > limit) {
    throw new DcError('CONFIG', `bearer token is ${tok.length} bytes; the server accepts at most ${limit}`, { detail: { tokenBytes: tok.length, limit } });
  }
  const out = Buffer.alloc(ZTN_PREFIX + tok.length + 1);
  out.write('ztn', 0, 'latin1');
  out[4] = ZTN_VERSION;
  out[5] = OPCODE_TOKEN;
  out.writeUInt16BE(tok.length + 1, 8);
  tok.copy(out, ZTN_PREFIX);
  return out;
}
