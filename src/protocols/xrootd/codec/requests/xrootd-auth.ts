import { Req } from '../xrootd-constants.ts';
import { XrootdRequestWriter } from '../xrootd-writer.ts';

/**
 * kXR_auth (XProtocol.hh `ClientAuthRequest`): 12 reserved bytes, 4-byte credential type, the
 * credentials as data. Only the weak protocols are built here: `unix` sends
 * `unix\0<user> <group>\0`, `host` sends `host\0` (the server trusts the peer address).
 */
export function encodeAuth(streamId: number, credtype: string, credentials: Buffer): Buffer {
  return new XrootdRequestWriter(streamId, Req.auth, credentials).skip(12).fixed(Buffer.from(credtype, 'latin1'), 4).done();
}

export function unixCredentials(user: string, group: string): Buffer {
  const text = group ? `${user} ${group}` : user;
  return Buffer.concat([Buffer.from('unix\0', 'latin1'), Buffer.from(text, 'utf8'), Buffer.from([0])]);
}

export function hostCredentials(): Buffer {
  return Buffer.from('host\0', 'latin1');
}
