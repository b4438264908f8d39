import { Req } from '../xrootd-constants.ts';
import { pathData, XrootdRequestWriter } from '../xrootd-writer.ts';

/** kXR_rm (XProtocol.hh `ClientRmRequest`): 16 reserved bytes, path as data, empty ok reply. */
export function encodeRm(streamId: number, path: string): Buffer {
  return new XrootdRequestWriter(streamId, Req.rm, pathData(path)).done();
}
