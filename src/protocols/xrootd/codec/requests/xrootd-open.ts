import { DcError } from '../../../../core/errors.ts';
import { OpenOpt, Req } from '../xrootd-constants.ts';
import { XrootdReader } from '../xrootd-reader.ts';
import { pathData, XrootdRequestWriter } from '../xrootd-writer.ts';
import { parseStatLine, type StatInfo } from './xrootd-stat.ts';

/**
 * kXR_open (XProtocol.hh `ClientOpenRequest`): mode (u16), options (u16), 12 reserved bytes, path
 * as data. We only read: options kXR_open_read | kXR_retstat, mode 0. The ok body
 * (`ServerResponseBody_Open`) is the 4-byte file handle, then with kXR_retstat `cpsize` (4) and
 * `cptype` (4) followed by a stat line as kXR_stat gives it.
 */
export function encodeOpenRead(streamId: number, path: string): Buffer {
  return new XrootdRequestWriter(streamId, Req.open, pathData(path))
    .u16(0)
    .u16(OpenOpt.openRead | OpenOpt.retstat)
    .skip(12)
    .done();
}

export interface OpenReply {
  /** The server's handle for the file: sent back in every kXR_read and the kXR_close. */
  handle: Buffer;
  /** Present when the server honoured kXR_retstat. */
  stat?: StatInfo;
}

export function decodeOpenReply(body: Buffer): OpenReply {
  const r = new XrootdReader(body, 'kXR_open reply');
  const handle = Buffer.from(r.bytes(4));
  if (r.remaining === 0) return { handle };
  r.bytes(8); // cpsize, cptype: compression, never asked for
  const rest = r.rest();
  let end = rest.indexOf(0);
  if (end === -1) end = rest.length;
  while (end > 0 && (rest[end - 1] === 10 || rest[end - 1] === 32)) end--;
  if (end === 0) return { handle };
  const stat = parseStatLine(rest, 0, end);
  if (!stat) throw new DcError('PROTOCOL', `kXR_open reply carries no stat line: ${JSON.stringify(rest.toString('latin1', 0, Math.min(end, 80)))}`);
  return { handle, stat };
}
