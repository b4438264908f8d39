import { CLIENT_PROTOCOL_VERSION, EXPECT_LOGIN, HANDSHAKE_FIFTH, HANDSHAKE_FOURTH, ProtocolFlag, Req } from '../xrootd-constants.ts';
import { XrootdReader } from '../xrootd-reader.ts';
import { XrootdRequestWriter } from '../xrootd-writer.ts';

/**
 * The 20-byte opening of every connection (XProtocol.hh `ClientInitHandShake`: 0, 0, 0, 4, 2012).
 * Clients send it together with kXR_protocol so the two replies come back in one round trip.
 */
export function encodeHandshake(): Buffer {
  const b = Buffer.alloc(20);
  b.writeInt32BE(HANDSHAKE_FOURTH, 12);
  b.writeInt32BE(HANDSHAKE_FIFTH, 16);
  return b;
}

export interface ProtocolOptions {
  /** We can switch this connection to TLS when the server asks (kXR_ableTLS). */
  ableTLS: boolean;
  /** We insist on TLS (roots://): kXR_wantTLS. */
  wantTLS: boolean;
}

/**
 * kXR_protocol (XProtocol.hh `ClientProtocolRequest`, v5 layout): client protocol version,
 * a flags byte, an `expect` byte (a login follows), 10 reserved. We do not ask for the security
 * requirements trailer (kXR_secreqs): signing is not supported, so we would not act on it.
 */
export function encodeProtocol(streamId: number, opts: ProtocolOptions): Buffer {
  const flags = (opts.ableTLS ? ProtocolFlag.ableTLS : 0) | (opts.wantTLS ? ProtocolFlag.wantTLS : 0);
  return new XrootdRequestWriter(streamId, Req.protocol).i32(CLIENT_PROTOCOL_VERSION).u8(flags).u8(EXPECT_LOGIN).skip(10).done();
}

export interface ProtocolReply {
  protocolVersion: number;
  /** Server kind and TLS bits (`ServerFlag`); optional trailers after them are ignored. */
  flags: number;
}

export function decodeProtocolReply(body: Buffer): ProtocolReply {
  const r = new XrootdReader(body, 'kXR_protocol reply');
  const protocolVersion = r.i32();
  // Servers before protocol 2.9.7 send only the version.
  const flags = r.remaining >= 4 ? r.u32() : 0;
  return { protocolVersion, flags };
}
