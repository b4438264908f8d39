/**
 * Wire numbers of the XRootD protocol, as named in `src/XProtocol/XProtocol.hh` of xrootd/xrootd.
 * Only the slice this project speaks is listed.
 */

/** Request ids (XProtocol.hh `XRequestTypes`). */
export const Req = {
  auth: 3000,
  close: 3003,
  dirlist: 3004,
  protocol: 3006,
  login: 3007,
  open: 3010,
  ping: 3011,
  read: 3013,
  rm: 3014,
  rmdir: 3015,
  stat: 3017,
  endsess: 3023,
  locate: 3027,
} as const;

/** Response status codes (XProtocol.hh `XResponseType`). */
export const Status = {
  ok: 0,
  oksofar: 4000,
  attn: 4001,
  authmore: 4002,
  error: 4003,
  redirect: 4004,
  wait: 4005,
  waitresp: 4006,
  /** kXR_status: only answers pgread/pgwrite, which we never send; decoded as unexpected. */
  status: 4007,
} as const;

export function isKnownStatus(s: number): boolean {
  return s === Status.ok || (s >= Status.oksofar && s <= Status.status);
}

/** kXR_attn action codes (XProtocol.hh `XActionCode`). */
export const Attn = {
  asyncab: 5000,
  asyncdi: 5001,
  asyncms: 5002,
  asyncrd: 5003,
  asyncwt: 5004,
  asyncav: 5005,
  asynunav: 5006,
  asyncgo: 5007,
  asynresp: 5008,
} as const;

/** Server error numbers (XProtocol.hh `XErrorCode`). */
export const Err = {
  ArgInvalid: 3000,
  ArgMissing: 3001,
  ArgTooLong: 3002,
  FSError: 3005,
  InvalidRequest: 3006,
  IOError: 3007,
  NoMemory: 3008,
  NotAuthorized: 3010,
  NotFound: 3011,
  ServerError: 3012,
  Unsupported: 3013,
  noserver: 3014,
  NotFile: 3015,
  isDirectory: 3016,
  Cancelled: 3017,
  inProgress: 3020,
  TLSRequired: 3028,
  AuthFailed: 3030,
} as const;

/** The five words a client opens a connection with (XProtocol.hh `ClientInitHandShake`). */
export const HANDSHAKE_FOURTH = 4;
export const HANDSHAKE_FIFTH = 2012;

/** Protocol version we announce in kXR_protocol: 5.2.0, the v5 clients' value. */
export const CLIENT_PROTOCOL_VERSION = 0x520;

/** kXR_protocol request flags. */
export const ProtocolFlag = { secreqs: 0x01, ableTLS: 0x02, wantTLS: 0x04, bifreqs: 0x08 } as const;
/** kXR_protocol request `expect` byte: a login follows. */
export const EXPECT_LOGIN = 0x03;

/** kXR_protocol response flags (server kind and TLS requirements). */
export const ServerFlag = {
  isServer: 0x00000001,
  isManager: 0x00000002,
  haveTLS: 0x80000000,
  gotoTLS: 0x40000000,
  tlsSess: 0x08000000,
  tlsLogin: 0x04000000,
} as const;

/** kXR_login capver: version 5 client that understands asynchronous responses. */
export const LOGIN_CAPVER = 0x80 | 5;

/** kXR_dirlist options. */
export const DirlistOpt = { online: 0x01, dstat: 0x02 } as const;

/** Flags of a stat reply (XProtocol.hh `XStatRespFlags`). */
export const StatFlag = { xset: 1, isDir: 2, other: 4, offline: 8, readable: 16, writable: 32 } as const;

/** kXR_open options (XProtocol.hh `XOpenRequestOption`): the slice a reader uses. */
export const OpenOpt = { openRead: 0x0010, retstat: 0x0400 } as const;

/** kXR_locate options. */
export const LocateOpt = { refresh: 128, prefname: 256, nowait: 8192 } as const;

/** Every request header is 24 bytes; every response header 8 (XProtocol.hh). */
export const REQUEST_HEADER_SIZE = 24;
export const RESPONSE_HEADER_SIZE = 8;
