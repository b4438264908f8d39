import { DcError } from '../../../../core/errors.ts';
import { Req } from '../xrootd-constants.ts';
import { XrootdRequestWriter } from '../xrootd-writer.ts';

/** kXR_endsess (XProtocol.hh `ClientEndsessRequest`): the 16-byte session id from login. */
export function encodeEndsess(streamId: number, sessionId: Buffer): Buffer {
  if (sessionId.length !== 16) throw new DcError('INTERNAL', `session id must be 16 bytes, got ${sessionId.length}`);
  return new XrootdRequestWriter(streamId, Req.endsess).fixed(sessionId, 16).done();
}
