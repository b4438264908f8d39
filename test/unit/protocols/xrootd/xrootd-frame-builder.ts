/**
 * Test-only builder of XRootD wire bytes, written from XProtocol.hh independently of the production
 * codec (it shares no code with src/protocols/xrootd): plain number arrays, big-endian by hand.
 * Tests compare the production writer's output with these bytes and feed these bytes to the decoder.
 */

export function be16(n: number): number[] {
  return [(n >>> 8) & 255, n & 255];
}

export function be32(n: number): number[] {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

export function ascii(s: string): number[] {
  return [...new TextEncoder().encode(s)];
}

export function bytes(...parts: (number[] | Uint8Array)[]): Uint8Array {
  const flat: number[] = [];
  for (const p of parts) for (const b of p) flat.push(b);
  return Uint8Array.from(flat);
}

/** A response: stream id, status, dlen, body (XProtocol.hh ServerResponseHeader). */
export function response(streamId: number, status: number, body: number[] | Uint8Array = []): Uint8Array {
  return bytes(be16(streamId), be16(status), be32(body.length), body);
}

export const S = { ok: 0, oksofar: 4000, attn: 4001, authmore: 4002, error: 4003, redirect: 4004, wait: 4005, waitresp: 4006 };

export const handshakeReply = (version = 0x511, type = 1) => response(0, 0, [...be32(version), ...be32(type)]);
export const protocolReply = (sid: number, version = 0x511, flags = 1) => response(sid, 0, [...be32(version), ...be32(flags)]);
export const loginReply = (sid: number, session: number[], sec = '') => response(sid, 0, [...session, ...(sec ? [...ascii(sec), 0] : [])]);
export const errorReply = (sid: number, errnum: number, msg: string) => response(sid, S.error, [...be32(errnum), ...ascii(msg), 0]);
export const redirectReply = (sid: number, port: number, host: string) => response(sid, S.redirect, [...be32(port), ...ascii(host)]);
export const waitReply = (sid: number, seconds: number, msg = '') => response(sid, S.wait, [...be32(seconds), ...ascii(msg)]);
export const waitrespReply = (sid: number, seconds: number) => response(sid, S.waitresp, be32(seconds));
/** kXR_attn carrying kXR_asynresp: actnum 5008, 4 reserved bytes, then a whole nested response. */
export const asynresp = (sid: number, status: number, body: number[] | Uint8Array) =>
  response(0, S.attn, [...be32(5008), 0, 0, 0, 0, ...response(sid, status, body)]);
export const attnMessage = (msg: string) => response(0, S.attn, [...be32(5002), ...ascii(msg), 0]);

/** `id size flags mtime ctime atime mode owner group`, as xrootd 5.5 writes a stat line. */
export function statLine(size: number, isDir: boolean, mtime: number): string {
  return `${isDir ? 77 : 42} ${size} ${isDir ? 19 : 16} ${mtime} ${mtime} ${mtime} ${isDir ? '0755' : '0644'} xrootd xrootd`;
}

/** A kXR_dstat listing body: `.` marker, then name/stat pairs, the last newline replaced by NUL. */
export function dstatText(entries: { name: string; size: number; isDir: boolean; mtime: number }[]): string {
  let t = '.\n0 0 0 0';
  for (const e of entries) t += `\n${e.name}\n${statLine(e.size, e.isDir, e.mtime)}`;
  return t;
}

/** A decoded client request (XProtocol.hh ClientRequestHdr + data). */
export interface ParsedRequest {
  streamId: number;
  requestId: number;
  params: Uint8Array;
  data: Uint8Array;
}

const rd16 = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const rd32 = (b: Uint8Array, i: number) => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;

/** Splits a byte stream into client requests; returns them and the bytes left over. */
export function parseRequests(buf: Uint8Array): { requests: ParsedRequest[]; rest: Uint8Array } {
  const requests: ParsedRequest[] = [];
  let i = 0;
  while (buf.length - i >= 24) {
    const dlen = rd32(buf, i + 20);
    if (buf.length - i < 24 + dlen) break;
    requests.push({ streamId: rd16(buf, i), requestId: rd16(buf, i + 2), params: buf.slice(i + 4, i + 20), data: buf.slice(i + 24, i + 24 + dlen) });
    i += 24 + dlen;
  }
  return { requests, rest: buf.slice(i) };
}

/** A request as a client must send it: 2-byte stream, 2-byte id, 16 parameter bytes, dlen, data. */
export function request(streamId: number, requestId: number, params: number[], data: number[] = []): Uint8Array {
  const p = params.slice(0, 16);
  while (p.length < 16) p.push(0);
  return bytes(be16(streamId), be16(requestId), p, be32(data.length), data);
}

export const text = (b: Uint8Array) => new TextDecoder().decode(b);

/**
 * ztn credentials as XrdSecProtocolztn.cc lays them out: "ztn" + NUL, version 0, opcode 'T',
 * two reserved zero bytes, the token length + 1 as a network-order 16-bit word, the token, NUL.
 */
export function ztnCredential(token: string): number[] {
  const tok = ascii(token);
  return [0x7a, 0x74, 0x6e, 0, 0, 0x54, 0, 0, ...be16(tok.length + 1), ...tok, 0];
}

/** kXR_auth (3000): 12 reserved parameter bytes, then the 4-byte credential type. */
export const authRequest = (sid: number, credtype: string, creds: number[]) => request(sid, 3000, [...new Array(12).fill(0), ...ascii(credtype).slice(0, 4)], creds);
