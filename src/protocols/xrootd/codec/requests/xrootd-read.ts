import { DcError } from '../../../../core/errors.ts';
import { Req } from '../xrootd-constants.ts';
import { XrootdRequestWriter } from '../xrootd-writer.ts';

/**
 * kXR_read (XProtocol.hh `ClientReadRequest`): file handle (4), offset (int64), rlen (int32), no
 * data. The bytes come as kXR_oksofar bodies followed by a kXR_ok body (each may be empty); fewer
 * than rlen in all means the end of the file was reached.
 */
export function encodeRead(streamId: number, handle: Buffer, offset: number, length: number): Buffer {
  if (handle.length !== 4) throw new DcError('INTERNAL', `a file handle is 4 bytes, got ${handle.length}`);
  if (!Number.isSafeInteger(offset) || offset < 0) throw new DcError('INTERNAL', `read offset out of range: ${offset}`);
  if (!Number.isInteger(length) || length <= 0 || length > 0x7fffffff) throw new DcError('INTERNAL', `read length out of range: ${length}`);
  const w = new XrootdRequestWriter(streamId, Req.read).fixed(handle, 4);
  // int64 as two big-endian words: offsets stay below 2^53.
  return w.i32(Math.floor(offset / 0x1_0000_0000)).i32(offset % 0x1_0000_0000 | 0).i32(length).done();
}
