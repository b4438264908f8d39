import { DcError } from '../../../../core/errors.ts';
import { Req } from '../xrootd-constants.ts';
import { XrootdRequestWriter } from '../xrootd-writer.ts';

/** kXR_close (XProtocol.hh `ClientCloseRequest`): file handle (4), 12 reserved bytes, empty ok reply. */
export function encodeClose(streamId: number, handle: Buffer): Buffer {
  if (handle.length !== 4) throw new DcError('INTERNAL', `a file handle is 4 bytes, got ${handle.length}`);
  return new XrootdRequestWriter(streamId, Req.close).fixed(handle, 4).skip(12).done();
}
